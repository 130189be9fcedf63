/* Firmware image checks, mirroring readImage() and verifyImageSignature() (image.h). */
#include "image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "json_flat.h"

static const char IMAGE_MAGIC[] = "QUIPFW01";
static const char SIGNATURE_MAGIC[] = "QUIPSIG1";
#define MIN_MANIFEST_BYTES 2
#define KEY_ID_BYTES 8
#define SHOWN_UNITS 60 /* fieldProblem cuts JSON.stringify(value) here */

static uint32_t get_u32le(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static int fail(char *err, size_t errcap, const char *a, const char *b, const char *c, const char *d, const char *e) {
  json_out o;
  json_out_init(&o, err, errcap);
  json_out_str(&o, a);
  if (b != NULL) json_out_str(&o, b);
  if (c != NULL) json_out_str(&o, c);
  if (d != NULL) json_out_str(&o, d);
  if (e != NULL) json_out_str(&o, e);
  return -1;
}

/* printable() of image/image.ts: ASCII as is, other bytes as \xhh. */
static void printable(const uint8_t *b, size_t n, char *out) {
  size_t i;
  for (i = 0; i < n; i++) {
    if (b[i] >= 0x20 && b[i] < 0x7f) *out++ = (char)b[i];
    else out += sprintf(out, "\\x%02x", b[i]);
  }
  *out = 0;
}

static int lower_az(char c) { return c >= 'a' && c <= 'z'; }
static int digit(char c) { return c >= '0' && c <= '9'; }

static int board_id_ok(const char *s, long n) {
  long i;
  if (n < 1 || n > 32 || !lower_az(s[0])) return 0;
  for (i = 1; i < n; i++)
    if (!lower_az(s[i]) && !digit(s[i]) && s[i] != '-') return 0;
  return 1;
}

static int identifier_ok(const char *s, long n) {
  long i;
  for (i = 0; i < n; i++) {
    char c = s[i];
    int alpha = (c >= 'A' && c <= 'Z') || lower_az(c) || c == '_' || c == '$';
    if (!alpha && (i == 0 || !digit(c))) return 0;
  }
  return n > 0;
}

static int sha256_hex_ok(const char *s, long n) {
  long i;
  if (n != 64) return 0;
  for (i = 0; i < n; i++)
    if (!digit(s[i]) && !(s[i] >= 'a' && s[i] <= 'f')) return 0;
  return 1;
}

static int num2(const char *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

/* The ISO_8601 pattern of image/image.ts, then what V8's Date.parse accepts of it. */
static int iso8601_ok(const char *s, long n) {
  static const char shape[] = "dddd-dd-ddTdd:dd:dd";
  long i, frac_digits = 0;
  int frac_zero = 1, month, day, hour, minute, second;
  if (n < 20) return 0;
  for (i = 0; i < 19; i++)
    if (shape[i] == 'd' ? !digit(s[i]) : s[i] != shape[i]) return 0;
  i = 19;
  if (s[i] == '.') {
    for (i++; i < n && digit(s[i]); i++, frac_digits++)
      if (s[i] != '0') frac_zero = 0;
    if (frac_digits < 1 || frac_digits > 9) return 0;
  }
  if (i == n - 1 && s[i] == 'Z') {
    /* ok */
  } else if (i == n - 6 && (s[i] == '+' || s[i] == '-') && digit(s[i + 1]) && digit(s[i + 2]) && s[i + 3] == ':' &&
             digit(s[i + 4]) && digit(s[i + 5])) {
    if (num2(s + i + 1) > 23 || num2(s + i + 4) > 59) return 0;
  } else {
    return 0;
  }
  month = num2(s + 5);
  day = num2(s + 8);
  hour = num2(s + 11);
  minute = num2(s + 14);
  second = num2(s + 17);
  if (month < 1 || month > 12 || day < 1 || day > 31 || minute > 59 || second > 59) return 0;
  if (hour > 24 || (hour == 24 && (minute != 0 || second != 0 || !frac_zero))) return 0;
  return 1;
}

/* Number.isInteger, without libm: every double of magnitude 2^53 or more is an integer. */
static int is_integer(double v) {
  if (v - v != 0) return 0; /* NaN, Infinity */
  if (v >= 9007199254740992.0 || v <= -9007199254740992.0) return 1;
  return v == (double)(long long)v;
}

/* fieldProblem(name, manifest[name]) into problem; 0 when the field is fine. */
static int field_problem(const json_doc *d, const char *name, char *scratch, size_t scap, char *problem, size_t pcap) {
  json_type t = json_field_type(d, name);
  const char *expected = NULL;
  int ok = 0;
  double v;
  long n = -1;
  size_t units = 0;
  if (t == JSON_STRING) n = json_field_string(d, name, scratch, scap, &units);
  if (strcmp(name, "format") == 0) {
    expected = "expected an integer";
    ok = json_field_number(d, name, &v) && is_integer(v);
  } else if (strcmp(name, "board") == 0) {
    expected = "expected a board id";
    ok = n >= 0 && board_id_ok(scratch, n);
  } else if (strcmp(name, "version") == 0) {
    expected = "expected a version string";
    ok = n >= 0 && units > 0 && units <= 64;
  } else if (strcmp(name, "buildTime") == 0) {
    expected = "expected an ISO 8601 time";
    ok = n >= 0 && iso8601_ok(scratch, n);
  } else if (strcmp(name, "size") == 0) {
    expected = "expected a byte count";
    ok = json_field_number(d, name, &v) && is_integer(v) && v <= 9007199254740991.0 && v >= 0;
  } else if (strcmp(name, "sha256") == 0) {
    expected = "expected 64 lower-case hex digits";
    ok = n >= 0 && sha256_hex_ok(scratch, n);
  } else {
    expected = "expected a JS identifier";
    ok = n >= 0 && identifier_ok(scratch, n);
  }
  if (ok) return 0;
  {
    json_out o;
    char shown[4 * SHOWN_UNITS + 8];
    json_out_init(&o, problem, pcap);
    json_out_str(&o, expected);
    if (t == JSON_MISSING) {
      json_out_str(&o, ", it is missing");
    } else {
      json_field_show(d, name, SHOWN_UNITS, 1, shown, sizeof shown);
      json_out_str(&o, ", got ");
      json_out_str(&o, shown);
    }
  }
  return 1;
}

static const char *const FIELDS[] = {"format", "board", "version", "buildTime", "size", "sha256", "entry"};

static void copy_field(const json_doc *d, const char *name, char *dst, size_t cap) {
  if (json_field_string(d, name, dst, cap, NULL) < 0 && cap > 0) dst[0] = 0;
}

/* parseManifest(); 0 with the fields in out and the size in *size, or -1 with err. */
static int parse_manifest(const uint8_t *m, size_t n, image_info *out, double *size, char *err, size_t errcap) {
  char msg[512], problem[400];
  json_doc *d = json_parse(m, n, msg, sizeof msg);
  char *scratch;
  size_t scap = n * 3 + 8;
  size_t i;
  double format;
  if (d == NULL) return fail(err, errcap, "manifest is not valid UTF-8 JSON (", msg, ")", NULL, NULL);
  if (json_root_type(d) != JSON_OBJECT) {
    json_free(d);
    return fail(err, errcap, "manifest is not a JSON object", NULL, NULL, NULL, NULL);
  }
  scratch = (char *)malloc(scap);
  if (scratch == NULL) {
    json_free(d);
    return fail(err, errcap, "out of memory", NULL, NULL, NULL, NULL);
  }
  /* The format decides what the other fields mean, so it is checked first. */
  if (field_problem(d, "format", scratch, scap, problem, sizeof problem)) {
    fail(err, errcap, "manifest format: ", problem, NULL, NULL, NULL);
    goto bad;
  }
  json_field_number(d, "format", &format);
  if (format != 1) {
    char num[40];
    json_js_number(format, num);
    fail(err, errcap, "unsupported image format ", num, " (this reader knows format 1)", NULL, NULL);
    goto bad;
  }
  for (i = 0; i < sizeof FIELDS / sizeof FIELDS[0]; i++) {
    if (field_problem(d, FIELDS[i], scratch, scap, problem, sizeof problem)) {
      fail(err, errcap, "manifest ", FIELDS[i], ": ", problem, NULL);
      goto bad;
    }
  }
  if (json_field_string(d, "entry", out->entry, sizeof out->entry, NULL) < 0) {
    fail(err, errcap, "manifest entry: longer than 255 characters (a quip-host limit)", NULL, NULL, NULL, NULL);
    goto bad;
  }
  /* Native images: payload "quickjs-bytecode" and the engine it was compiled for. */
  if (json_field_type(d, "payload") != JSON_MISSING) {
    long pl = json_field_string(d, "payload", out->payload_type, sizeof out->payload_type, NULL);
    if (pl < 0 || strcmp(out->payload_type, IMAGE_BYTECODE_PAYLOAD) != 0 || (size_t)pl != strlen(IMAGE_BYTECODE_PAYLOAD) ||
        json_field_type(d, "engine") != JSON_STRING) {
      char shown[4 * SHOWN_UNITS + 8];
      json_field_show(d, "payload", SHOWN_UNITS, 0, shown, sizeof shown);
      fail(err, errcap, "manifest payload: expected \"" IMAGE_BYTECODE_PAYLOAD "\" with an engine, got ", shown, NULL, NULL,
           NULL);
      goto bad;
    }
    {
      long el = json_field_string(d, "engine", out->engine, sizeof out->engine, NULL);
      if (el < 0) strcpy(out->engine, "(too long)");
      else if ((size_t)el != strlen(out->engine)) strcpy(out->engine, "(has NUL)"); /* never a real engine */
    }
  }
  out->format = 1;
  copy_field(d, "board", out->board, sizeof out->board);
  {
    long vl = json_field_string(d, "version", out->version, sizeof out->version, NULL);
    out->version_len = vl < 0 ? 0 : (size_t)vl;
  }
  copy_field(d, "sha256", out->sha256, sizeof out->sha256);
  copy_field(d, "buildTime", out->build_time, sizeof out->build_time);
  json_field_number(d, "size", size);
  free(scratch);
  json_free(d);
  return 0;
bad:
  free(scratch);
  json_free(d);
  return -1;
}

void image_key_id(const uint8_t pubkey[32], char out[17]) {
  uint8_t h[32];
  quip_sha256(pubkey, 32, h);
  quip_hex(h, KEY_ID_BYTES, out);
}

int image_verify_signature(const uint8_t *bytes, const image_info *info, const uint8_t pubkey[32], char *err,
                           size_t errcap) {
  char expected[17];
  image_key_id(pubkey, expected);
  if (!info->signed_image)
    return fail(err, errcap, "unsigned image refused: this board only accepts images signed by key ", expected, NULL,
                NULL, NULL);
  if (strcmp(info->key_id, expected) != 0)
    return fail(err, errcap, "image signed by key ", info->key_id, ", but this board only accepts images signed by key ",
                expected, NULL);
  if (quip_ed25519_verify(bytes + info->signed_len, pubkey, bytes, info->signed_len) != 1)
    return fail(err, errcap, "bad signature: the image was changed after it was signed (key ", expected, ")", NULL,
                NULL);
  return 0;
}

int image_read(const uint8_t *bytes, size_t len, const char *board_id, const uint8_t *pubkey, image_info *out,
               char *err, size_t errcap) {
  char a[64], b[64], shown[64];
  uint32_t mlen;
  size_t payload_start, payload_end, payload_bytes, rest;
  double size;
  uint8_t digest[32];
  char actual[65];
  memset(out, 0, sizeof *out);
  if (errcap > 0) err[0] = 0;
  if (len < IMAGE_HEADER_BYTES) {
    sprintf(a, "%lu", (unsigned long)len);
    return fail(err, errcap, "image too short: ", a, " bytes, the header alone is 12", NULL, NULL);
  }
  if (memcmp(bytes, IMAGE_MAGIC, 8) != 0) {
    printable(bytes, 8, shown);
    return fail(err, errcap, "not a quip firmware image: bad magic \"", shown, "\", expected \"QUIPFW01\"", NULL, NULL);
  }
  mlen = get_u32le(bytes + 8);
  if (mlen < MIN_MANIFEST_BYTES || mlen > IMAGE_MAX_MANIFEST_BYTES) {
    sprintf(a, "%lu", (unsigned long)mlen);
    return fail(err, errcap, "manifest length ", a, " out of range (2 to 65536 bytes)", NULL, NULL);
  }
  payload_start = IMAGE_HEADER_BYTES + (size_t)mlen;
  if (len < payload_start) {
    sprintf(a, "%lu", (unsigned long)mlen);
    sprintf(b, "%lu", (unsigned long)(len - IMAGE_HEADER_BYTES));
    return fail(err, errcap, "image truncated: the manifest needs ", a, " bytes, only ", b, " present");
  }
  if (parse_manifest(bytes + IMAGE_HEADER_BYTES, mlen, out, &size, err, errcap) != 0) return -1;
  payload_bytes = len - payload_start;
  if ((double)payload_bytes < size) {
    sprintf(a, "%lu", (unsigned long)payload_bytes);
    json_js_number(size, b);
    return fail(err, errcap, "image truncated: payload is ", a, " bytes, the manifest says ", b, NULL);
  }
  payload_end = payload_start + (size_t)size;
  out->payload = bytes + payload_start;
  out->payload_len = (size_t)size;
  /* the trailer: nothing, or exactly one signature */
  rest = len - payload_end;
  if (rest > 0) {
    size_t k = rest < 8 ? rest : 8;
    if (memcmp(bytes + payload_end, SIGNATURE_MAGIC, k) != 0) {
      sprintf(a, "%lu", (unsigned long)rest);
      json_js_number(size, b);
      return fail(err, errcap, "image has ", a, " trailing bytes after the ", b, "-byte payload");
    }
    if (rest < IMAGE_TRAILER_BYTES) {
      sprintf(a, "%lu", (unsigned long)rest);
      return fail(err, errcap, "signature truncated: the trailer is ", a, " of 80 bytes", NULL, NULL);
    }
    if (rest > IMAGE_TRAILER_BYTES) {
      sprintf(a, "%lu", (unsigned long)(rest - IMAGE_TRAILER_BYTES));
      return fail(err, errcap, "image has ", a, " trailing bytes after the signature", NULL, NULL);
    }
    out->signed_image = 1;
    quip_hex(bytes + payload_end + 8, KEY_ID_BYTES, out->key_id);
    out->signed_len = payload_end + 16;
  }
  /* Before hashing: a boot loader rejects another board's image without reading the payload. */
  if (board_id != NULL && strcmp(out->board, board_id) != 0)
    return fail(err, errcap, "image is for ", out->board, ", this board is ", board_id, NULL);
  quip_sha256(out->payload, out->payload_len, digest);
  quip_hex(digest, 32, actual);
  if (strcmp(actual, out->sha256) != 0)
    return fail(err, errcap, "image corrupt: payload SHA-256 is ", actual, ", the manifest says ", out->sha256, NULL);
  if (pubkey != NULL && image_verify_signature(bytes, out, pubkey, err, errcap) != 0) return -1;
  return 0;
}
