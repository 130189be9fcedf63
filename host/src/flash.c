/* The flash file: boot loader, boot confirmation and storage partition (flash.h), step by step
 * as the hal/flash TypeScript does them, so the same bytes land in the file. */
#include "flash.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "image.h"
#include "json_flat.h"
#include "plat.h"

#define BOOT_RECORD_BYTES 64
#define SLOT_HEADER_BYTES 256
#define KV_HEADER_BYTES 24
#define MAX_KEY_BYTES 0xFFFF
#define NO_SLOT 0xFF

enum { ST_EMPTY, ST_GOOD, ST_TRIAL, ST_BAD };
enum { RB_NONE, RB_UNCONFIRMED, RB_VERIFICATION, RB_UNBOOTABLE };
static const char *const STATE_NAMES[] = {"empty", "good", "trial", "bad"};
static const char *const REASON_NAMES[] = {"", "unconfirmed", "verification", "unbootable"};
static const char *const SLOT_NAMES[] = {"A", "B"};
static const char EMPTY_HEADER[] = "no slot header (empty or being written)";

typedef struct {
  char *k, *v; /* NUL-terminated copies */
  size_t kl, vl;
} kv_entry;

struct flash_board {
  FILE *fp;
  char path[1024];
  flash_layout L;
  char board[64];
  uint8_t pub[32];
  int has_pub;
  char ioerr[1200]; /* the last device error, as FlashError would say it */
  /* storage: the current snapshot, in Map insertion order */
  kv_entry *kv;
  size_t nkv;
  uint32_t kv_seq;
  int kv_current; /* half holding it, -1 none */
  uint32_t half;
  /* what the last boot ran */
  int booted, booted_slot;
  char booted_version[196];
};

/* ---- little-endian and the device ----------------------------------------------------------- */

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static void put16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static uint32_t crc(const uint8_t *d, size_t n) { return quip_crc32(0, d, n); }

static int range_ok(flash_board *f, uint64_t off, uint64_t len) {
  if (off + len <= f->L.size) return 1;
  snprintf(f->ioerr, sizeof f->ioerr, "flash access %.0f+%.0f is outside the %lu-byte device", (double)off, (double)len,
           (unsigned long)f->L.size);
  return 0;
}

static int dev_read(flash_board *f, uint64_t off, size_t len, uint8_t *buf) {
  size_t got;
  if (!range_ok(f, off, len)) return -1;
  if (len == 0) return 0;
  if (fseek(f->fp, (long)off, SEEK_SET) != 0) {
    snprintf(f->ioerr, sizeof f->ioerr, "cannot read flash file %s at %lu", f->path, (unsigned long)off);
    return -1;
  }
  got = fread(buf, 1, len, f->fp);
  if (got != len) {
    snprintf(f->ioerr, sizeof f->ioerr, "flash file %s ended early at %lu", f->path, (unsigned long)(off + got));
    return -1;
  }
  return 0;
}

static int dev_write(flash_board *f, uint64_t off, const uint8_t *buf, size_t len) {
  if (!range_ok(f, off, len)) return -1;
  if (fseek(f->fp, (long)off, SEEK_SET) != 0 || fwrite(buf, 1, len, f->fp) != len) {
    snprintf(f->ioerr, sizeof f->ioerr, "cannot write flash file %s at %lu", f->path, (unsigned long)off);
    return -1;
  }
  return 0;
}

static int dev_sync(flash_board *f) {
  if (plat_file_sync(f->fp) != 0) {
    snprintf(f->ioerr, sizeof f->ioerr, "cannot sync flash file %s", f->path);
    return -1;
  }
  return 0;
}

/* ---- boot record (boot-record.ts) ------------------------------------------------------------ */

typedef struct {
  uint32_t seq;
  int active;
  int states[2];
  int attempts;
  int rb_from; /* -1: no rollback recorded */
  int rb_reason;
} brec;

static int newer(uint32_t a, uint32_t b) {
  uint32_t d = a - b;
  return d != 0 && d < 0x80000000u;
}

static void encode_record(const brec *r, uint8_t out[BOOT_RECORD_BYTES]) {
  memset(out, 0, BOOT_RECORD_BYTES);
  memcpy(out, "QUIPBOOT", 8);
  put16(out + 8, 1);
  put16(out + 10, BOOT_RECORD_BYTES);
  put32(out + 12, r->seq);
  out[16] = (uint8_t)r->active;
  out[17] = (uint8_t)r->states[0];
  out[18] = (uint8_t)r->states[1];
  out[19] = (uint8_t)(r->attempts < 0 ? 0 : r->attempts > 255 ? 255 : r->attempts);
  out[20] = r->rb_from < 0 ? NO_SLOT : (uint8_t)r->rb_from;
  out[21] = r->rb_from < 0 ? 0 : (uint8_t)r->rb_reason;
  put32(out + 60, crc(out, 60));
}

