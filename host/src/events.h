/* HAL events waiting for the firmware: what the host saw (a datagram, a timer, a key) as
 * quipFirmware.event(type, a, b, c, d) arguments (EVENT_FIELDS in hal/contract.ts). Events are
 * queued, never delivered from inside a host call, and dropped wholesale when the firmware reboots. */
#ifndef QUIP_EVENTS_H
#define QUIP_EVENTS_H

#include <stddef.h>
#include <stdint.h>

typedef enum { ARG_NUM, ARG_STR, ARG_BIN, ARG_BOOL, ARG_NULL } ev_arg_kind;

typedef struct {
  ev_arg_kind kind;
  double num;   /* ARG_NUM, ARG_BOOL (0/1) */
  uint8_t *ptr; /* ARG_STR (UTF-8), ARG_BIN: owned copy */
  size_t len;
} ev_arg;

#define EV_MAX_ARGS 4

typedef struct hal_event {
  struct hal_event *next;
  char type[16];
  int nargs;
  ev_arg args[EV_MAX_ARGS];
} hal_event;

/** A new event of `type` with no arguments yet (NULL when out of memory). */
hal_event *ev_new(const char *type);
void ev_num(hal_event *e, double v);
void ev_str(hal_event *e, const char *s, size_t len);
/** Convenience: a NUL-terminated string, or null when s is NULL. */
void ev_cstr(hal_event *e, const char *s);
void ev_bin(hal_event *e, const uint8_t *data, size_t len);
void ev_bool(hal_event *e, int v);
void ev_null(hal_event *e);
void ev_free(hal_event *e);

typedef struct {
  hal_event *head, *tail;
  size_t count;
} ev_queue;

void evq_push(ev_queue *q, hal_event *e);
hal_event *evq_pop(ev_queue *q);
void evq_clear(ev_queue *q);

#endif
