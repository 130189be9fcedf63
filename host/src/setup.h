/* Start-up of the phone (setup.c): shell, board config, firmware source, storage. */
#ifndef QUIP_SETUP_H
#define QUIP_SETUP_H

#include "host.h"

/** Sets up everything h->o asks for; 0, or the exit code after printing the error. */
int host_setup(host *h);
/** Releases what host_setup set up (safe after a failed setup). */
void host_setup_free(host *h);

#endif