static int decode_record(const uint8_t *b, brec *r) {
  int from, reason;
  if (memcmp(b, "QUIPBOOT", 8) != 0 || get16(b + 8) != 1 || get16(b + 10) != BOOT_RECORD_BYTES) return 0;
  if (get32(b + 60) != crc(b, 60)) return 0;
  from = b[20];
  reason = b[21];
  if (b[16] > 1 || b[17] > 3 || b[18] > 3 || reason > 3) return 0;
  if (from != NO_SLOT && from > 1) return 0;
  r->seq = get32(b + 12);
  r->active = b[16];
  r->states[0] = b[17];
  r->states[1] = b[18];
  r->attempts = b[19];
  if (from == NO_SLOT || reason == RB_NONE) {
    r->rb_from = -1;
    r->rb_reason = RB_NONE;
  } else {
    r->rb_from = from;
    r->rb_reason = reason;
  }
  return 1;
}

/* readBootRecord: *copy = -1 when neither copy is valid. */
static int read_record(flash_board *f, brec *r, int *copy) {
  uint8_t b[2][BOOT_RECORD_BYTES];
  brec c[2];
  int ok[2], i;
  for (i = 0; i < 2; i++) {
    if (dev_read(f, f->L.boot_off[i], BOOT_RECORD_BYTES, b[i]) != 0) return -1;
    ok[i] = decode_record(b[i], &c[i]);
  }
  if (ok[0] && ok[1]) *copy = newer(c[1].seq, c[0].seq) ? 1 : 0;
  else if (ok[0]) *copy = 0;
  else if (ok[1]) *copy = 1;
  else *copy = -1;
  if (*copy >= 0) {
    *r = c[*copy];
  } else {
    memset(r, 0, sizeof *r);
    r->rb_from = -1;
  }
  return 0;
}

/* writeBootRecord: sequence + 1 into the copy not holding the current record, then sync. */
static int write_record(flash_board *f, const brec *next) {
  brec cur, w = *next;
  int copy;
  uint8_t out[BOOT_RECORD_BYTES];
  if (read_record(f, &cur, &copy) != 0) return -1;
  w.seq = copy == -1 ? 1 : cur.seq + 1;
  encode_record(&w, out);
  if (dev_write(f, f->L.boot_off[copy == 0 ? 1 : 0], out, BOOT_RECORD_BYTES) != 0) return -1;
  return dev_sync(f);
}

static int record_changed(const brec *a, const brec *b) {
  return a->active != b->active || a->states[0] != b->states[0] || a->states[1] != b->states[1] ||
         a->attempts != b->attempts || a->rb_from != b->rb_from || a->rb_reason != b->rb_reason;
}

/* ---- slot headers and verification (slot-header.ts) ----------------------------------------- */

typedef struct {
  uint32_t image_len;
  uint8_t sha[32];
  char board[200]; /* decoded as TextDecoder does: up to 32 bytes, each maybe U+FFFD */
  char version[200];
} slot_header;

static void get_text(const uint8_t *b, size_t max, char *out, size_t cap) {
  size_t n = 0, len;
  char *s;
  while (n < max && b[n] != 0) n++;
  s = json_utf8_lossy(b, n, &len);
  if (s == NULL || len >= cap) len = 0;
  if (s != NULL) memcpy(out, s, len);
  out[len] = 0;
  free(s);
}

/* decodeSlotHeader: 1 with h, or 0 with why. */
static int decode_header(const uint8_t *b, slot_header *h, char *why, size_t whycap) {
  if (memcmp(b, "QUIPSLOT", 8) != 0) {
    snprintf(why, whycap, "%s", EMPTY_HEADER);
    return 0;
  }
  if (get16(b + 8) != 1) {
    snprintf(why, whycap, "slot header format %u is not 1", (unsigned)get16(b + 8));
    return 0;
  }
  if (get16(b + 10) != SLOT_HEADER_BYTES) {
    snprintf(why, whycap, "slot header length is wrong");
    return 0;
  }
  if (get32(b + 252) != crc(b, 252)) {
    snprintf(why, whycap, "slot header checksum mismatch");
    return 0;
  }
  h->image_len = get32(b + 12);
  memcpy(h->sha, b + 16, 32);
  get_text(b + 48, 32, h->board, sizeof h->board);
  get_text(b + 80, 64, h->version, sizeof h->version);
  return 1;
}

