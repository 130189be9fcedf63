/* JSON reading with V8's acceptance and messages (json_flat.h). The text is converted to UTF-16
 * first and the parser walks code units, because V8's positions, snippets and the "got ..."
 * strings of image/image.ts all count UTF-16 units. */
#include "json_flat.h"

#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TEXT (16u * 1024u * 1024u)
#define CONTEXT_CHARS 10     /* V8 kMaxContextCharacters */
#define SHORT_SOURCE 20      /* sources up to this long are quoted whole */

typedef struct {
  size_t kpos; /* the key's opening quote */
  size_t vpos; /* the value's first unit */
} member;

struct json_doc {
  uint16_t *u;
  size_t n;
  json_type root;
  member *mem;
  size_t nmem;
};

/* ---- UTF-8 --------------------------------------------------------------------------------- */

long json_utf8_next(const uint8_t *s, size_t n, size_t *i) {
  uint8_t b = s[(*i)++];
  uint8_t lo = 0x80, hi = 0xBF;
  int need;
  long cp;
  if (b < 0x80) return b;
  if (b >= 0xC2 && b <= 0xDF) {
    need = 1;
    cp = b & 0x1F;
  } else if (b >= 0xE0 && b <= 0xEF) {
    need = 2;
    cp = b & 0x0F;
    if (b == 0xE0) lo = 0xA0;
    if (b == 0xED) hi = 0x9F; /* no surrogates */
  } else if (b >= 0xF0 && b <= 0xF4) {
    need = 3;
    cp = b & 0x07;
    if (b == 0xF0) lo = 0x90;
    if (b == 0xF4) hi = 0x8F;
  } else {
    return -1;
  }
  while (need > 0) {
    uint8_t c;
    if (*i >= n) return -1;
    c = s[*i];
    if (c < lo || c > hi) return -1; /* c starts the next sequence */
    lo = 0x80;
    hi = 0xBF;
    cp = (cp << 6) | (c & 0x3F);
    (*i)++;
    need--;
  }
  return cp;
}

int json_utf8_valid(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n)
    if (json_utf8_next(s, n, &i) < 0) return 0;
  return 1;
}

static size_t put_utf8(uint8_t *o, long cp) {
  if (cp < 0x80) {
    o[0] = (uint8_t)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (uint8_t)(0xC0 | (cp >> 6));
    o[1] = (uint8_t)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (uint8_t)(0xE0 | (cp >> 12));
    o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (uint8_t)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (uint8_t)(0xF0 | (cp >> 18));
  o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (uint8_t)(0x80 | (cp & 0x3F));
  return 4;
}

char *json_utf8_lossy(const uint8_t *s, size_t n, size_t *outlen) {
  size_t i = 0, o = 0;
  uint8_t *out;
  if (n > ((size_t)-1 - 1) / 3) return NULL;
  out = (uint8_t *)malloc(n * 3 + 1); /* each bad byte becomes at most 3 bytes */
  if (out == NULL) return NULL;
  if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) i = 3;
  while (i < n) {
    long cp = json_utf8_next(s, n, &i);
    o += put_utf8(out + o, cp < 0 ? 0xFFFD : cp);
  }
  out[o] = 0;
  if (outlen != NULL) *outlen = o;
  return (char *)out;
}

/* UTF-16 units to UTF-8; a lone surrogate becomes U+FFFD. Returns bytes written (cap permitting). */
static size_t units_to_utf8(const uint16_t *u, size_t n, char *out, size_t cap) {
  size_t i, o = 0;
  uint8_t tmp[4];
  for (i = 0; i < n; i++) {
    long cp = u[i];
    size_t k;
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < n && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (u[i + 1] - 0xDC00);
      i++;
    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
      cp = 0xFFFD;
    }
    k = put_utf8(tmp, cp);
    if (o + k >= cap) break;
    memcpy(out + o, tmp, k);
    o += k;
  }
  if (cap > 0) out[o] = 0;
  return o;
}

/* ---- output builder -------------------------------------------------------------------------- */

void json_out_init(json_out *o, char *buf, size_t cap) {
  o->buf = buf;
  o->cap = cap;
  o->len = 0;
  o->truncated = 0;
  if (cap > 0) buf[0] = 0;
}

