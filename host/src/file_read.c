#include "file_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint8_t *read_file(const char *path, size_t max, size_t *len, char *err, size_t errcap) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    snprintf(err, errcap, "%s", strerror(errno));
    return NULL;
  }
  size_t cap = 4096, n = 0;
  uint8_t *buf = malloc(cap + 1);
  for (;;) {
    if (buf == NULL) {
      snprintf(err, errcap, "out of memory");
      break;
    }
    if (n == cap) {
      if (cap > max) {
        snprintf(err, errcap, "larger than %lu bytes", (unsigned long)max);
        free(buf);
        buf = NULL;
        break;
      }
      uint8_t *b = realloc(buf, cap * 2 + 1);
      if (b == NULL) free(buf);
      buf = b;
      cap *= 2;
      continue;
    }
    size_t r = fread(buf + n, 1, cap - n, f);
    n += r;
    if (r == 0) break;
  }
  fclose(f);
  if (buf == NULL) return NULL;
  if (n > max) {
    snprintf(err, errcap, "larger than %lu bytes", (unsigned long)max);
    free(buf);
    return NULL;
  }
  buf[n] = 0;
  *len = n;
  return buf;
}
