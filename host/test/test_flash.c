/* Tests for json_flat.c, image.c and flash.c: small unit checks, then the fixtures that
 * gen_flash_fixtures.mjs makes with the repo's TypeScript (same decisions, events, messages and
 * flash bytes), then fuzzing of image_read and the boot loader with damaged inputs.
 *
 *   node --import=tsx host/test/gen_flash_fixtures.mjs /tmp/flash-fx      (from /work/main)
 *   gcc -std=c99 -Wall -Wextra -Werror -fsanitize=address,undefined -g host/src/json_flat.c \
 *       host/src/image.c host/src/flash.c host/src/crypto.c host/test/test_flash.c -o /tmp/test_flash
 *   /tmp/test_flash /tmp/flash-fx
 *
 * Without a fixture directory only the unit and self-made fuzz tests run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/crypto.h"
#include "../src/flash.h"
#include "../src/image.h"
#include "../src/json_flat.h"
#include "../src/plat.h"

/* The host's plat layer is not linked into this test: the one call flash.c makes. */
int plat_file_sync(FILE *f) { return fflush(f) == 0 ? 0 : -1; }

static int test_no = 0, failures = 0;
static int check(int cond, const char *name) {
  test_no++;
  printf("%sok %d - %s\n", cond ? "" : "not ", test_no, name);
  if (!cond) failures++;
  return cond;
}

/* Failures inside a group of many cases: say which, up to a limit; the group gets one line. */
static int group_bad;
static void note(const char *fmt, const char *a, const char *b, const char *c) {
  if (group_bad++ < 15) {
    printf("# ");
    printf(fmt, a, b, c);
    printf("\n");
  }
}

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  uint8_t *buf;
  long n;
  if (f == NULL) return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = (uint8_t *)malloc((size_t)n + 1);
  if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  *len = (size_t)n;
  return buf;
}

static int write_file(const char *path, const uint8_t *b, size_t n) {
  FILE *f = fopen(path, "wb");
  int ok;
  if (f == NULL) return 0;
  ok = fwrite(b, 1, n, f) == n;
  return fclose(f) == 0 && ok;
}

static void sha_hex(const uint8_t *b, size_t n, char out[65]) {
  uint8_t d[32];
  quip_sha256(b, n, d);
  quip_hex(d, 32, out);
}

static size_t unhex(const char *h, uint8_t *out) {
  size_t n = 0;
  if (strcmp(h, "-") == 0) return 0;
  while (h[0] && h[1]) {
    unsigned v;
    sscanf(h, "%2x", &v);
    out[n++] = (uint8_t)v;
    h += 2;
  }
  return n;
}

/* ---- unit tests ------------------------------------------------------------------------------ */