void json_out_mem(json_out *o, const char *s, size_t n) {
  size_t room;
  if (o->cap == 0) {
    o->truncated = o->truncated || n > 0;
    return;
  }
  room = o->cap - 1 - o->len;
  if (n > room) {
    n = room;
    /* back off to a UTF-8 boundary so the text stays well-formed */
    while (n > 0 && ((uint8_t)s[n] & 0xC0) == 0x80) n--;
    o->truncated = 1;
  }
  memcpy(o->buf + o->len, s, n);
  o->len += n;
  o->buf[o->len] = 0;
}

void json_out_str(json_out *o, const char *s) { json_out_mem(o, s, strlen(s)); }

void json_out_uint(json_out *o, uint64_t v) {
  char tmp[24];
  int i = 23;
  tmp[i] = 0;
  do {
    tmp[--i] = (char)('0' + (int)(v % 10));
    v /= 10;
  } while (v != 0);
  json_out_str(o, tmp + i);
}

void json_out_quoted(json_out *o, const char *s, size_t n) {
  size_t i, start = 0;
  static const char hexd[] = "0123456789abcdef";
  json_out_mem(o, "\"", 1);
  for (i = 0; i < n; i++) {
    uint8_t c = (uint8_t)s[i];
    char esc[8];
    const char *e = NULL;
    if (c == '"') e = "\\\"";
    else if (c == '\\') e = "\\\\";
    else if (c == '\b') e = "\\b";
    else if (c == '\f') e = "\\f";
    else if (c == '\n') e = "\\n";
    else if (c == '\r') e = "\\r";
    else if (c == '\t') e = "\\t";
    else if (c < 0x20) {
      memcpy(esc, "\\u00", 4);
      esc[4] = hexd[c >> 4];
      esc[5] = hexd[c & 15];
      esc[6] = 0;
      e = esc;
    }
    if (e != NULL) {
      json_out_mem(o, s + start, i - start);
      json_out_str(o, e);
      start = i + 1;
    }
  }
  json_out_mem(o, s + start, n - start);
  json_out_mem(o, "\"", 1);
}

/* ---- numbers --------------------------------------------------------------------------------- */

void json_js_number(double v, char *out) {
  char tmp[40], digits[24];
  int p, k = 0, n, exp10, i;
  char *e, *q = out;
  if (v != v) {
    strcpy(out, "NaN");
    return;
  }
  if (v == 0) {
    strcpy(out, "0");
    return;
  }
  if (v < 0) {
    *q++ = '-';
    v = -v;
  }
  if (v > DBL_MAX) {
    strcpy(q, "Infinity");
    return;
  }
  /* the shortest digit string that reads back as v (ECMA-262 Number::toString) */
  for (p = 1; p <= 17; p++) {
    snprintf(tmp, sizeof tmp, "%.*e", p - 1, v);
    if (strtod(tmp, NULL) == v) break;
  }
  for (i = 0; tmp[i] != 0 && tmp[i] != 'e'; i++)
    if (tmp[i] >= '0' && tmp[i] <= '9') digits[k++] = tmp[i];
  while (k > 1 && digits[k - 1] == '0') k--;
  digits[k] = 0;
  e = strchr(tmp, 'e');
  exp10 = e != NULL ? atoi(e + 1) : 0;
  n = exp10 + 1;
  if (k <= n && n <= 21) {
    memcpy(q, digits, (size_t)k);
    q += k;
    for (i = k; i < n; i++) *q++ = '0';
  } else if (0 < n && n <= 21) {
    memcpy(q, digits, (size_t)n);
    q += n;
    *q++ = '.';
    memcpy(q, digits + n, (size_t)(k - n));
    q += k - n;
  } else if (-6 < n && n <= 0) {
    *q++ = '0';
    *q++ = '.';
    for (i = 0; i < -n; i++) *q++ = '0';
    memcpy(q, digits, (size_t)k);
    q += k;
  } else {
    *q++ = digits[0];
    if (k > 1) {
      *q++ = '.';
      memcpy(q, digits + 1, (size_t)(k - 1));
      q += k - 1;
    }
    q += sprintf(q, "e%c%d", n - 1 >= 0 ? '+' : '-', n - 1 >= 0 ? n - 1 : 1 - n);
  }
  *q = 0;
}

static int is_digit(uint16_t c) { return c >= '0' && c <= '9'; }

