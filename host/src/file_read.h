/* Reading a whole (small) file into memory: configs, images, stored values, the hosts file. */
#ifndef QUIP_FILE_READ_H
#define QUIP_FILE_READ_H

#include <stddef.h>
#include <stdint.h>

/** The file's bytes plus a NUL (malloc'd), or NULL with the reason in err (a missing file, one
 *  larger than max bytes, out of memory). */
uint8_t *read_file(const char *path, size_t max, size_t *len, char *err, size_t errcap);

#endif