static void test_units(void) {
  char buf[64], err[256];
  size_t n;
  char *s;
  json_doc *d;
  double v;
  static const struct {
    double v;
    const char *s;
  } nums[] = {{1, "1"}, {-0.0, "0"}, {1e21, "1e+21"}, {1e-7, "1e-7"}, {123.456, "123.456"}, {0.000001, "0.000001"},
              {1.7976931348623157e308, "1.7976931348623157e+308"}, {5e-324, "5e-324"}, {100, "100"}, {0.1, "0.1"},
              {-2.5e-7, "-2.5e-7"}, {123e18, "123000000000000000000"}, {9007199254740993.0, "9007199254740992"}};
  size_t i;
  int ok = 1;
  for (i = 0; i < sizeof nums / sizeof nums[0]; i++) {
    json_js_number(nums[i].v, buf);
    if (strcmp(buf, nums[i].s) != 0) {
      printf("# %s != %s\n", buf, nums[i].s);
      ok = 0;
    }
  }
  check(ok, "json_js_number writes numbers as JS String() does");
  s = json_utf8_lossy((const uint8_t *)"\xEF\xBB\xBF" "A\xC3(\xE0\x80\xF0\x9F\x98", 12, &n);
  check(s != NULL && strcmp(s, "A\xEF\xBF\xBD(\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD") == 0, "lossy UTF-8 decode as TextDecoder");
  free(s);
  check(json_utf8_valid((const uint8_t *)"\xF0\x9F\x98\x80", 4) && !json_utf8_valid((const uint8_t *)"\xED\xA0\x80", 3),
        "strict UTF-8 refuses surrogates");
  {
    static const char text[] = "{\"a\":\"x\\u00e9\\ud83d\\ude00\",\"n\":-1.5e2,\"a2\":[1,{\"b\":2}]}";
    d = json_parse((const uint8_t *)text, strlen(text), err, sizeof err);
  }
  check(d != NULL, "json_parse a flat object");
  if (d != NULL) {
    long len = json_field_string(d, "a", buf, sizeof buf, &n);
    check(len == 7 && n == 4 && strcmp(buf, "x\xC3\xA9\xF0\x9F\x98\x80") == 0, "json string unescapes \\u to UTF-8");
    check(json_field_number(d, "n", &v) && v == -150, "json number");
    json_field_show(d, "a2", 60, 1, buf, sizeof buf);
    check(strcmp(buf, "[1,{\"b\":2}]") == 0, "json_field_show is JSON.stringify");
    check(json_field_type(d, "zz") == JSON_MISSING, "missing field");
    json_free(d);
  }
  d = json_parse((const uint8_t *)"{\"a\":1,}", 8, err, sizeof err);
  check(d == NULL && strcmp(err, "Expected double-quoted property name in JSON at position 7") == 0, "V8 message");
  {
    json_out o;
    char small[7];
    json_out_init(&o, small, sizeof small);
    json_out_str(&o, "abc\xC3\xA9\xC3\xA9");
    check(strcmp(small, "abc\xC3\xA9") == 0 && o.truncated, "json_out cuts on a UTF-8 boundary");
  }
}

/* ---- image fixtures ---------------------------------------------------------------------------- */

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* The result line gen_flash_fixtures.mjs writes; its length (the version may hold a NUL). */
static size_t describe(int rc, const image_info *in, const char *err, char *out, size_t cap) {
  json_out o;
  char rest[600];
  json_out_init(&o, out, cap);
  if (rc != 0) {
    json_out_str(&o, "ERR\t");
    json_out_str(&o, err);
    return o.len;
  }
  json_out_str(&o, "OK\t");
  json_out_str(&o, in->board);
  json_out_str(&o, "\t");
  json_out_mem(&o, in->version, in->version_len);
  snprintf(rest, sizeof rest, "\t%s\t%s\t%s\t%s\t%lu\t%d\t%s", in->entry, in->sha256, in->payload_type, in->engine,
           (unsigned long)in->payload_len, in->signed_image, in->key_id);
  json_out_str(&o, rest);
  return o.len;
}

static void test_images(const char *dir) {
  char path[1024], got[4096], err[2048];
  uint8_t *all;
  size_t len, at = 0, cases = 0;
  snprintf(path, sizeof path, "%s/images.bin", dir);
  all = read_file(path, &len);
  if (!check(all != NULL, "images.bin from gen_flash_fixtures.mjs")) return;
  group_bad = 0;
  while (at + 4 <= len) {
    uint32_t bl = rd32(all + at), il, rl;
    char board[128];
    const uint8_t *key, *img;
    char *want;
    image_info info;
    size_t got_len;
    int rc, has_board = bl != 0xFFFFFFFFu;
    at += 4;
    if (has_board) {
      memcpy(board, all + at, bl);
      board[bl] = 0;
      at += bl;
    }
    key = all[at] ? all + at + 1 : NULL;
    at += 33;
    il = rd32(all + at);
    img = all + at + 4;
    at += 4 + il;
    rl = rd32(all + at);
    want = (char *)malloc(rl + 1);
    memcpy(want, all + at + 4, rl);
    want[rl] = 0;
    at += 4 + rl;
    {
      /* an exact-size copy, so ASan sees any read past the end */
      uint8_t *copy = (uint8_t *)malloc(il ? il : 1);
      memcpy(copy, img, il);
      rc = image_read(copy, il, has_board ? board : NULL, key, &info, err, sizeof err);
      got_len = describe(rc, &info, err, got, sizeof got);
      free(copy);
    }
    if (got_len != rl || memcmp(got, want, rl) != 0) {
      char idx[32];
      snprintf(idx, sizeof idx, "%lu", (unsigned long)cases);
      note("image case %s:\n#   C:  %s\n#   TS: %s", idx, got, want);
    }
    free(want);
    cases++;
  }
  free(all);
  snprintf(got, sizeof got, "image_read agrees with readImage/verifyImageSignature on %lu images (%d differ)",
           (unsigned long)cases, group_bad);
  check(group_bad == 0 && cases > 100, got);
}

