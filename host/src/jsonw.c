#include "jsonw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jw_init(jsonw *w) { memset(w, 0, sizeof *w); }

void jw_free(jsonw *w) {
  free(w->buf);
  memset(w, 0, sizeof *w);
}

static int grow(jsonw *w, size_t more) {
  if (w->failed) return 0;
  if (w->len + more + 1 <= w->cap) return 1;
  size_t cap = w->cap ? w->cap : 256;
  while (cap < w->len + more + 1) cap *= 2;
  char *b = realloc(w->buf, cap);
  if (b == NULL) {
    w->failed = 1;
    return 0;
  }
  w->buf = b;
  w->cap = cap;
  return 1;
}

void jw_rawn(jsonw *w, const char *s, size_t n) {
  if (!grow(w, n)) return;
  memcpy(w->buf + w->len, s, n);
  w->len += n;
  w->buf[w->len] = '\0';
}

void jw_raw(jsonw *w, const char *s) { jw_rawn(w, s, strlen(s)); }

void jw_strn(jsonw *w, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  jw_rawn(w, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    char esc[7];
    if (c == '"' || c == '\\') {
      esc[0] = '\\';
      esc[1] = (char)c;
      jw_rawn(w, esc, 2);
    } else if (c == '\n') jw_rawn(w, "\\n", 2);
    else if (c == '\r') jw_rawn(w, "\\r", 2);
    else if (c == '\t') jw_rawn(w, "\\t", 2);
    else if (c == '\b') jw_rawn(w, "\\b", 2);
    else if (c == '\f') jw_rawn(w, "\\f", 2);
    else if (c < 0x20) {
      memcpy(esc, "\\u00", 4);
      esc[4] = hex[c >> 4];
      esc[5] = hex[c & 15];
      jw_rawn(w, esc, 6);
    } else {
      jw_rawn(w, (const char *)&s[i], 1);
    }
  }
  jw_rawn(w, "\"", 1);
}

void jw_str(jsonw *w, const char *s) { jw_strn(w, s, strlen(s)); }

void jw_num(jsonw *w, double v) {
  char b[32];
  if (!isfinite(v)) jw_raw(w, "null");
  else if (v == floor(v) && fabs(v) < 9007199254740992.0) {
    snprintf(b, sizeof b, "%.0f", v);
    jw_raw(w, b);
  } else {
    snprintf(b, sizeof b, "%.17g", v);
    jw_raw(w, b);
  }
}

void jw_key(jsonw *w, int *first, const char *key) {
  if (!*first) jw_rawn(w, ",", 1);
  *first = 0;
  jw_str(w, key);
  jw_rawn(w, ":", 1);
}

const char *jw_text(jsonw *w) { return w->buf != NULL ? w->buf : ""; }