typedef struct {
  uint8_t *image; /* malloc'd */
  image_info info;
} verified;

/* peekSlotHeader's version; 0 when the header is not valid. */
static int peek_version(flash_board *f, int slot, char *out, size_t cap) {
  uint8_t b[SLOT_HEADER_BYTES];
  slot_header h;
  char why[128];
  if (dev_read(f, f->L.slot_off[slot], SLOT_HEADER_BYTES, b) != 0) return -1;
  if (!decode_header(b, &h, why, sizeof why)) return 0;
  snprintf(out, cap, "%s", h.version);
  return 1;
}

/* verifySlot: 1 with v (free v->image), 0 with why, -1 on a device error (f->ioerr). */
static int verify_slot(flash_board *f, int slot, const uint8_t *pub, verified *v, char *why, size_t whycap) {
  uint8_t b[SLOT_HEADER_BYTES], digest[32];
  slot_header h;
  char actual[65], said[65];
  long long room = (long long)f->L.slot_size - SLOT_HEADER_BYTES;
  v->image = NULL;
  if (dev_read(f, f->L.slot_off[slot], SLOT_HEADER_BYTES, b) != 0) return -1;
  if (!decode_header(b, &h, why, whycap)) return 0;
  if (strcmp(h.board, f->board) != 0) {
    snprintf(why, whycap, "slot holds firmware for %s, this board is %s", h.board[0] ? h.board : "(no board)",
             f->board);
    return 0;
  }
  if (h.image_len == 0 || (long long)h.image_len > room) {
    snprintf(why, whycap, "slot header says the image is %lu bytes, the slot holds at most %lld",
             (unsigned long)h.image_len, room);
    return 0;
  }
  v->image = (uint8_t *)malloc(h.image_len);
  if (v->image == NULL) {
    snprintf(f->ioerr, sizeof f->ioerr, "out of memory reading slot %s", SLOT_NAMES[slot]);
    return -1;
  }
  if (dev_read(f, (uint64_t)f->L.slot_off[slot] + SLOT_HEADER_BYTES, h.image_len, v->image) != 0) goto ioerr;
  quip_sha256(v->image, h.image_len, digest);
  quip_hex(digest, 32, actual);
  quip_hex(h.sha, 32, said);
  if (strcmp(actual, said) != 0) {
    actual[16] = said[16] = 0;
    snprintf(why, whycap, "image SHA-256 is %s\xE2\x80\xA6, the slot header says %s\xE2\x80\xA6", actual, said);
    goto bad;
  }
  if (image_read(v->image, h.image_len, f->board, NULL, &v->info, why, whycap) != 0) goto bad;
  if (v->info.version_len != strlen(h.version) || memcmp(v->info.version, h.version, v->info.version_len) != 0) {
    json_out o;
    json_out_init(&o, why, whycap);
    json_out_str(&o, "slot header says version ");
    json_out_str(&o, h.version);
    json_out_str(&o, ", the image ");
    json_out_str(&o, v->info.version);
    goto bad;
  }
  if (pub != NULL && image_verify_signature(v->image, &v->info, pub, why, whycap) != 0) goto bad;
  return 1;
bad:
  free(v->image);
  v->image = NULL;
  return 0;
ioerr:
  free(v->image);
  v->image = NULL;
  return -1;
}

/* ---- open / close ----------------------------------------------------------------------------- */

static int storage_load(flash_board *f);
static void kv_free_all(kv_entry *e, size_t n);

static int layout_problem(const flash_layout *L, char *err, size_t errcap) {
  int i;
  const char *what = NULL;
  for (i = 0; i < 2; i++) {
    if ((uint64_t)L->boot_off[i] + BOOT_RECORD_BYTES > L->size) what = "a boot record copy";
    if ((uint64_t)L->slot_off[i] + L->slot_size > L->size) what = "a slot";
  }
  if ((uint64_t)L->storage_off + L->storage_size > L->size) what = "the storage partition";
  if (L->size > 0x7FFFFFFFu) what = "the flash (over 2 GiB)";
  if (what == NULL) return 0;
  snprintf(err, errcap, "flash layout: %s does not fit the %lu-byte flash", what, (unsigned long)L->size);
  return 1;
}

