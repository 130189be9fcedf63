#include "events.h"

#include <stdlib.h>
#include <string.h>

hal_event *ev_new(const char *type) {
  hal_event *e = calloc(1, sizeof *e);
  if (e == NULL) return NULL;
  strncpy(e->type, type, sizeof e->type - 1);
  return e;
}

static ev_arg *next_arg(hal_event *e) {
  if (e == NULL || e->nargs >= EV_MAX_ARGS) return NULL;
  return &e->args[e->nargs++];
}

void ev_num(hal_event *e, double v) {
  ev_arg *a = next_arg(e);
  if (a == NULL) return;
  a->kind = ARG_NUM;
  a->num = v;
}

static void copy_bytes(hal_event *e, ev_arg_kind kind, const void *data, size_t len) {
  ev_arg *a = next_arg(e);
  if (a == NULL) return;
  a->kind = kind;
  a->ptr = malloc(len + 1);
  if (a->ptr == NULL) {
    a->kind = ARG_NULL;
    return;
  }
  if (len > 0) memcpy(a->ptr, data, len);
  a->ptr[len] = 0;
  a->len = len;
}

void ev_str(hal_event *e, const char *s, size_t len) { copy_bytes(e, ARG_STR, s, len); }

void ev_cstr(hal_event *e, const char *s) {
  if (s == NULL) ev_null(e);
  else ev_str(e, s, strlen(s));
}

void ev_bin(hal_event *e, const uint8_t *data, size_t len) { copy_bytes(e, ARG_BIN, data, len); }

void ev_bool(hal_event *e, int v) {
  ev_arg *a = next_arg(e);
  if (a == NULL) return;
  a->kind = ARG_BOOL;
  a->num = v != 0;
}

void ev_null(hal_event *e) {
  ev_arg *a = next_arg(e);
  if (a != NULL) a->kind = ARG_NULL;
}

void ev_free(hal_event *e) {
  if (e == NULL) return;
  for (int i = 0; i < e->nargs; i++) free(e->args[i].ptr);
  free(e);
}

void evq_push(ev_queue *q, hal_event *e) {
  if (e == NULL) return;
  e->next = NULL;
  if (q->tail != NULL) q->tail->next = e;
  else q->head = e;
  q->tail = e;
  q->count++;
}

hal_event *evq_pop(ev_queue *q) {
  hal_event *e = q->head;
  if (e == NULL) return NULL;
  q->head = e->next;
  if (q->head == NULL) q->tail = NULL;
  q->count--;
  return e;
}

void evq_clear(ev_queue *q) {
  hal_event *e;
  while ((e = evq_pop(q)) != NULL) ev_free(e);
}