/* ---- flash scenarios --------------------------------------------------------------------------- */

typedef struct {
  char name[128], work[1100], dir[1024];
  flash_layout L;
  flash_board *f;
  uint8_t key[32];
  int has_key;
  char board[64];
  int bad; /* failures in this scenario */
} scen;

static void layout_of(flash_layout *L, unsigned size_kb, unsigned erase_kb, unsigned slot_kb, unsigned storage_kb,
                      int k) {
  uint32_t e = erase_kb * 1024, s = slot_kb * 1024;
  memset(L, 0, sizeof *L);
  L->size = size_kb * 1024;
  L->erase_size = e;
  L->boot_off[0] = 0;
  L->boot_off[1] = e;
  L->slot_off[0] = 2 * e;
  L->slot_off[1] = 2 * e + s;
  L->slot_size = s;
  L->storage_off = 2 * e + 2 * s;
  L->storage_size = storage_kb * 1024;
  L->max_trial_boots = k;
  L->confirm_after_s = 30;
}

static void work_sha(const scen *sc, char out[65]) {
  size_t n;
  uint8_t *b = read_file(sc->work, &n);
  if (b == NULL) {
    strcpy(out, "-");
    return;
  }
  sha_hex(b, n, out);
  free(b);
}

static void expect(scen *sc, const char *what, const char *got, const char *want) {
  if (strcmp(got, want) == 0) return;
  sc->bad++;
  note("%s\n#   C:  %s\n#   TS: %s", what, got, want);
}

/* "@PATH@" in a TS message stands for the flash file's path. */
static void with_path(const char *msg, const char *path, char *out, size_t cap) {
  json_out o;
  const char *p;
  json_out_init(&o, out, cap);
  while ((p = strstr(msg, "@PATH@")) != NULL) {
    json_out_mem(&o, msg, (size_t)(p - msg));
    json_out_str(&o, path);
    msg = p + 6;
  }
  json_out_str(&o, msg);
}

typedef struct {
  char *buf;
  size_t len, cap;
} keylist;

static void collect_key(const char *key, void *ctx) {
  keylist *k = (keylist *)ctx;
  size_t n = strlen(key), i;
  if (k->len + 2 * n + 2 >= k->cap) return;
  if (k->len > 0) k->buf[k->len++] = ',';
  for (i = 0; i < n; i++) k->len += (size_t)sprintf(k->buf + k->len, "%02x", (uint8_t)key[i]);
}

static int split(char *line, char **f, int max) {
  int n = 0;
  f[n++] = line;
  while (n < max && (line = strchr(line, '\t')) != NULL) {
    *line++ = 0;
    f[n++] = line;
  }
  return n;
}

