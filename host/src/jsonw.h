/* Writing JSON text in C: a growable buffer with string escaping, for the events the host
 * itself reports (errors, reboots) and the records it hands the firmware. */
#ifndef QUIP_JSONW_H
#define QUIP_JSONW_H

#include <stddef.h>

typedef struct {
  char *buf;
  size_t len, cap;
  int failed; /* out of memory: the text is incomplete */
} jsonw;

void jw_init(jsonw *w);
void jw_free(jsonw *w);
void jw_raw(jsonw *w, const char *s);
void jw_rawn(jsonw *w, const char *s, size_t n);
/** A JSON string literal of UTF-8 text (quotes, backslashes and control characters escaped). */
void jw_str(jsonw *w, const char *s);
void jw_strn(jsonw *w, const char *s, size_t n);
void jw_num(jsonw *w, double v);
/** ,"key": — the comma only after the first member (track with *first). */
void jw_key(jsonw *w, int *first, const char *key);
/** The text so far ("" when empty); owned by w. */
const char *jw_text(jsonw *w);

#endif
