#include "storage_dir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_read.h"
#include "plat.h"
#include "utf8.h"

#define MAX_KEY_UNITS 128          /* UTF-16 code units, as the emulator counts */
#define MAX_VALUE_BYTES (256 * 1024)
#define MAX_FILE_NAME 255
#define TEMP_PREFIX ".tmp-"

struct storage_dir {
  char dir[4096];
  unsigned long temp_counter;
};

static int remove_temp(const char *name, void *ctx) {
  storage_dir *s = ctx;
  if (strncmp(name, TEMP_PREFIX, strlen(TEMP_PREFIX)) == 0) {
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", s->dir, name);
    plat_remove(path);
  }
  return 0;
}

storage_dir *storage_dir_open(const char *dir, char *err, size_t errcap) {
  if (strlen(dir) >= 4096) {
    snprintf(err, errcap, "storage directory path too long");
    return NULL;
  }
  if (plat_mkdir_p(dir) != 0) {
    snprintf(err, errcap, "cannot create storage directory %s", dir);
    return NULL;
  }
  storage_dir *s = calloc(1, sizeof *s);
  if (s == NULL) {
    snprintf(err, errcap, "out of memory");
    return NULL;
  }
  strcpy(s->dir, dir);
  plat_list_dir(dir, remove_temp, s);
  return s;
}

static int is_plain(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; }

int storage_encode_key(const char *key, size_t keylen, char *out, size_t cap) {
  static const char hex[] = "0123456789ABCDEF";
  size_t units = 0, n = 0;
  if (keylen == 0 || !utf8_valid_scalar_text((const unsigned char *)key, keylen, &units) || units > MAX_KEY_UNITS) return -1;
  for (size_t i = 0; i < keylen; i++) {
    unsigned char c = (unsigned char)key[i];
    if (n + 4 >= cap) return -1;
    if (is_plain(c) || (c == '.' && i != 0 && i != keylen - 1)) out[n++] = (char)c;
    else if (c >= 'A' && c <= 'Z') {
      out[n++] = '+';
      out[n++] = (char)(c + 32);
    } else {
      out[n++] = '%';
      out[n++] = hex[c >> 4];
      out[n++] = hex[c & 15];
    }
  }
  if (n > MAX_FILE_NAME) return -1;
  out[n] = '\0';
  return 0;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int storage_decode_key(const char *name, char *out, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; name[i] != '\0'; i++) {
    char ch = name[i];
    int byte;
    if (ch == '+' && name[i + 1] >= 'a' && name[i + 1] <= 'z') {
      byte = name[++i] - 32;
    } else if (ch == '%' && hexval(name[i + 1]) >= 0 && name[i + 1] != '\0' && hexval(name[i + 2]) >= 0) {
      byte = hexval(name[i + 1]) * 16 + hexval(name[i + 2]);
      i += 2;
    } else if (is_plain((unsigned char)ch) || ch == '.') {
      byte = (unsigned char)ch;
    } else {
      return -1;
    }
    if (n + 1 >= cap) return -1;
    out[n++] = (char)byte;
  }
  out[n] = '\0';
  char again[MAX_FILE_NAME + 8];
  /* Only the canonical spelling counts, so one key never maps to two files. */
  if (storage_encode_key(out, n, again, sizeof again) != 0 || strcmp(again, name) != 0) return -1;
  return 0;
}

static int file_for(storage_dir *s, const char *key, size_t keylen, char *path, size_t cap) {
  char name[MAX_FILE_NAME + 8];
  if (s == NULL || storage_encode_key(key, keylen, name, sizeof name) != 0) return -1;
  if ((size_t)snprintf(path, cap, "%s/%s", s->dir, name) >= cap) return -1;
  return 0;
}

int storage_dir_get(storage_dir *s, const char *key, size_t keylen, char **value, size_t *len) {
  char path[4400];
  if (file_for(s, key, keylen, path, sizeof path) != 0) return 0;
  char err[128];
  uint8_t *buf = read_file(path, MAX_VALUE_BYTES * 4, len, err, sizeof err);
  if (buf == NULL) return 0;
  *value = (char *)buf;
  return 1;
}

int storage_dir_set(storage_dir *s, const char *key, size_t keylen, const char *value, size_t len) {
  char path[4400], temp[4400];
  size_t units;
  if (file_for(s, key, keylen, path, sizeof path) != 0) return 0;
  if (len > MAX_VALUE_BYTES || !utf8_valid_scalar_text((const unsigned char *)value, len, &units)) return 0;
  snprintf(temp, sizeof temp, "%s/%s%ld-%lu", s->dir, TEMP_PREFIX, plat_pid(), ++s->temp_counter);
  FILE *f = fopen(temp, "wb");
  if (f == NULL) return 0;
  int ok = fwrite(value, 1, len, f) == len && plat_file_sync(f) == 0;
  ok = fclose(f) == 0 && ok;
  if (!ok || plat_replace_file(temp, path) != 0) {
    plat_remove(temp);
    return 0;
  }
  plat_sync_dir(s->dir);
  return 1;
}

void storage_dir_remove(storage_dir *s, const char *key, size_t keylen) {
  char path[4400];
  if (file_for(s, key, keylen, path, sizeof path) != 0) return;
  plat_remove(path);
  plat_sync_dir(s->dir);
}

typedef struct {
  char **keys;
  size_t n, cap;
} key_list;

static int collect(const char *name, void *ctx) {
  key_list *l = ctx;
  char key[1024];
  if (storage_decode_key(name, key, sizeof key) != 0) return 0;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    char **k = realloc(l->keys, cap * sizeof *k);
    if (k == NULL) return 1;
    l->keys = k;
    l->cap = cap;
  }
  size_t len = strlen(key) + 1;
  l->keys[l->n] = malloc(len);
  if (l->keys[l->n] == NULL) return 1;
  memcpy(l->keys[l->n++], key, len);
  return 0;
}

static int by_utf16(const void *a, const void *b) {
  return utf8_compare_as_utf16(*(char *const *)a, *(char *const *)b);
}

void storage_dir_keys(storage_dir *s, void (*cb)(const char *key, void *ctx), void *ctx) {
  key_list l = {0};
  if (s == NULL) return;
  plat_list_dir(s->dir, collect, &l);
  qsort(l.keys, l.n, sizeof *l.keys, by_utf16);
  for (size_t i = 0; i < l.n; i++) {
    cb(l.keys[i], ctx);
    free(l.keys[i]);
  }
  free(l.keys);
}

void storage_dir_close(storage_dir *s) { free(s); }