flash_board *flash_open(const char *path, const flash_layout *layout, const char *board_id, const uint8_t *pubkey,
                        char *err, size_t errcap) {
  flash_board *f;
  long size;
  if (errcap > 0) err[0] = 0;
  if (layout_problem(layout, err, errcap)) return NULL;
  f = (flash_board *)calloc(1, sizeof *f);
  if (f == NULL) {
    snprintf(err, errcap, "out of memory");
    return NULL;
  }
  snprintf(f->path, sizeof f->path, "%s", path);
  snprintf(f->board, sizeof f->board, "%s", board_id);
  f->L = *layout;
  f->kv_current = -1;
  if (pubkey != NULL) {
    memcpy(f->pub, pubkey, 32);
    f->has_pub = 1;
  }
  errno = 0;
  f->fp = fopen(path, "r+b");
  if (f->fp == NULL) {
    int e = errno;
#ifdef ENOENT
    if (e == ENOENT) {
      snprintf(err, errcap,
               "no flash file %s; create one with: npx quip flash --board %s --image <image.qfw> --to %s", path,
               board_id, path);
      free(f);
      return NULL;
    }
#endif
    snprintf(err, errcap, "cannot open flash file %s: %s", path, e != 0 ? strerror(e) : "cannot open");
    free(f);
    return NULL;
  }
  if (fseek(f->fp, 0, SEEK_END) != 0 || (size = ftell(f->fp)) < 0) size = -1;
  if (size != (long)layout->size) {
    snprintf(err, errcap,
             "flash file %s is %ld bytes, this board's flash is %lu bytes (flash.sizeKB in the board config)", path,
             size, (unsigned long)layout->size);
    flash_close(f);
    return NULL;
  }
  if (storage_load(f) != 0) {
    snprintf(err, errcap, "%s", f->ioerr);
    flash_close(f);
    return NULL;
  }
  return f;
}

void flash_close(flash_board *f) {
  if (f == NULL) return;
  if (f->fp != NULL) fclose(f->fp);
  kv_free_all(f->kv, f->nkv);
  free(f);
}

/* ---- boot (bootloader.ts selectBoot, flash-board.ts boot) ------------------------------------- */

static int fill_result(flash_board *f, int slot, int trial, int attempt, verified *v, flash_boot_result *out,
                       char *err, size_t errcap) {
  json_out o;
  const image_info *in = &v->info;
  if (in->payload_type[0] == 0) {
    out->payload = (uint8_t *)json_utf8_lossy(in->payload, in->payload_len, &out->payload_len);
  } else {
    out->payload = (uint8_t *)malloc(in->payload_len + 1);
    if (out->payload != NULL) {
      memcpy(out->payload, in->payload, in->payload_len);
      out->payload[in->payload_len] = 0;
      out->payload_len = in->payload_len;
    }
  }
  if (out->payload == NULL) {
    snprintf(err, errcap, "out of memory");
    return -1;
  }
  snprintf(out->entry, sizeof out->entry, "%s", in->entry);
  snprintf(out->version, sizeof out->version, "%s", in->version);
  snprintf(out->payload_type, sizeof out->payload_type, "%s", in->payload_type);
  snprintf(out->engine, sizeof out->engine, "%s", in->engine);
  out->slot = slot;
  json_out_init(&o, out->facts_json, sizeof out->facts_json);
  json_out_str(&o, "{\"slot\":\"");
  json_out_str(&o, SLOT_NAMES[slot]);
  json_out_str(&o, trial ? "\",\"slot_state\":\"trial\",\"boot_attempt\":" : "\",\"slot_state\":\"good\"}");
  if (trial) {
    json_out_uint(&o, (uint64_t)attempt);
    json_out_str(&o, ",\"max_trial_boots\":");
    json_out_uint(&o, (uint64_t)(f->L.max_trial_boots < 0 ? 0 : f->L.max_trial_boots));
    json_out_str(&o, "}");
  }
  f->booted = 1;
  f->booted_slot = slot;
  snprintf(f->booted_version, sizeof f->booted_version, "%s", in->version);
  return 0;
}

static void no_bootable(char *err, size_t errcap, const char *a, const char *b) {
  json_out o;
  json_out_init(&o, err, errcap);
  json_out_str(&o, "no bootable firmware: slot A ");
  json_out_str(&o, a);
  json_out_str(&o, "; slot B ");
  json_out_str(&o, b);
}