static void run_op(scen *sc, char **fl, int nf) {
  char err[2048], sha[65], what[300];
  const char *op = fl[0];
  snprintf(what, sizeof what, "%s: %s", sc->name, op);
  if (strcmp(op, "M") == 0) {
    size_t n;
    uint8_t *b = read_file(sc->work, &n);
    unsigned long off = strtoul(fl[1], NULL, 10);
    if (b != NULL && off < n) {
      b[off] ^= (uint8_t)atoi(fl[2]);
      write_file(sc->work, b, n);
    }
    free(b);
  } else if (strcmp(op, "O") == 0) {
    sc->f = flash_open(sc->work, &sc->L, sc->board, sc->has_key ? sc->key : NULL, err, sizeof err);
    if (strcmp(fl[1], "OK") == 0) {
      expect(sc, what, sc->f != NULL ? "OK" : err, "OK");
    } else {
      char want[2048];
      with_path(nf > 2 ? fl[2] : "", sc->work, want, sizeof want);
      expect(sc, what, sc->f == NULL ? err : "opened", want);
    }
  } else if (sc->f == NULL) {
    /* not opened: the O line already failed */
  } else if (strcmp(op, "B") == 0) {
    flash_boot_result r;
    int rc = flash_boot(sc->f, &r, err, sizeof err);
    work_sha(sc, sha);
    if (strcmp(fl[1], "OK") == 0 && nf >= 8) {
      char psha[65];
      expect(sc, what, rc == 0 ? "OK" : err, "OK");
      if (rc == 0) {
        sha_hex(r.payload, r.payload_len, psha);
        expect(sc, "boot facts", r.facts_json, fl[2]);
        expect(sc, "boot notices", r.notices_json, fl[3]);
        expect(sc, "boot version", r.version, fl[4]);
        expect(sc, "boot entry", r.entry, fl[5]);
        expect(sc, "boot payload", psha, fl[6]);
      }
      expect(sc, "flash bytes after boot", sha, fl[7]);
    } else if (nf >= 4) {
      expect(sc, what, rc == 0 ? "booted" : err, fl[2]);
      expect(sc, "flash bytes after failed boot", sha, fl[3]);
    }
    if (rc == 0) flash_boot_result_free(&r);
  } else if (strcmp(op, "C") == 0) {
    char ev[512];
    int rc = flash_confirm(sc->f, ev, sizeof ev);
    work_sha(sc, sha);
    expect(sc, what, rc ? ev : "-", fl[1]);
    expect(sc, "flash bytes after confirm", sha, fl[2]);
  } else if (strcmp(op, "KS") == 0) {
    static uint8_t k[70000], v[70000];
    size_t kl = unhex(fl[1], k), vl = unhex(fl[2], v);
    int rc;
    k[kl] = 0;
    rc = flash_storage_set(sc->f, (const char *)k, (const char *)v, vl);
    work_sha(sc, sha);
    expect(sc, what, rc ? "1" : "0", fl[3]);
    expect(sc, "flash bytes after storage set", sha, fl[4]);
  } else if (strcmp(op, "KG") == 0) {
    uint8_t k[1024];
    char *v = NULL, got[9000];
    size_t kl = unhex(fl[1], k), vl, i;
    k[kl] = 0;
    if (flash_storage_get(sc->f, (const char *)k, &v, &vl)) {
      got[0] = 0;
      for (i = 0; i < vl && 2 * i + 2 < sizeof got; i++) sprintf(got + 2 * i, "%02x", (uint8_t)v[i]);
      free(v);
    } else {
      strcpy(got, "-");
    }
    expect(sc, what, got, nf > 2 ? fl[2] : "");
  } else if (strcmp(op, "KR") == 0) {
    uint8_t k[1024];
    size_t kl = unhex(fl[1], k);
    k[kl] = 0;
    flash_storage_remove(sc->f, (const char *)k);
    work_sha(sc, sha);
    expect(sc, "flash bytes after storage remove", sha, fl[2]);
  } else if (strcmp(op, "KK") == 0) {
    char buf[20000];
    keylist kl;
    kl.buf = buf;
    kl.len = 0;
    kl.cap = sizeof buf;
    buf[0] = 0;
    flash_storage_keys(sc->f, collect_key, &kl);
    buf[kl.len] = 0;
    expect(sc, what, kl.len ? buf : "-", fl[1]);
  } else if (strcmp(op, "F") == 0) {
    char p[1200];
    size_t a, b, i;
    uint8_t *x, *y;
    snprintf(p, sizeof p, "%s/%s", sc->dir, fl[1]);
    x = read_file(sc->work, &a);
    y = read_file(p, &b);
    if (x == NULL || y == NULL || a != b || memcmp(x, y, a) != 0) {
      char where[64] = "size";
      if (x != NULL && y != NULL && a == b)
        for (i = 0; i < a; i++)
          if (x[i] != y[i]) {
            snprintf(where, sizeof where, "offset %lu", (unsigned long)i);
            break;
          }
      sc->bad++;
      note("%s: flash file differs from %s at %s", sc->name, fl[1], where);
    }
    free(x);
    free(y);
  }
}