/* The value of the (valid) number text u[pos..end). */
static double number_value(const uint16_t *u, size_t pos, size_t end) {
  static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  size_t i = pos;
  int neg = 0, sig = 0, started = 0;
  double mant = 0;
  long exp = 0, e = 0;
  int eneg = 0;
  char *copy;
  double v;
  if (u[i] == '-') {
    neg = 1;
    i++;
  }
  for (; i < end && is_digit(u[i]); i++) {
    if (u[i] != '0' || started) {
      started = 1;
      if (sig < 16) mant = mant * 10 + (u[i] - '0');
      else exp++;
      sig++;
    }
  }
  if (i < end && u[i] == '.') {
    for (i++; i < end && is_digit(u[i]); i++) {
      if (u[i] != '0' || started) {
        started = 1;
        if (sig < 16) {
          mant = mant * 10 + (u[i] - '0');
          exp--;
        }
        sig++;
      } else {
        exp--;
      }
    }
  }
  if (i < end && (u[i] == 'e' || u[i] == 'E')) {
    i++;
    if (u[i] == '-' || u[i] == '+') eneg = u[i++] == '-';
    for (; i < end && is_digit(u[i]); i++)
      if (e < 100000) e = e * 10 + (u[i] - '0');
  }
  exp += eneg ? -e : e;
  if (mant == 0) return neg ? -0.0 : 0.0;
  /* Clinger's fast path: both operands exact, one correctly rounded operation */
  if (sig <= 15 && exp >= -22 && exp <= 22) {
    v = exp >= 0 ? mant * pow10[exp] : mant / pow10[-exp];
    return neg ? -v : v;
  }
  copy = (char *)malloc(end - pos + 1);
  if (copy == NULL) return 0;
  for (i = pos; i < end; i++) copy[i - pos] = (char)u[i];
  copy[end - pos] = 0;
  v = strtod(copy, NULL);
  free(copy);
  return v;
}

/* ---- the parser ------------------------------------------------------------------------------ */

typedef struct {
  json_doc *d;
  size_t pos;
  char *err;
  size_t errcap;
  int failed;
} parser;

static void fail_at(parser *p, const char *what, size_t pos) {
  /* V8's templates are "<what> in JSON at position N", but for this one */
  const char *in = strcmp(what, "Unexpected non-whitespace character after JSON") == 0 ? "" : " in JSON";
  if (!p->failed && p->errcap > 0) snprintf(p->err, p->errcap, "%s%s at position %lu", what, in, (unsigned long)pos);
  p->failed = 1;
}

static int source_is(const json_doc *d, const char *s) {
  size_t i, n = strlen(s);
  if (d->n != n) return 0;
  for (i = 0; i < n; i++)
    if (d->u[i] != (uint8_t)s[i]) return 0;
  return 1;
}

/* V8's message for an unexpected character at pos (LookUpErrorMessageForJsonToken). */
static void fail_token(parser *p, size_t pos) {
  const json_doc *d = p->d;
  json_out o;
  char tok[8];
  size_t from, to;
  int pre, post;
  if (p->failed) return;
  p->failed = 1;
  json_out_init(&o, p->err, p->errcap);
  if (pos >= d->n) {
    json_out_str(&o, "Unexpected end of JSON input");
    return;
  }
  if (d->u[pos] == '"' || d->u[pos] == '-' || is_digit(d->u[pos])) {
    char msg[80];
    snprintf(msg, sizeof msg, "Unexpected %s in JSON at position %lu", d->u[pos] == '"' ? "string" : "number",
             (unsigned long)pos);
    json_out_str(&o, msg);
    return;
  }
  if (source_is(d, "[object Object]") || source_is(d, "undefined") || source_is(d, "Infinity") || source_is(d, "NaN")) {
    char src[32];
    units_to_utf8(d->u, d->n, src, sizeof src);
    json_out_str(&o, "\"");
    json_out_str(&o, src);
    json_out_str(&o, "\" is not valid JSON");
    return;
  }
  units_to_utf8(d->u + pos, 1, tok, sizeof tok);
  from = 0;
  to = d->n;
  pre = post = 0;
  if (d->n > SHORT_SOURCE) {
    if (pos < CONTEXT_CHARS) {
      to = pos + CONTEXT_CHARS;
      post = 1;
    } else if (pos < d->n - CONTEXT_CHARS) {
      from = pos - CONTEXT_CHARS;
      to = pos + CONTEXT_CHARS;
      pre = post = 1;
    } else {
      from = pos - CONTEXT_CHARS;
      pre = 1;
    }
  }
  {
    char snippet[4 * (2 * CONTEXT_CHARS + 1) + 4];
    units_to_utf8(d->u + from, to - from, snippet, sizeof snippet);
    json_out_str(&o, "Unexpected token '");
    json_out_str(&o, tok);
    json_out_str(&o, pre ? "', ...\"" : "', \"");
    json_out_str(&o, snippet);
    json_out_str(&o, post ? "\"... is not valid JSON" : "\" is not valid JSON");
  }
}