/* No valid boot record: boot the first slot that verifies, and say so. */
static int recover(flash_board *f, flash_boot_result *out, char *err, size_t errcap) {
  verified v[2];
  char why[2][1024];
  int ok[2], i, slot, rc;
  const uint8_t *pub = f->has_pub ? f->pub : NULL;
  for (i = 0; i < 2; i++) {
    ok[i] = verify_slot(f, i, pub, &v[i], why[i], sizeof why[i]);
    if (ok[i] < 0) {
      if (i == 1) free(v[0].image);
      snprintf(err, errcap, "%s", f->ioerr);
      return -1;
    }
  }
  if (!ok[0] && !ok[1]) {
    if (strcmp(why[0], EMPTY_HEADER) == 0 && strcmp(why[1], EMPTY_HEADER) == 0) {
      no_bootable(err, errcap, "is empty", "is empty (a blank flash: write firmware with `quip flash`)");
    } else {
      char a[1100], b[1100];
      snprintf(a, sizeof a, "has no valid image (%s)", why[0]);
      snprintf(b, sizeof b, "has no valid image (%s)", why[1]);
      no_bootable(err, errcap, a, b);
    }
    return -1;
  }
  slot = ok[0] ? 0 : 1;
  {
    brec r;
    int other_ok = ok[1 - slot];
    memset(&r, 0, sizeof r);
    r.active = slot;
    r.states[slot] = ST_GOOD;
    r.states[1 - slot] = other_ok ? ST_GOOD : ST_EMPTY;
    r.rb_from = -1;
    rc = write_record(f, &r);
  }
  if (rc != 0) {
    snprintf(err, errcap, "%s", f->ioerr);
  } else {
    rc = fill_result(f, slot, 0, 0, &v[slot], out, err, errcap);
  }
  if (rc == 0) {
    json_out o;
    char msg[128];
    snprintf(msg, sizeof msg, "boot record unreadable; slot %s holds a valid image and boots", SLOT_NAMES[slot]);
    json_out_init(&o, out->notices_json, sizeof out->notices_json);
    json_out_str(&o, "[{\"event\":\"error\",\"where\":\"bootloader\",\"message\":");
    json_out_quoted(&o, msg, strlen(msg));
    json_out_str(&o, "}]");
  }
  free(v[0].image);
  free(v[1].image);
  return rc;
}

int flash_boot(flash_board *f, flash_boot_result *out, char *err, size_t errcap) {
  brec cur, rec;
  int copy, i, order[2], first_reason = RB_UNBOOTABLE;
  char why[2][1024];
  const uint8_t *pub = f->has_pub ? f->pub : NULL;
  memset(out, 0, sizeof *out);
  strcpy(out->notices_json, "[]");
  if (errcap > 0) err[0] = 0;
  /* like FlashBoard, a failed boot leaves what the last good boot ran (f->booted) as it was */
  if (read_record(f, &cur, &copy) != 0) {
    snprintf(err, errcap, "%s", f->ioerr);
    return -1;
  }
  if (copy == -1) return recover(f, out, err, errcap);
  rec = cur;
  why[0][0] = why[1][0] = 0;
  order[0] = rec.active;
  order[1] = 1 - rec.active;
  for (i = 0; i < 2; i++) {
    int slot = order[i], state = rec.states[slot], reason = RB_NONE, trial, rc;
    verified v;
    v.image = NULL;
    /* judge() */
    if (state == ST_EMPTY || state == ST_BAD) {
      reason = RB_UNBOOTABLE;
      snprintf(why[slot], sizeof why[slot], "is %s", STATE_NAMES[state]);
    } else if (state == ST_TRIAL && i == 0 && rec.attempts >= f->L.max_trial_boots) {
      reason = RB_UNCONFIRMED;
      snprintf(why[slot], sizeof why[slot], "was not confirmed after %d boot attempts", rec.attempts);
    } else {
      char msg[1000];
      int ok = verify_slot(f, slot, pub, &v, msg, sizeof msg);
      if (ok < 0) {
        snprintf(err, errcap, "%s", f->ioerr);
        return -1;
      }
      if (!ok) {
        reason = RB_VERIFICATION;
        snprintf(why[slot], sizeof why[slot], "failed verification: %s", msg);
      }
    }
    if (reason != RB_NONE) {
      if (state != ST_EMPTY) rec.states[slot] = ST_BAD;
      if (i == 0) first_reason = reason;
      continue;
    }
    trial = state == ST_TRIAL;
    if (i == 1) {
      int from = order[0];
      char from_version[200];
      char detail[1100];
      json_out o;
      int pv = peek_version(f, from, from_version, sizeof from_version);
      if (pv < 0) {
        free(v.image);
        snprintf(err, errcap, "%s", f->ioerr);
        return -1;
      }
      snprintf(detail, sizeof detail, "slot %s %s", SLOT_NAMES[from], why[from]);
      json_out_init(&o, out->notices_json, sizeof out->notices_json);
      json_out_str(&o, "[{\"event\":\"rollback\",\"from\":\"");
      json_out_str(&o, SLOT_NAMES[from]);
      json_out_str(&o, "\",\"to\":\"");
      json_out_str(&o, SLOT_NAMES[slot]);
      json_out_str(&o, "\",\"from_version\":");
      if (pv) json_out_quoted(&o, from_version, strlen(from_version));
      else json_out_str(&o, "null");
      json_out_str(&o, ",\"to_version\":");
      json_out_quoted(&o, v.info.version, strlen(v.info.version));
      json_out_str(&o, ",\"reason\":\"");
      json_out_str(&o, REASON_NAMES[first_reason]);
      json_out_str(&o, "\",\"detail\":");
      json_out_quoted(&o, detail, strlen(detail));
      json_out_str(&o, "}]");
      rec.active = slot;
      rec.attempts = 0;
      rec.rb_from = from;
      rec.rb_reason = first_reason;
    }
    if (trial) rec.attempts++;
    if (record_changed(&cur, &rec) && write_record(f, &rec) != 0) {
      free(v.image);
      snprintf(err, errcap, "%s", f->ioerr);
      return -1;
    }
    rc = fill_result(f, slot, trial, trial ? rec.attempts : 0, &v, out, err, errcap);
    free(v.image);
    return rc;
  }
  if (record_changed(&cur, &rec) && write_record(f, &rec) != 0) {
    snprintf(err, errcap, "%s", f->ioerr);
    return -1;
  }
  no_bootable(err, errcap, why[0], why[1]);
  return -1;
}