static void test_scenarios(const char *dir) {
  char path[1024], *text, *line, *next, msg[256];
  size_t len;
  int count = 0, bad_scen = 0;
  scen sc;
  snprintf(path, sizeof path, "%s/scenarios.txt", dir);
  text = (char *)read_file(path, &len);
  if (!check(text != NULL, "scenarios.txt from gen_flash_fixtures.mjs")) return;
  text[len] = 0;
  memset(&sc, 0, sizeof sc);
  group_bad = 0;
  for (line = text; line != NULL && *line; line = next) {
    char *fl[16];
    int nf;
    next = strchr(line, '\n');
    if (next != NULL) *next++ = 0;
    nf = split(line, fl, 16);
    if (strcmp(fl[0], "S") == 0 && nf >= 10) {
      char init[1100];
      size_t n;
      uint8_t *b;
      memset(&sc, 0, sizeof sc);
      snprintf(sc.dir, sizeof sc.dir, "%s", dir);
      snprintf(sc.name, sizeof sc.name, "%s", fl[1]);
      snprintf(sc.work, sizeof sc.work, "%s/%s.c.flash", dir, fl[1]);
      snprintf(sc.board, sizeof sc.board, "%s", fl[3]);
      sc.has_key = strcmp(fl[4], "-") != 0;
      if (sc.has_key) unhex(fl[4], sc.key);
      layout_of(&sc.L, (unsigned)atoi(fl[5]), (unsigned)atoi(fl[6]), (unsigned)atoi(fl[7]), (unsigned)atoi(fl[8]),
                atoi(fl[9]));
      snprintf(init, sizeof init, "%s/%s", dir, fl[2]);
      remove(sc.work);
      b = read_file(init, &n);
      if (b != NULL) write_file(sc.work, b, n);
      free(b);
    } else if (strcmp(fl[0], "E") == 0) {
      flash_close(sc.f);
      sc.f = NULL;
      count++;
      if (sc.bad) bad_scen++;
      remove(sc.work);
    } else {
      run_op(&sc, fl, nf);
    }
  }
  free(text);
  snprintf(msg, sizeof msg, "flash boots, confirms and storage agree with the TS, bytes included (%d scenarios, %d differ)",
           count, bad_scen);
  check(bad_scen == 0 && count > 20, msg);
}

/* ---- fuzz: damaged inputs never crash ------------------------------------------------------------ */

static uint32_t rng = 12345;
static uint32_t rnd(uint32_t n) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return n ? rng % n : 0;
}

static void fuzz_images(const char *dir) {
  char path[1024], err[2048];
  uint8_t *all;
  size_t len, at = 0, runs = 0;
  image_info info;
  snprintf(path, sizeof path, "%s/images.bin", dir);
  all = read_file(path, &len);
  if (all == NULL) return;
  /* every fixture image, truncated and bit-flipped */
  while (at + 4 <= len && runs < 60000) {
    uint32_t bl = rd32(all + at), il;
    int i;
    at += 4 + (bl == 0xFFFFFFFFu ? 0 : bl);
    at += 33;
    il = rd32(all + at);
    for (i = 0; i < 8; i++) {
      size_t n = i < 3 ? rnd(il + 1) : il;
      uint8_t *copy = (uint8_t *)malloc(n ? n : 1);
      int k;
      memcpy(copy, all + at + 4, n);
      for (k = 0; k < i && n > 0; k++) copy[rnd((uint32_t)n)] ^= (uint8_t)(1u << rnd(8));
      image_read(copy, n, "testboard", (i & 1) ? all + at - 32 : NULL, &info, err, sizeof err);
      free(copy);
      runs++;
    }
    at += 4 + il;
    at += 4 + rd32(all + at);
  }
  free(all);
  check(1, "image_read survives truncated and bit-flipped images under the sanitizers");
}

