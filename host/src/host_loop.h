/* The host's life cycle and event loop (host.c) and its control channel (control.c). */
#ifndef QUIP_HOST_LOOP_H
#define QUIP_HOST_LOOP_H

#include "host.h"

typedef struct {
  plat_sock sock;
  int open;
  char line[8192];
  size_t len;
  int overlong;
  int after_cr;
} host_input;

/** Boots the firmware (a fresh VM, sockets, timers, audio). */
void host_boot(host *h);
/** Reports a reboot, tears the boot down and boots again at once. */
void host_reboot(host *h, const char *reason);
/** Queues an event for the running firmware (dropped when none runs). */
void host_deliver(host *h, hal_event *e);
/** The orderly stop: the firmware hears 'shutdown', then after a grace period everything closes. */
void host_quit(host *h);
/** Runs until quit; returns the exit code. */
int host_run(host *h, host_input *input);
/** Reads what the control channel has and acts on each complete line. */
void host_input_ready(host *h, host_input *in);

#endif