void flash_boot_result_free(flash_boot_result *r) {
  if (r == NULL) return;
  free(r->payload);
  r->payload = NULL;
  r->payload_len = 0;
}

int flash_confirm(flash_board *f, char *ev, size_t evcap) {
  brec r;
  int copy;
  json_out o;
  if (!f->booted) return 0;
  /* confirmBoot */
  if (read_record(f, &r, &copy) != 0) return 0; /* the TS would throw; nothing changed */
  if (copy == -1 || r.active != f->booted_slot || r.states[f->booted_slot] != ST_TRIAL) return 0;
  r.states[f->booted_slot] = ST_GOOD;
  r.attempts = 0;
  if (write_record(f, &r) != 0) return 0;
  json_out_init(&o, ev, evcap);
  json_out_str(&o, "{\"event\":\"boot_confirmed\",\"slot\":\"");
  json_out_str(&o, SLOT_NAMES[f->booted_slot]);
  json_out_str(&o, "\",\"version\":");
  json_out_quoted(&o, f->booted_version, strlen(f->booted_version));
  json_out_str(&o, "}");
  return 1;
}

/* ---- storage (flash-storage.ts) ------------------------------------------------------------- */

static void kv_free_all(kv_entry *e, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    free(e[i].k);
    free(e[i].v);
  }
  free(e);
}

static char *dup_mem(const uint8_t *s, size_t n) {
  char *d = (char *)malloc(n + 1);
  if (d == NULL) return NULL;
  if (n > 0) memcpy(d, s, n);
  d[n] = 0;
  return d;
}

/* TextDecoder('utf-8', {fatal: true}).decode(): a leading BOM dropped, invalid UTF-8 refused. */
static int strict_text(const uint8_t *s, size_t n, const uint8_t **out, size_t *outn) {
  if (!json_utf8_valid(s, n)) return 0;
  if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
    s += 3;
    n -= 3;
  }
  *out = s;
  *outn = n;
  return 1;
}

static long kv_find(const kv_entry *e, size_t n, const char *k, size_t kl) {
  size_t i;
  for (i = 0; i < n; i++)
    if (e[i].kl == kl && memcmp(e[i].k, k, kl) == 0) return (long)i;
  return -1;
}

/* decodeEntries: 1 with the entries (Map semantics for repeated keys), 0 when malformed. */
static int decode_entries(const uint8_t *p, size_t len, kv_entry **out, size_t *outn) {
  kv_entry *e = NULL;
  size_t n = 0, cap = 0;
  uint64_t at = 4;
  uint32_t count, i;
  if (len < 4) return 0;
  count = get32(p);
  for (i = 0; i < count; i++) {
    uint32_t kl, vl;
    const uint8_t *k, *v;
    size_t kn, vn;
    long found;
    if (at + 6 > len) goto bad;
    kl = get16(p + at);
    vl = get32(p + at + 2);
    if (at + 6 + kl + vl > len) goto bad;
    if (!strict_text(p + at + 6, kl, &k, &kn) || !strict_text(p + at + 6 + kl, vl, &v, &vn)) goto bad;
    found = kv_find(e, n, (const char *)k, kn);
    if (found >= 0) {
      char *nv = dup_mem(v, vn);
      if (nv == NULL) goto bad;
      free(e[found].v);
      e[found].v = nv;
      e[found].vl = vn;
    } else {
      if (n == cap) {
        kv_entry *ne;
        cap = cap == 0 ? 8 : cap * 2;
        ne = (kv_entry *)realloc(e, cap * sizeof *ne);
        if (ne == NULL) goto bad;
        e = ne;
      }
      e[n].k = dup_mem(k, kn);
      e[n].v = dup_mem(v, vn);
      e[n].kl = kn;
      e[n].vl = vn;
      n++;
      if (e[n - 1].k == NULL || e[n - 1].v == NULL) goto bad;
    }
    at += 6 + (uint64_t)kl + vl;
  }
  if (at != len) goto bad;
  *out = e;
  *outn = n;
  return 1;
bad:
  kv_free_all(e, n);
  return 0;
}

