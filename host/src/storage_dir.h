/* StorageHal on a directory: one file per key, written atomically (temp file, fsync, rename),
 * with the same key-to-file-name escaping as the emulator's DirectoryStorage
 * (hal/emulator/storage.ts), so one data directory serves both hosts. */
#ifndef QUIP_STORAGE_DIR_H
#define QUIP_STORAGE_DIR_H

#include <stddef.h>

typedef struct storage_dir storage_dir;

/** Opens (creating) dir and removes temp files a crash left; NULL with err on failure. */
storage_dir *storage_dir_open(const char *dir, char *err, size_t errcap);
/** 1 and a malloc'd NUL-terminated value when the key holds one; 0 otherwise. */
int storage_dir_get(storage_dir *s, const char *key, size_t keylen, char **value, size_t *len);
/** 1 when stored; 0 when the key or value is refused or the write failed. */
int storage_dir_set(storage_dir *s, const char *key, size_t keylen, const char *value, size_t len);
void storage_dir_remove(storage_dir *s, const char *key, size_t keylen);
/** Calls cb for every key in sorted order. */
void storage_dir_keys(storage_dir *s, void (*cb)(const char *key, void *ctx), void *ctx);
void storage_dir_close(storage_dir *s);

/** The escaped file name for a key (exposed for tests); 0 on success, -1 when the key is unusable. */
int storage_encode_key(const char *key, size_t keylen, char *out, size_t cap);
/** The key a file name stands for, or -1 when no key encodes to exactly that name. */
int storage_decode_key(const char *name, char *out, size_t cap);

#endif
