/* ClockHal timers for one boot: one-shot, by monotonic deadline, fired in deadline order
 * (equal deadlines in the order they were set). A reboot drops them all. */
#ifndef QUIP_TIMERS_H
#define QUIP_TIMERS_H

#include "events.h"

typedef struct timer_set timer_set;

timer_set *timers_create(void);
void timers_free(timer_set *t);
/** A timer due ms from now (clamped to 0..2^31-1); returns its id. */
int timers_set(timer_set *t, double now, double ms);
void timers_clear(timer_set *t, int id);
/** The earliest deadline, or -1 when none. */
double timers_next(const timer_set *t);
/** Queues a timer event for every timer due at `now`; returns how many fired. */
int timers_fire(timer_set *t, double now, ev_queue *q);

#endif