/* readHalf: 1 with a snapshot, 0 when the half holds none, -1 on a device error. */
static int read_half(flash_board *f, int i, kv_entry **e, size_t *n, uint32_t *seq) {
  uint8_t h[KV_HEADER_BYTES];
  uint64_t off = (uint64_t)f->L.storage_off + (uint64_t)i * f->half;
  uint32_t len;
  uint8_t *payload;
  int ok;
  if (dev_read(f, off, KV_HEADER_BYTES, h) != 0) return -1;
  if (memcmp(h, "QUIPKV01", 8) != 0 || get32(h + 20) != crc(h, 20)) return 0;
  len = get32(h + 12);
  if ((long long)len > (long long)f->half - KV_HEADER_BYTES) return 0;
  payload = (uint8_t *)malloc(len + 1);
  if (payload == NULL) return 0;
  if (dev_read(f, off + KV_HEADER_BYTES, len, payload) != 0) {
    free(payload);
    return -1;
  }
  ok = crc(payload, len) == get32(h + 16) && decode_entries(payload, len, e, n);
  free(payload);
  if (ok) *seq = get32(h + 8);
  return ok;
}

static int storage_load(flash_board *f) {
  kv_entry *e[2] = {NULL, NULL};
  size_t n[2] = {0, 0};
  uint32_t seq[2] = {0, 0};
  int ok[2], i, pick;
  f->half = f->L.storage_size / 2;
  for (i = 0; i < 2; i++) {
    ok[i] = read_half(f, i, &e[i], &n[i], &seq[i]);
    if (ok[i] < 0) {
      if (i == 1 && ok[0] == 1) kv_free_all(e[0], n[0]);
      return -1;
    }
  }
  pick = ok[0] && ok[1] ? (newer(seq[1], seq[0]) ? 1 : 0) : ok[0] ? 0 : ok[1] ? 1 : -1;
  for (i = 0; i < 2; i++) {
    if (i == pick) continue;
    if (ok[i]) kv_free_all(e[i], n[i]);
  }
  if (pick >= 0) {
    f->kv = e[pick];
    f->nkv = n[pick];
    f->kv_seq = seq[pick];
    f->kv_current = pick;
  }
  return 0;
}

/* commit(): writes next as the new snapshot; 1 and adopted, or 0 and nothing changed. The caller
 * owns next's strings on failure; on success f owns next (not its old array's strings). */
static int commit(flash_board *f, kv_entry *next, size_t n) {
  uint64_t size = KV_HEADER_BYTES + 4;
  size_t i, at;
  uint8_t *out;
  uint32_t seq;
  int target, rc;
  for (i = 0; i < n; i++) size += 6 + (uint64_t)next[i].kl + next[i].vl;
  if (size > f->half) return 0;
  out = (uint8_t *)malloc((size_t)size);
  if (out == NULL) return 0;
  put32(out + KV_HEADER_BYTES, (uint32_t)n);
  at = KV_HEADER_BYTES + 4;
  for (i = 0; i < n; i++) {
    put16(out + at, (uint32_t)next[i].kl);
    put32(out + at + 2, (uint32_t)next[i].vl);
    memcpy(out + at + 6, next[i].k, next[i].kl);
    memcpy(out + at + 6 + next[i].kl, next[i].v, next[i].vl);
    at += 6 + next[i].kl + next[i].vl;
  }
  seq = f->kv_current == -1 ? 1 : f->kv_seq + 1;
  target = f->kv_current == 0 ? 1 : 0;
  memcpy(out, "QUIPKV01", 8);
  put32(out + 8, seq);
  put32(out + 12, (uint32_t)(size - KV_HEADER_BYTES));
  put32(out + 16, crc(out + KV_HEADER_BYTES, (size_t)size - KV_HEADER_BYTES));
  put32(out + 20, crc(out, 20));
  rc = dev_write(f, (uint64_t)f->L.storage_off + (uint64_t)target * f->half, out, (size_t)size) == 0 && dev_sync(f) == 0;
  free(out);
  if (!rc) return 0; /* the flash failed: the old snapshot stands */
  free(f->kv);
  f->kv = next;
  f->nkv = n;
  f->kv_seq = seq;
  f->kv_current = target;
  return 1;
}