static void fuzz_flash(const char *dir) {
  static const char *const bases[] = {"ab.init.flash", "signed.init.flash", "storage.init.flash", "blank.init.flash"};
  char path[1200], work[1200], err[2048];
  flash_layout L;
  int round;
  layout_of(&L, 160, 4, 64, 8, 3);
  snprintf(work, sizeof work, "%s/fuzz.c.flash", dir);
  for (round = 0; round < 400; round++) {
    size_t n, i;
    uint8_t *b, key[32];
    flash_board *f;
    snprintf(path, sizeof path, "%s/%s", dir, bases[round % 4]);
    b = read_file(path, &n);
    if (b == NULL) break;
    for (i = 0; i < 1 + rnd(12); i++) {
      /* aim at the interesting bytes: records, headers, manifests, storage headers */
      static const uint32_t spots[] = {0, 4096, 8192, 8192 + 256, 73728, 73728 + 256, 139264, 139264 + 4096};
      uint32_t at = spots[rnd(8)] + rnd(i & 1 ? 64 : 400);
      b[at] ^= (uint8_t)(1u << rnd(8));
    }
    if (round % 7 == 0) memset(b + 139264 + 12, 0xFF, 4); /* a huge storage payload length */
    write_file(work, b, n);
    free(b);
    memset(key, round, sizeof key);
    f = flash_open(work, &L, "testboard", round % 3 == 0 ? key : NULL, err, sizeof err);
    if (f != NULL) {
      int k;
      for (k = 0; k < 5; k++) {
        flash_boot_result r;
        char ev[256], *v;
        size_t vl;
        if (flash_boot(f, &r, err, sizeof err) == 0) flash_boot_result_free(&r);
        flash_confirm(f, ev, sizeof ev);
        flash_storage_set(f, "k", "v", 1);
        if (flash_storage_get(f, "k", &v, &vl)) free(v);
      }
      flash_close(f);
    }
  }
  /* a file of the wrong size, and a truncated one */
  {
    uint8_t small[100];
    memset(small, 0xFF, sizeof small);
    write_file(work, small, sizeof small);
    check(flash_open(work, &L, "testboard", NULL, err, sizeof err) == NULL &&
              strstr(err, "is 100 bytes, this board's flash is 163840 bytes (flash.sizeKB in the board config)") != NULL,
          "flash_open refuses a file of the wrong size");
  }
  remove(work);
  check(1, "flash_open/flash_boot survive damaged flash files under the sanitizers");
}

/* Self-made: a blank flash file written here, booted, storage used (no fixtures needed). */
static void test_selfmade(const char *dir) {
  char work[1100], err[512], *v;
  flash_layout L;
  flash_board *f;
  flash_boot_result r;
  uint8_t *blank;
  size_t vl;
  snprintf(work, sizeof work, "%s/test_flash_selfmade.flash", dir);
  layout_of(&L, 160, 4, 64, 8, 3);
  blank = (uint8_t *)malloc(L.size);
  memset(blank, 0xFF, L.size);
  write_file(work, blank, L.size);
  free(blank);
  f = flash_open(work, &L, "testboard", NULL, err, sizeof err);
  if (!check(f != NULL, "flash_open a blank flash")) return;
  check(flash_boot(f, &r, err, sizeof err) == -1 &&
            strcmp(err, "no bootable firmware: slot A is empty; slot B is empty (a blank flash: write firmware with `quip flash`)") == 0,
        "a blank flash does not boot");
  check(flash_storage_set(f, "key", "value", 5) == 1, "storage set");
  check(flash_storage_set(f, "bad", "\xED\xA0\x80", 3) == 0, "storage refuses a lone surrogate");
  flash_close(f);
  f = flash_open(work, &L, "testboard", NULL, err, sizeof err);
  check(f != NULL && flash_storage_get(f, "key", &v, &vl) == 1 && vl == 5 && memcmp(v, "value", 5) == 0,
        "storage survives a reopen");
  if (f != NULL && vl == 5) free(v);
  flash_close(f);
  remove(work);
  check(flash_open("no/such/dir/x.flash", &L, "testboard", NULL, err, sizeof err) == NULL &&
            strcmp(err, "no flash file no/such/dir/x.flash; create one with: npx quip flash --board testboard --image "
                        "<image.qfw> --to no/such/dir/x.flash") == 0,
        "a missing flash file says how to make one");
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0); /* a test that dies mid-way still shows how far it got */
  test_units();
  test_selfmade(argc > 1 ? argv[1] : ".");
  if (argc > 1) {
    test_images(argv[1]);
    test_scenarios(argv[1]);
    fuzz_images(argv[1]);
    fuzz_flash(argv[1]);
  } else {
    printf("# no fixture directory: run gen_flash_fixtures.mjs for the TS comparisons\n");
  }
  printf("1..%d\n", test_no);
  return failures ? 1 : 0;
}
