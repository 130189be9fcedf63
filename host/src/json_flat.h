/* A strict little JSON reader for one flat object (the firmware image manifest, image/image.ts),
 * and the bits of JavaScript string semantics the image and flash code must reproduce.
 *
 * json_parse accepts exactly what `JSON.parse(new TextDecoder('utf-8', {fatal: true}).decode(b))`
 * accepts in Node 20 (V8 11), and on failure gives the same message text: TextDecoder's
 * "The encoded data was not valid for encoding utf-8" or V8's JSON.parse message (positions in
 * UTF-16 code units, the same context snippets). Like TextDecoder, a leading UTF-8 BOM is
 * dropped. The whole text is validated (any nesting, iteratively, no recursion); the top-level
 * object's fields can then be read by key (the last of duplicate keys wins, as in JS).
 *
 * Where JS would show a lone UTF-16 surrogate (a message cut inside a surrogate pair), the
 * UTF-8 text here has U+FFFD instead: what Node prints when it writes such a string out. */
#ifndef QUIP_JSON_FLAT_H
#define QUIP_JSON_FLAT_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
  JSON_MISSING = 0, /* no such field (JS undefined) */
  JSON_NULL,
  JSON_BOOL,
  JSON_NUMBER,
  JSON_STRING,
  JSON_ARRAY,
  JSON_OBJECT
} json_type;

typedef struct json_doc json_doc;

/* Parses text (at most 16 MiB); NULL with err filled (the JS message) on bad input or no memory. */
json_doc *json_parse(const uint8_t *text, size_t len, char *err, size_t errcap);
void json_free(json_doc *d);

/* The type of the whole value. */
json_type json_root_type(const json_doc *d);
/* The type of a top-level field of the root object (JSON_MISSING when absent or the root is not an object). */
json_type json_field_type(const json_doc *d, const char *key);
/* A number field as V8 reads it (correctly rounded; 1e400 is Infinity). 1 when it is a number. */
int json_field_number(const json_doc *d, const char *key, double *out);
/* A string field, unescaped, as UTF-8 in buf (NUL-terminated; it may contain NUL bytes).
 * Returns its UTF-8 byte length, and its JS length (UTF-16 units) in *units when units != NULL;
 * -1 when the field is not a string or does not fit in cap. */
long json_field_string(const json_doc *d, const char *key, char *buf, size_t cap, size_t *units);
/* JSON.stringify of a field's value cut to its first max_units UTF-16 units, then "…" when
 * ellipsis and it was longer (fieldProblem in image/image.ts). A missing field gives "". */
void json_field_show(const json_doc *d, const char *key, size_t max_units, int ellipsis, char *out, size_t cap);

/* ---- JavaScript text helpers ------------------------------------------------------------- */

/* String(v) for a JS number (shortest round-trip digits, JS exponent rules); out >= 32 bytes. */
void json_js_number(double v, char *out);

/* One code point of UTF-8 at s[*i] as the WHATWG decoder reads it: the code point, or -1 for an
 * invalid or truncated sequence (then *i has skipped its maximal subpart, as U+FFFD would). */
long json_utf8_next(const uint8_t *s, size_t n, size_t *i);
/* 1 when s is well-formed UTF-8 (no surrogates, overlongs or truncation). */
int json_utf8_valid(const uint8_t *s, size_t n);
/* new TextDecoder().decode(s): invalid sequences become U+FFFD, a leading BOM is dropped.
 * Returns malloc'd NUL-terminated UTF-8 (length in *outlen), NULL when out of memory. */
char *json_utf8_lossy(const uint8_t *s, size_t n, size_t *outlen);

/* A bounded text builder: never overflows buf, always NUL-terminated, cuts on a UTF-8 boundary. */
typedef struct {
  char *buf;
  size_t cap, len;
  int truncated;
} json_out;

void json_out_init(json_out *o, char *buf, size_t cap);
void json_out_mem(json_out *o, const char *s, size_t n);
void json_out_str(json_out *o, const char *s);
void json_out_uint(json_out *o, uint64_t v);
/* A JSON string literal of UTF-8 s as JSON.stringify writes it (escapes " \ and controls). */
void json_out_quoted(json_out *o, const char *s, size_t n);

#endif
