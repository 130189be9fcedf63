/* quip-host's command line (options.c). */
#ifndef QUIP_OPTIONS_H
#define QUIP_OPTIONS_H

#include "host.h"

/** Reads the command line into *o: -1 to go on and run the phone, else the exit code (help,
 *  version and the one-shot tools ran; 2 after a usage error, which it printed). */
int options_parse(int argc, char **argv, host_options *o);
/** Prints a usage error (and the --help hint); returns 2. */
int usage(const char *message);

#endif
