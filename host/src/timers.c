#include "timers.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
  int id;
  double due;
} timer;

struct timer_set {
  timer *list;
  size_t n, cap;
  int next_id;
};

timer_set *timers_create(void) {
  timer_set *t = calloc(1, sizeof *t);
  if (t != NULL) t->next_id = 1;
  return t;
}

void timers_free(timer_set *t) {
  if (t == NULL) return;
  free(t->list);
  free(t);
}

int timers_set(timer_set *t, double now, double ms) {
  int id = t->next_id++;
  /* As the emulator (host-clock.ts): NaN, negative and infinite delays are due at once. */
  double delay = isfinite(ms) && ms > 0 ? (ms < 2147483647.0 ? ms : 2147483647.0) : 0;
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 32;
    timer *l = realloc(t->list, cap * sizeof *l);
    if (l == NULL) return id; /* out of memory: the timer never fires, as if cleared */
    t->list = l;
    t->cap = cap;
  }
  t->list[t->n].id = id;
  t->list[t->n].due = now + delay;
  t->n++;
  return id;
}

void timers_clear(timer_set *t, int id) {
  for (size_t i = 0; i < t->n; i++) {
    if (t->list[i].id == id) {
      t->list[i] = t->list[--t->n];
      return;
    }
  }
}

double timers_next(const timer_set *t) {
  double d = -1;
  for (size_t i = 0; i < t->n; i++)
    if (d < 0 || t->list[i].due < d) d = t->list[i].due;
  return d;
}

int timers_fire(timer_set *t, double now, ev_queue *q) {
  int fired = 0;
  for (;;) {
    size_t best = t->n;
    for (size_t i = 0; i < t->n; i++) {
      if (t->list[i].due > now) continue;
      if (best == t->n || t->list[i].due < t->list[best].due || (t->list[i].due == t->list[best].due && t->list[i].id < t->list[best].id)) best = i;
    }
    if (best == t->n) return fired;
    hal_event *e = ev_new("timer");
    ev_num(e, t->list[best].id);
    evq_push(q, e);
    t->list[best] = t->list[--t->n];
    fired++;
  }
}