static int at(const parser *p, uint16_t c) { return p->pos < p->d->n && p->d->u[p->pos] == c; }

static void skip_ws(parser *p) {
  const json_doc *d = p->d;
  while (p->pos < d->n) {
    uint16_t c = d->u[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    p->pos++;
  }
}

static int is_hex(uint16_t c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

/* A string; p->pos is at its opening quote. */
static void scan_string(parser *p) {
  const json_doc *d = p->d;
  p->pos++;
  for (;;) {
    uint16_t c;
    if (p->pos >= d->n) {
      fail_at(p, "Unterminated string", d->n);
      return;
    }
    c = d->u[p->pos];
    if (c == '"') {
      p->pos++;
      return;
    }
    if (c < 0x20) {
      fail_at(p, "Bad control character in string literal", p->pos);
      return;
    }
    if (c != '\\') {
      p->pos++;
      continue;
    }
    p->pos++;
    if (p->pos >= d->n) {
      fail_token(p, p->pos);
      return;
    }
    c = d->u[p->pos];
    if (c > 0xFF) {
      fail_token(p, p->pos);
      return;
    }
    if (c == 'u') {
      int k;
      p->pos++;
      for (k = 0; k < 4; k++, p->pos++) {
        if (p->pos >= d->n || !is_hex(d->u[p->pos])) {
          fail_at(p, "Bad Unicode escape", p->pos);
          return;
        }
      }
    } else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't') {
      p->pos++;
    } else {
      fail_at(p, "Bad escaped character", p->pos);
      return;
    }
  }
}

static void scan_digits(parser *p) {
  while (p->pos < p->d->n && is_digit(p->d->u[p->pos])) p->pos++;
}

static void scan_number(parser *p) {
  const json_doc *d = p->d;
  if (at(p, '-')) {
    p->pos++;
    if (p->pos >= d->n || !is_digit(d->u[p->pos])) {
      fail_at(p, "No number after minus sign", p->pos);
      return;
    }
  }
  if (at(p, '0')) {
    p->pos++;
    if (p->pos < d->n && is_digit(d->u[p->pos])) {
      fail_token(p, p->pos); /* "Unexpected number": no leading zeros */
      return;
    }
  } else {
    scan_digits(p);
  }
  if (at(p, '.')) {
    p->pos++;
    if (p->pos >= d->n || !is_digit(d->u[p->pos])) {
      fail_at(p, "Unterminated fractional number", p->pos);
      return;
    }
    scan_digits(p);
  }
  if (at(p, 'e') || at(p, 'E')) {
    p->pos++;
    if (at(p, '-') || at(p, '+')) p->pos++;
    if (p->pos >= d->n || !is_digit(d->u[p->pos])) {
      fail_at(p, "Exponent part is missing a number", p->pos);
      return;
    }
    scan_digits(p);
  }
}

static void scan_literal(parser *p, const char *lit) {
  size_t i;
  for (i = 0; lit[i] != 0; i++, p->pos++) {
    if (p->pos >= p->d->n || p->d->u[p->pos] != (uint8_t)lit[i]) {
      fail_token(p, p->pos);
      return;
    }
  }
}

static int add_member(parser *p, size_t kpos, size_t vpos) {
  json_doc *d = p->d;
  if ((d->nmem & (d->nmem - 1)) == 0) { /* grow at powers of two */
    size_t cap = d->nmem == 0 ? 8 : d->nmem * 2;
    member *m = (member *)realloc(d->mem, cap * sizeof *m);
    if (m == NULL) return 0;
    d->mem = m;
  }
  d->mem[d->nmem].kpos = kpos;
  d->mem[d->nmem].vpos = vpos;
  d->nmem++;
  return 1;
}

/* A key and its colon, when p->pos is where the key must start; the value position follows.
 * V8 names the missing colon only after an object's first key; after later keys it reports
 * the unexpected token. */
static void scan_key(parser *p, const char *expected, size_t depth, int first_key) {
  size_t kpos;
  skip_ws(p);
  if (!at(p, '"')) {
    fail_at(p, expected, p->pos);
    return;
  }
  kpos = p->pos;
  scan_string(p);
  if (p->failed) return;
  skip_ws(p);
  if (!at(p, ':')) {
    if (first_key) fail_at(p, "Expected ':' after property name", p->pos);
    else fail_token(p, p->pos);
    return;
  }
  p->pos++;
  skip_ws(p);
  if (depth == 1 && !add_member(p, kpos, p->pos)) {
    if (p->errcap > 0) snprintf(p->err, p->errcap, "out of memory");
    p->failed = 1;
  }
}

static void parse_text(parser *p, uint8_t *stack) {
  const json_doc *d = p->d;
  size_t depth = 0;
  int first = 1;
  for (;;) {
    /* a value */
    skip_ws(p);
    if (p->pos >= d->n) {
      fail_token(p, p->pos);
      return;
    }
    switch (d->u[p->pos]) {
      case '"':
        scan_string(p);
        if (first) p->d->root = JSON_STRING;
        break;
      case '{':
        if (first) p->d->root = JSON_OBJECT;
        p->pos++;
        skip_ws(p);
        if (at(p, '}')) {
          p->pos++;
          break;
        }
        stack[depth++] = '{';
        scan_key(p, "Expected property name or '}'", depth, 1);
        if (p->failed) return;
        first = 0;
        continue;
      case '[':
        if (first) p->d->root = JSON_ARRAY;
        p->pos++;
        skip_ws(p);
        if (at(p, ']')) {
          p->pos++;
          break;
        }
        stack[depth++] = '[';
        first = 0;
        continue;
      case 't':
        scan_literal(p, "true");
        if (first) p->d->root = JSON_BOOL;
        break;
      case 'f':
        scan_literal(p, "false");
        if (first) p->d->root = JSON_BOOL;
        break;
      case 'n':
        scan_literal(p, "null");
        if (first) p->d->root = JSON_NULL;
        break;
      default:
        if (d->u[p->pos] == '-' || is_digit(d->u[p->pos])) {
          scan_number(p);
          if (first) p->d->root = JSON_NUMBER;
        } else {
          fail_token(p, p->pos);
        }
        break;
    }
    if (p->failed) return;
    first = 0;
    /* close containers until one wants another value */
    for (;;) {
      if (depth == 0) {
        skip_ws(p);
        if (p->pos < d->n) fail_at(p, "Unexpected non-whitespace character after JSON", p->pos);
        return;
      }
      skip_ws(p);
      if (stack[depth - 1] == '{') {
        if (at(p, ',')) {
          p->pos++;
          scan_key(p, "Expected double-quoted property name", depth, 0);
          if (p->failed) return;
          break;
        }
        if (!at(p, '}')) {
          fail_at(p, "Expected ',' or '}' after property value", p->pos);
          return;
        }
      } else {
        if (at(p, ',')) {
          p->pos++;
          break;
        }
        if (!at(p, ']')) {
          fail_at(p, "Expected ',' or ']' after array element", p->pos);
          return;
        }
      }
      p->pos++;
      depth--;
    }
  }
}

json_doc *json_parse(const uint8_t *text, size_t len, char *err, size_t errcap) {
  json_doc *d;
  parser p;
  uint8_t *stack;
  size_t i = 0;
  if (errcap > 0) err[0] = 0;
  if (len > MAX_TEXT) {
    if (errcap > 0) snprintf(err, errcap, "JSON text too long");
    return NULL;
  }
  d = (json_doc *)calloc(1, sizeof *d);
  if (d == NULL) goto oom;
  d->u = (uint16_t *)malloc((len + 1) * sizeof(uint16_t));
  if (d->u == NULL) goto oom;
  if (len >= 3 && text[0] == 0xEF && text[1] == 0xBB && text[2] == 0xBF) i = 3; /* TextDecoder drops the BOM */
  while (i < len) {
    long cp = json_utf8_next(text, len, &i);
    if (cp < 0) {
      if (errcap > 0) snprintf(err, errcap, "The encoded data was not valid for encoding utf-8");
      json_free(d);
      return NULL;
    }
    if (cp >= 0x10000) {
      d->u[d->n++] = (uint16_t)(0xD800 + ((cp - 0x10000) >> 10));
      d->u[d->n++] = (uint16_t)(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      d->u[d->n++] = (uint16_t)cp;
    }
  }
  stack = (uint8_t *)malloc(d->n + 1);
  if (stack == NULL) goto oom;
  memset(&p, 0, sizeof p);
  p.d = d;
  p.err = err;
  p.errcap = errcap;
  parse_text(&p, stack);
  free(stack);
  if (p.failed) {
    json_free(d);
    return NULL;
  }
  return d;
oom:
  if (errcap > 0) snprintf(err, errcap, "out of memory");
  json_free(d);
  return NULL;
}

void json_free(json_doc *d) {
  if (d == NULL) return;
  free(d->u);
  free(d->mem);
  free(d);
}

json_type json_root_type(const json_doc *d) { return d->root; }

/* ---- reading validated text -------------------------------------------------------------------- */

static int hexval(uint16_t c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

/* Unescapes the string at pos (its quote) into out (when not NULL); returns its unit count and
 * sets *end past the closing quote. */
static size_t string_units(const json_doc *d, size_t pos, uint16_t *out, size_t *end) {
  size_t i = pos + 1, n = 0;
  while (d->u[i] != '"') {
    uint16_t c = d->u[i++];
    if (c == '\\') {
      c = d->u[i++];
      switch (c) {
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        case 'u':
          c = (uint16_t)((hexval(d->u[i]) << 12) | (hexval(d->u[i + 1]) << 8) | (hexval(d->u[i + 2]) << 4) |
                         hexval(d->u[i + 3]));
          i += 4;
          break;
        default: break; /* " \ / stand for themselves */
      }
    }
    if (out != NULL) out[n] = c;
    n++;
  }
  if (end != NULL) *end = i + 1;
  return n;
}

/* Past the (valid) value at pos. */
static size_t skip_value(const json_doc *d, size_t pos) {
  size_t depth = 0;
  do {
    uint16_t c = d->u[pos];
    if (c == '"') {
      string_units(d, pos, NULL, &pos);
    } else if (c == '{' || c == '[') {
      depth++;
      pos++;
    } else if (c == '}' || c == ']') {
      depth--;
      pos++;
    } else if (c == ',' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      pos++;
    } else {
      while (pos < d->n && (is_digit(d->u[pos]) || (d->u[pos] >= 'a' && d->u[pos] <= 'z') || d->u[pos] == 'E' ||
                            d->u[pos] == '+' || d->u[pos] == '-' || d->u[pos] == '.'))
        pos++;
    }
  } while (depth > 0);
  return pos;
}

static const member *find(const json_doc *d, const char *key) {
  size_t i, klen = strlen(key);
  uint16_t want[64];
  if (d->root != JSON_OBJECT || klen > 64) return NULL;
  for (i = 0; i < klen; i++) want[i] = (uint8_t)key[i]; /* field names are ASCII */
  for (i = d->nmem; i-- > 0;) { /* the last duplicate wins */
    const member *m = &d->mem[i];
    size_t end, j = m->kpos + 1, k = 0;
    int same = 1;
    /* fast compare without unescaping when the key has no escapes */
    end = j;
    while (d->u[end] != '"' && d->u[end] != '\\') end++;
    if (d->u[end] == '"') {
      if (end - j != klen) continue;
      for (k = 0; k < klen; k++)
        if (d->u[j + k] != want[k]) same = 0;
    } else {
      uint16_t buf[64];
      size_t n = string_units(d, m->kpos, NULL, NULL);
      if (n != klen) continue;
      string_units(d, m->kpos, buf, NULL);
      for (k = 0; k < klen; k++)
        if (buf[k] != want[k]) same = 0;
    }
    if (same) return m;
  }
  return NULL;
}

static json_type type_at(const json_doc *d, size_t pos) {
  switch (d->u[pos]) {
    case '"': return JSON_STRING;
    case '{': return JSON_OBJECT;
    case '[': return JSON_ARRAY;
    case 't':
    case 'f': return JSON_BOOL;
    case 'n': return JSON_NULL;
    default: return JSON_NUMBER;
  }
}

json_type json_field_type(const json_doc *d, const char *key) {
  const member *m = find(d, key);
  return m == NULL ? JSON_MISSING : type_at(d, m->vpos);
}

int json_field_number(const json_doc *d, const char *key, double *out) {
  const member *m = find(d, key);
  if (m == NULL || type_at(d, m->vpos) != JSON_NUMBER) return 0;
  *out = number_value(d->u, m->vpos, skip_value(d, m->vpos));
  return 1;
}

long json_field_string(const json_doc *d, const char *key, char *buf, size_t cap, size_t *units) {
  const member *m = find(d, key);
  size_t n, i, o = 0;
  uint16_t *u;
  if (m == NULL || type_at(d, m->vpos) != JSON_STRING) return -1;
  n = string_units(d, m->vpos, NULL, NULL);
  u = (uint16_t *)malloc((n + 1) * sizeof *u);
  if (u == NULL) return -1;
  string_units(d, m->vpos, u, NULL);
  if (units != NULL) *units = n;
  /* like units_to_utf8, but failing instead of cutting when it does not fit */
  for (i = 0; i < n; i++) {
    uint8_t tmp[4];
    long cp = u[i];
    size_t k;
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < n && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (u[i + 1] - 0xDC00);
      i++;
    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
      cp = 0xFFFD;
    }
    k = put_utf8(tmp, cp);
    if (o + k >= cap) {
      free(u);
      return -1;
    }
    memcpy(buf + o, tmp, k);
    o += k;
  }
  free(u);
  if (cap == 0) return -1;
  buf[o] = 0;
  return (long)o;
}

/* ---- JSON.stringify, cut short ------------------------------------------------------------------ */

typedef struct {
  uint16_t *u;
  size_t len, lim;
} ubuf;

static int ub_full(const ubuf *b) { return b->len >= b->lim; }

static void ub_put(ubuf *b, uint16_t c) {
  if (b->len < b->lim) b->u[b->len++] = c;
}

static void ub_ascii(ubuf *b, const char *s) {
  while (*s != 0) ub_put(b, (uint8_t)*s++);
}

static void show_units(ubuf *b, const uint16_t *s, size_t n) {
  size_t i;
  static const char hexd[] = "0123456789abcdef";
  ub_put(b, '"');
  for (i = 0; i < n && !ub_full(b); i++) {
    uint16_t c = s[i];
    if (c == '"') ub_ascii(b, "\\\"");
    else if (c == '\\') ub_ascii(b, "\\\\");
    else if (c == '\b') ub_ascii(b, "\\b");
    else if (c == '\f') ub_ascii(b, "\\f");
    else if (c == '\n') ub_ascii(b, "\\n");
    else if (c == '\r') ub_ascii(b, "\\r");
    else if (c == '\t') ub_ascii(b, "\\t");
    else if (c < 0x20 || (c >= 0xD800 && c <= 0xDFFF && !(c <= 0xDBFF && i + 1 < n && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) &&
                          !(c >= 0xDC00 && i > 0 && s[i - 1] >= 0xD800 && s[i - 1] <= 0xDBFF))) {
      /* controls, and lone surrogates (well-formed JSON.stringify) */
      ub_ascii(b, "\\u");
      ub_put(b, (uint8_t)hexd[c >> 12]);
      ub_put(b, (uint8_t)hexd[(c >> 8) & 15]);
      ub_put(b, (uint8_t)hexd[(c >> 4) & 15]);
      ub_put(b, (uint8_t)hexd[c & 15]);
    } else {
      ub_put(b, c);
    }
  }
  ub_put(b, '"');
}

typedef struct {
  const uint16_t *k;
  size_t kpos, klen, order, vpos;
  int is_index;
  uint32_t index;
} prop;

static int cmp_key_order(const void *a, const void *b) {
  const prop *x = (const prop *)a, *y = (const prop *)b;
  size_t i, n = x->klen < y->klen ? x->klen : y->klen;
  for (i = 0; i < n; i++)
    if (x->k[i] != y->k[i]) return x->k[i] < y->k[i] ? -1 : 1;
  if (x->klen != y->klen) return x->klen < y->klen ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

/* JS property order: array indices ascending, then the rest in creation order. */
static int cmp_js_order(const void *a, const void *b) {
  const prop *x = (const prop *)a, *y = (const prop *)b;
  if (x->is_index != y->is_index) return x->is_index ? -1 : 1;
  if (x->is_index && x->index != y->index) return x->index < y->index ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

static void show_value(const json_doc *d, size_t pos, ubuf *b);

static void show_object(const json_doc *d, size_t pos, ubuf *b) {
  size_t n = 0, cap = 0, i, j, units = 0, g;
  prop *props = NULL;
  uint16_t *keys = NULL, *kp;
  size_t p = pos + 1;
  ub_put(b, '{');
  /* collect the members */
  for (;;) {
    while (d->u[p] == ' ' || d->u[p] == '\t' || d->u[p] == '\n' || d->u[p] == '\r' || d->u[p] == ',') p++;
    if (d->u[p] == '}') break;
    if (n == cap) {
      prop *np;
      cap = cap == 0 ? 8 : cap * 2;
      np = (prop *)realloc(props, cap * sizeof *np);
      if (np == NULL) goto done;
      props = np;
    }
    props[n].order = n;
    props[n].klen = string_units(d, p, NULL, &props[n].vpos);
    units += props[n].klen;
    props[n].k = NULL;
    props[n].kpos = p;
    p = props[n].vpos;
    while (d->u[p] != ':') p++;
    p++;
    while (d->u[p] == ' ' || d->u[p] == '\t' || d->u[p] == '\n' || d->u[p] == '\r') p++;
    props[n].vpos = p;
    p = skip_value(d, p);
    n++;
  }
  keys = (uint16_t *)malloc((units + 1) * sizeof *keys);
  if (keys == NULL) goto done;
  for (i = 0, kp = keys; i < n; i++) {
    uint64_t v = 0;
    string_units(d, props[i].kpos, kp, NULL);
    props[i].k = kp;
    kp += props[i].klen;
    /* a canonical array index: 0 .. 2^32 - 2 without leading zeros */
    props[i].is_index = props[i].klen > 0 && props[i].klen <= 10 && (props[i].klen == 1 || props[i].k[0] != '0');
    for (j = 0; j < props[i].klen && props[i].is_index; j++) {
      if (!is_digit(props[i].k[j])) props[i].is_index = 0;
      else v = v * 10 + (props[i].k[j] - '0');
    }
    if (props[i].is_index && v > 4294967294u) props[i].is_index = 0;
    props[i].index = (uint32_t)v;
  }
  /* duplicates: the first one's place, the last one's value */
  if (n > 1) qsort(props, n, sizeof *props, cmp_key_order);
  for (i = 0, g = 0; i < n; i = j) {
    for (j = i + 1; j < n && props[j].klen == props[i].klen &&
                    memcmp(props[j].k, props[i].k, props[i].klen * sizeof(uint16_t)) == 0;
         j++) {
    }
    props[g] = props[i];
    props[g].vpos = props[j - 1].vpos;
    g++;
  }
  if (g > 1) qsort(props, g, sizeof *props, cmp_js_order);
  for (i = 0; i < g && !ub_full(b); i++) {
    if (i > 0) ub_put(b, ',');
    show_units(b, props[i].k, props[i].klen);
    ub_put(b, ':');
    show_value(d, props[i].vpos, b);
  }
done:
  free(props);
  free(keys);
  ub_put(b, '}');
}

static void show_value(const json_doc *d, size_t pos, ubuf *b) {
  size_t end;
  if (ub_full(b)) return; /* also bounds the recursion: each level writes a unit first */
  switch (d->u[pos]) {
    case '"': {
      size_t n = string_units(d, pos, NULL, NULL);
      uint16_t *s = (uint16_t *)malloc((n + 1) * sizeof *s);
      if (s == NULL) return;
      string_units(d, pos, s, NULL);
      show_units(b, s, n);
      free(s);
      return;
    }
    case '[': {
      size_t p = pos + 1;
      int first = 1;
      ub_put(b, '[');
      for (;;) {
        while (d->u[p] == ' ' || d->u[p] == '\t' || d->u[p] == '\n' || d->u[p] == '\r' || d->u[p] == ',') p++;
        if (d->u[p] == ']' || ub_full(b)) break;
        if (!first) ub_put(b, ',');
        first = 0;
        show_value(d, p, b);
        p = skip_value(d, p);
      }
      ub_put(b, ']');
      return;
    }
    case '{': show_object(d, pos, b); return;
    case 't': ub_ascii(b, "true"); return;
    case 'f': ub_ascii(b, "false"); return;
    case 'n': ub_ascii(b, "null"); return;
    default: {
      char num[40];
      double v;
      end = skip_value(d, pos);
      v = number_value(d->u, pos, end);
      if (v - v != 0) strcpy(num, "null"); /* Infinity */
      else json_js_number(v, num);
      ub_ascii(b, num);
      return;
    }
  }
}

void json_field_show(const json_doc *d, const char *key, size_t max_units, int ellipsis, char *out, size_t cap) {
  const member *m = find(d, key);
  ubuf b;
  size_t o;
  if (cap == 0) return;
  out[0] = 0;
  if (m == NULL) return;
  b.u = (uint16_t *)malloc((max_units + 1) * sizeof(uint16_t));
  if (b.u == NULL) return;
  b.len = 0;
  b.lim = max_units + 1; /* one more tells whether it was longer */
  show_value(d, m->vpos, &b);
  if (b.len > max_units) {
    o = units_to_utf8(b.u, max_units, out, cap);
    if (ellipsis && o + 3 < cap) memcpy(out + o, "\xE2\x80\xA6", 4); /* … */
  } else {
    units_to_utf8(b.u, b.len, out, cap);
  }
  free(b.u);
}