int flash_storage_get(flash_board *f, const char *key, char **value, size_t *len) {
  long i = kv_find(f->kv, f->nkv, key, strlen(key));
  *value = NULL;
  if (len != NULL) *len = 0;
  if (i < 0) return 0;
  *value = dup_mem((const uint8_t *)f->kv[i].v, f->kv[i].vl);
  if (*value == NULL) return 0;
  if (len != NULL) *len = f->kv[i].vl;
  return 1;
}

int flash_storage_set(flash_board *f, const char *key, const char *value, size_t len) {
  size_t kl = strlen(key);
  long i;
  kv_entry *next;
  char *nv;
  if (kl == 0 || kl > MAX_KEY_BYTES || !json_utf8_valid((const uint8_t *)key, kl) ||
      !json_utf8_valid((const uint8_t *)value, len))
    return 0;
  i = kv_find(f->kv, f->nkv, key, kl);
  if (i >= 0 && f->kv[i].vl == len && memcmp(f->kv[i].v, value, len) == 0) return 1;
  next = (kv_entry *)malloc((f->nkv + 1) * sizeof *next);
  nv = dup_mem((const uint8_t *)value, len);
  if (next == NULL || nv == NULL) goto oom;
  if (f->nkv > 0) memcpy(next, f->kv, f->nkv * sizeof *next);
  if (i >= 0) {
    char *old = f->kv[i].v;
    next[i].v = nv;
    next[i].vl = len;
    if (!commit(f, next, f->nkv)) goto oom;
    free(old);
    return 1;
  }
  next[f->nkv].k = dup_mem((const uint8_t *)key, kl);
  next[f->nkv].kl = kl;
  next[f->nkv].v = nv;
  next[f->nkv].vl = len;
  if (next[f->nkv].k == NULL) goto oom;
  if (!commit(f, next, f->nkv + 1)) {
    free(next[f->nkv].k);
    goto oom;
  }
  return 1;
oom:
  free(next);
  free(nv);
  return 0;
}

void flash_storage_remove(flash_board *f, const char *key) {
  long i = kv_find(f->kv, f->nkv, key, strlen(key));
  kv_entry *next, gone;
  if (i < 0) return;
  next = (kv_entry *)malloc(f->nkv * sizeof *next);
  if (next == NULL) return;
  gone = f->kv[i];
  memcpy(next, f->kv, (size_t)i * sizeof *next);
  memcpy(next + i, f->kv + i + 1, (f->nkv - (size_t)i - 1) * sizeof *next);
  if (!commit(f, next, f->nkv - 1)) {
    free(next);
    return;
  }
  free(gone.k);
  free(gone.v);
}

/* One UTF-16 unit of a code point: the first (high) or second (low) of a pair. */
static long unit(long cp, int second) {
  if (cp < 0x10000) return second ? -1 : cp;
  return second ? 0xDC00 + ((cp - 0x10000) & 0x3FF) : 0xD800 + ((cp - 0x10000) >> 10);
}

/* Array.prototype.sort()'s order: UTF-16 code units. */
static int cmp_keys(const void *pa, const void *pb) {
  const kv_entry *a = *(const kv_entry *const *)pa, *b = *(const kv_entry *const *)pb;
  size_t i = 0, j = 0;
  while (i < a->kl && j < b->kl) {
    long ca = json_utf8_next((const uint8_t *)a->k, a->kl, &i), cb = json_utf8_next((const uint8_t *)b->k, b->kl, &j);
    if (ca == cb) continue;
    if (unit(ca, 0) != unit(cb, 0)) return unit(ca, 0) < unit(cb, 0) ? -1 : 1;
    return unit(ca, 1) < unit(cb, 1) ? -1 : 1;
  }
  if (i < a->kl) return 1;
  if (j < b->kl) return -1;
  return 0;
}

int flash_storage_keys(flash_board *f, void (*cb)(const char *key, void *ctx), void *ctx) {
  const kv_entry **order;
  size_t i;
  if (f->nkv == 0) return 0;
  order = (const kv_entry **)malloc(f->nkv * sizeof *order);
  if (order == NULL) return 0;
  for (i = 0; i < f->nkv; i++) order[i] = &f->kv[i];
  qsort(order, f->nkv, sizeof *order, cmp_keys);
  for (i = 0; i < f->nkv; i++) cb(order[i]->k, ctx);
  free(order);
  return (int)f->nkv;
}
