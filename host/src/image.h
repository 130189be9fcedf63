/* Firmware images (.qfw, image/image.ts) and their Ed25519 signature trailer (image/signing.ts):
 *
 *   0        8  "QUIPFW01"              12 + N         size  payload
 *   8        4  manifest length N (u32 LE, 2..65536)
 *   12       N  manifest, UTF-8 JSON: format, board, version, buildTime, size, sha256, entry
 *                (native images add "payload": "quickjs-bytecode" and "engine"; absent = JavaScript)
 *   T = 12 + N + size: nothing, or the 80-byte trailer "QUIPSIG1", key id (8), signature (64)
 *                      over bytes 0 .. T + 15.
 *
 * image_read makes the same checks as readImage() in the same order and fails with the same
 * message texts (ImageError.message), so a board reports what the emulator reports. */
#ifndef QUIP_IMAGE_H
#define QUIP_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#define IMAGE_HEADER_BYTES 12
#define IMAGE_MAX_MANIFEST_BYTES 65536
#define IMAGE_TRAILER_BYTES 80
#define IMAGE_BYTECODE_PAYLOAD "quickjs-bytecode"

typedef struct {
  int format;          /* 1 */
  char board[33];      /* a board id: [a-z][a-z0-9-]{0,31} */
  char version[196];   /* UTF-8, 1..64 UTF-16 units as the TS counts them; may hold a NUL: */
  size_t version_len;  /* its length in bytes */
  char entry[256];     /* the global the bundle's exports land on (a JS identifier) */
  char sha256[65];     /* of the payload, lower-case hex */
  char build_time[64]; /* ISO 8601, as in the manifest */
  /* "" for a JavaScript payload, or IMAGE_BYTECODE_PAYLOAD for a native image (`quip build
   * --native`), which then names the QuickJS version the bytecode is for in engine (the caller
   * must refuse other engines; "(too long)" over 127 bytes, "(has NUL)" with a NUL byte). readImage refuses any other
   * payload value, or bytecode without an engine string. */
  char payload_type[32];
  char engine[128];
  const uint8_t *payload; /* points into the image */
  size_t payload_len;
  int signed_image;    /* 1 when the image carries a signature trailer */
  char key_id[17];     /* its key id (hex), "" when unsigned */
  size_t signed_len;   /* bytes the signature covers (T + 16), 0 when unsigned */
} image_info;

/* Checks an image as readImage(bytes, board_id) does (board_id NULL: any board), and when
 * pubkey != NULL (32 raw Ed25519 bytes) its signature as verifyImageSignature does.
 * 0 ok (out filled); -1 with the TS message in err. Refuses (quip-host limit, documented here
 * because the TS has none) an entry name longer than 255 characters. */
int image_read(const uint8_t *bytes, size_t len, const char *board_id, const uint8_t *pubkey, image_info *out,
               char *err, size_t errcap);

/* verifyImageSignature(read, pubkey) for an image image_read accepted: 0 ok, -1 with the message
 * ("unsigned image refused: ...", "image signed by key ...", "bad signature: ..."). */
int image_verify_signature(const uint8_t *bytes, const image_info *info, const uint8_t pubkey[32], char *err,
                           size_t errcap);

/* keyIdOf(pubkey): the first 8 bytes of SHA-256 of the raw key, as 16 hex digits. */
void image_key_id(const uint8_t pubkey[32], char out[17]);

#endif
