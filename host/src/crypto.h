/* Hashes, checksums and signature verification for quip-host, in portable C99.
 * MD5 and SHA-256 back the HAL's crypto.md5 / crypto.sha256 (SIP digest auth); SHA-512 and
 * Ed25519 verify signed firmware images (image/signing.ts); CRC-32, hex and base64 are helpers.
 * Nothing here keeps a secret, so nothing here tries to be constant-time. */
#ifndef QUIP_CRYPTO_H
#define QUIP_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

/* ---- MD5 (RFC 1321) --------------------------------------------------------------------- */

typedef struct {
  uint32_t h[4];
  uint64_t bytes; /* message length so far */
  uint8_t buf[64];
  size_t used; /* bytes waiting in buf */
} quip_md5_ctx;

void quip_md5_init(quip_md5_ctx *c);
void quip_md5_update(quip_md5_ctx *c, const uint8_t *data, size_t len);
void quip_md5_final(quip_md5_ctx *c, uint8_t out[16]);
void quip_md5(const uint8_t *data, size_t len, uint8_t out[16]);

/* ---- SHA-256 (FIPS 180-4) --------------------------------------------------------------- */

typedef struct {
  uint32_t h[8];
  uint64_t bytes;
  uint8_t buf[64];
  size_t used;
} quip_sha256_ctx;

void quip_sha256_init(quip_sha256_ctx *c);
void quip_sha256_update(quip_sha256_ctx *c, const uint8_t *data, size_t len);
void quip_sha256_final(quip_sha256_ctx *c, uint8_t out[32]);
void quip_sha256(const uint8_t *data, size_t len, uint8_t out[32]);

/* ---- SHA-512 (FIPS 180-4) --------------------------------------------------------------- */

typedef struct {
  uint64_t h[8];
  uint64_t bytes; /* enough for any message that fits in memory */
  uint8_t buf[128];
  size_t used;
} quip_sha512_ctx;

void quip_sha512_init(quip_sha512_ctx *c);
void quip_sha512_update(quip_sha512_ctx *c, const uint8_t *data, size_t len);
void quip_sha512_final(quip_sha512_ctx *c, uint8_t out[64]);
void quip_sha512(const uint8_t *data, size_t len, uint8_t out[64]);

/* ---- Ed25519 ---------------------------------------------------------------------------- */

/* Pure Ed25519 signature verification (RFC 8032 §5.1.7: SHA-512, no prehash, no context).
   Returns 1 when sig is a valid signature of msg by pub, 0 otherwise (also for non-canonical
   S >= L, or a pub/R that does not decode). msg may be NULL when len is 0. */
int quip_ed25519_verify(const uint8_t sig[64], const uint8_t pub[32], const uint8_t *msg, size_t len);

/* ---- CRC-32, hex, base64 ---------------------------------------------------------------- */

/* CRC-32 as zlib (reflected 0xEDB88320, init and final xor 0xFFFFFFFF); chainable:
   crc = quip_crc32(crc, more, n) starting from 0. */
uint32_t quip_crc32(uint32_t crc, const uint8_t *data, size_t len);

/* Lower-case hex; out must hold 2n+1 chars (NUL-terminated). */
void quip_hex(const uint8_t *in, size_t n, char *out);

/* Standard base64 (RFC 4648, with padding, also accept missing padding); returns decoded length
   or -1 on bad input or when cap is too small. Bad input: a character outside A-Z a-z 0-9 + /
   (whitespace included), '=' anywhere but at the end or more than two of them, a length that no
   encoding has (4k+1 characters, or padding that does not complete a group of four), or
   non-zero unused bits in the last character (so every accepted text has exactly one value). */
long quip_base64_decode(const char *in, size_t inlen, uint8_t *out, size_t cap);

#endif
