#include "utf8.h"

#include <string.h>

/* Decodes one code point at s[*i]; -1 when malformed (overlong, truncated, > U+10FFFF). */
static long decode(const unsigned char *s, size_t n, size_t *i) {
  unsigned char c = s[*i];
  long cp;
  int extra;
  if (c < 0x80) {
    (*i)++;
    return c;
  }
  if (c >= 0xc2 && c <= 0xdf) { cp = c & 0x1f; extra = 1; }
  else if (c >= 0xe0 && c <= 0xef) { cp = c & 0x0f; extra = 2; }
  else if (c >= 0xf0 && c <= 0xf4) { cp = c & 0x07; extra = 3; }
  else return -1;
  if (*i + (size_t)extra >= n) return -1; /* truncated */
  for (int k = 1; k <= extra; k++) {
    unsigned char d = s[*i + (size_t)k];
    if ((d & 0xc0) != 0x80) return -1;
    cp = (cp << 6) | (d & 0x3f);
  }
  if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10ffff))) return -1;
  *i += (size_t)extra + 1;
  return cp;
}

int utf8_valid_scalar_text(const unsigned char *s, size_t n, size_t *units) {
  size_t i = 0, u = 0;
  while (i < n) {
    long cp = decode(s, n, &i);
    if (cp < 0 || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    u += cp >= 0x10000 ? 2 : 1;
  }
  *units = u;
  return 1;
}

int utf8_compare_as_utf16(const char *a, const char *b) {
  const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
  size_t nx = strlen(a), ny = strlen(b), i = 0, j = 0;
  while (i < nx && j < ny) {
    long cx = decode(x, nx, &i), cy = decode(y, ny, &j);
    if (cx < 0 || cy < 0) return strcmp(a, b);
    /* Above the BMP a code point is a surrogate pair: its first unit sorts as 0xD800..0xDBFF. */
    long ux = cx >= 0x10000 ? 0xd800 + ((cx - 0x10000) >> 10) : cx;
    long uy = cy >= 0x10000 ? 0xd800 + ((cy - 0x10000) >> 10) : cy;
    if (ux != uy) return ux < uy ? -1 : 1;
    if (cx != cy) return cx < cy ? -1 : 1;
  }
  return (i < nx) - (j < ny);
}

long utf8_to_latin1(const unsigned char *s, size_t n, unsigned char *out) {
  size_t i = 0, o = 0;
  while (i < n) {
    long cp = decode(s, n, &i);
    if (cp < 0 || cp > 0xff) return -1;
    out[o++] = (unsigned char)cp;
  }
  return (long)o;
}
