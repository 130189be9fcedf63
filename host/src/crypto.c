/* Hashes, checksums and Ed25519 verification (see crypto.h). Written from RFC 1321 (MD5),
 * FIPS 180-4 (SHA-2), RFC 8032 (Ed25519) and RFC 4648 (base64). Multi-byte values are read and
 * written byte by byte, so the code does not depend on the CPU's byte order. */
#include "crypto.h"

#include <limits.h>
#include <string.h>

/* ---- byte order helpers ----------------------------------------------------------------- */

static uint32_t load32_le(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint32_t load32_be(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}
static uint64_t load64_be(const uint8_t *p) {
  return (uint64_t)load32_be(p) << 32 | load32_be(p + 4);
}
static void store32_le(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static void store32_be(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static void store64_be(uint8_t *p, uint64_t v) {
  store32_be(p, (uint32_t)(v >> 32));
  store32_be(p + 4, (uint32_t)v);
}
static uint32_t rotl32(uint32_t x, int n) { return x << n | x >> (32 - n); }
static uint32_t rotr32(uint32_t x, int n) { return x >> n | x << (32 - n); }
static uint64_t rotr64(uint64_t x, int n) { return x >> n | x << (64 - n); }

/* The buffering shared by the three hashes: fills buf, calls compress per full block. */
static void hash_absorb(uint8_t *buf, size_t block, size_t *used, const uint8_t *data, size_t len,
                        void (*compress)(void *state, const uint8_t *blk), void *state) {
  if (len == 0) return; /* data may be NULL then */
  while (len > 0) {
    if (*used == 0 && len >= block) { /* whole blocks straight from the input */
      compress(state, data);
      data += block;
      len -= block;
      continue;
    }
    size_t take = block - *used;
    if (take > len) take = len;
    memcpy(buf + *used, data, take);
    *used += take;
    data += take;
    len -= take;
    if (*used == block) {
      compress(state, buf);
      *used = 0;
    }
  }
}

/* ---- MD5 -------------------------------------------------------------------------------- */

static const uint32_t MD5_K[64] = {
  0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
  0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
  0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
  0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
  0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
  0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
  0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
  0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};
static const int MD5_S[16] = {7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21};

static void md5_compress(void *state, const uint8_t *blk) {
  uint32_t *h = state, m[16];
  for (int i = 0; i < 16; i++) m[i] = load32_le(blk + 4 * i);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
  for (int i = 0; i < 64; i++) {
    uint32_t f;
    int g;
    switch (i / 16) {
      case 0: f = (b & c) | (~b & d); g = i; break;
      case 1: f = (d & b) | (~d & c); g = (5 * i + 1) % 16; break;
      case 2: f = b ^ c ^ d; g = (3 * i + 5) % 16; break;
      default: f = c ^ (b | ~d); g = (7 * i) % 16; break;
    }
    f += a + MD5_K[i] + m[g];
    a = d;
    d = c;
    c = b;
    b += rotl32(f, MD5_S[(i / 16) * 4 + i % 4]);
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d;
}

void quip_md5_init(quip_md5_ctx *c) {
  c->h[0] = 0x67452301; c->h[1] = 0xefcdab89; c->h[2] = 0x98badcfe; c->h[3] = 0x10325476;
  c->bytes = 0;
  c->used = 0;
}

void quip_md5_update(quip_md5_ctx *c, const uint8_t *data, size_t len) {
  c->bytes += len;
  hash_absorb(c->buf, 64, &c->used, data, len, md5_compress, c->h);
}

void quip_md5_final(quip_md5_ctx *c, uint8_t out[16]) {
  uint64_t bits = c->bytes << 3;
  uint8_t pad[72] = {0x80};
  size_t padlen = (c->used < 56 ? 56 : 120) - c->used;
  for (int i = 0; i < 8; i++) pad[padlen + i] = (uint8_t)(bits >> (8 * i)); /* length, little-endian */
  quip_md5_update(c, pad, padlen + 8);
  for (int i = 0; i < 4; i++) store32_le(out + 4 * i, c->h[i]);
}

void quip_md5(const uint8_t *data, size_t len, uint8_t out[16]) {
  quip_md5_ctx c;
  quip_md5_init(&c);
  quip_md5_update(&c, data, len);
  quip_md5_final(&c, out);
}

/* ---- SHA-256 ---------------------------------------------------------------------------- */

static const uint32_t SHA256_K[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static void sha256_compress(void *state, const uint8_t *blk) {
  uint32_t *h = state, w[64];
  for (int i = 0; i < 16; i++) w[i] = load32_be(blk + 4 * i);
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = rotr32(w[i - 15], 7) ^ rotr32(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotr32(w[i - 2], 17) ^ rotr32(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = k + (rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25)) + ((e & f) ^ (~e & g)) + SHA256_K[i] + w[i];
    uint32_t t2 = (rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    k = g; g = f; f = e; e = d + t1;
    d = c; c = b; b = a; a = t1 + t2;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

void quip_sha256_init(quip_sha256_ctx *c) {
  static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(c->h, iv, sizeof iv);
  c->bytes = 0;
  c->used = 0;
}

void quip_sha256_update(quip_sha256_ctx *c, const uint8_t *data, size_t len) {
  c->bytes += len;
  hash_absorb(c->buf, 64, &c->used, data, len, sha256_compress, c->h);
}

void quip_sha256_final(quip_sha256_ctx *c, uint8_t out[32]) {
  uint64_t bits = c->bytes << 3;
  uint8_t pad[72] = {0x80};
  size_t padlen = (c->used < 56 ? 56 : 120) - c->used;
  store64_be(pad + padlen, bits);
  quip_sha256_update(c, pad, padlen + 8);
  for (int i = 0; i < 8; i++) store32_be(out + 4 * i, c->h[i]);
}

void quip_sha256(const uint8_t *data, size_t len, uint8_t out[32]) {
  quip_sha256_ctx c;
  quip_sha256_init(&c);
  quip_sha256_update(&c, data, len);
  quip_sha256_final(&c, out);
}

/* ---- SHA-512 ---------------------------------------------------------------------------- */

static const uint64_t SHA512_K[80] = {
  0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc, 0x3956c25bf348b538,
  0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118, 0xd807aa98a3030242, 0x12835b0145706fbe,
  0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2, 0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235,
  0xc19bf174cf692694, 0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
  0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5, 0x983e5152ee66dfab,
  0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4, 0xc6e00bf33da88fc2, 0xd5a79147930aa725,
  0x06ca6351e003826f, 0x142929670a0e6e70, 0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed,
  0x53380d139d95b3df, 0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
  0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30, 0xd192e819d6ef5218,
  0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8, 0x19a4c116b8d2d0c8, 0x1e376c085141ab53,
  0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8, 0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373,
  0x682e6ff3d6b2b8a3, 0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
  0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b, 0xca273eceea26619c,
  0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178, 0x06f067aa72176fba, 0x0a637dc5a2c898a6,
  0x113f9804bef90dae, 0x1b710b35131c471b, 0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc,
  0x431d67c49c100d4c, 0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
};

static void sha512_compress(void *state, const uint8_t *blk) {
  uint64_t *h = state, w[80];
  for (int i = 0; i < 16; i++) w[i] = load64_be(blk + 8 * i);
  for (int i = 16; i < 80; i++) {
    uint64_t s0 = rotr64(w[i - 15], 1) ^ rotr64(w[i - 15], 8) ^ (w[i - 15] >> 7);
    uint64_t s1 = rotr64(w[i - 2], 19) ^ rotr64(w[i - 2], 61) ^ (w[i - 2] >> 6);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint64_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
  for (int i = 0; i < 80; i++) {
    uint64_t t1 = k + (rotr64(e, 14) ^ rotr64(e, 18) ^ rotr64(e, 41)) + ((e & f) ^ (~e & g)) + SHA512_K[i] + w[i];
    uint64_t t2 = (rotr64(a, 28) ^ rotr64(a, 34) ^ rotr64(a, 39)) + ((a & b) ^ (a & c) ^ (b & c));
    k = g; g = f; f = e; e = d + t1;
    d = c; c = b; b = a; a = t1 + t2;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

void quip_sha512_init(quip_sha512_ctx *c) {
  static const uint64_t iv[8] = {0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b,
                                 0xa54ff53a5f1d36f1, 0x510e527fade682d1, 0x9b05688c2b3e6c1f,
                                 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179};
  memcpy(c->h, iv, sizeof iv);
  c->bytes = 0;
  c->used = 0;
}

void quip_sha512_update(quip_sha512_ctx *c, const uint8_t *data, size_t len) {
  c->bytes += len;
  hash_absorb(c->buf, 128, &c->used, data, len, sha512_compress, c->h);
}

void quip_sha512_final(quip_sha512_ctx *c, uint8_t out[64]) {
  uint8_t pad[144] = {0x80};
  size_t padlen = (c->used < 112 ? 112 : 240) - c->used;
  /* 128-bit big-endian bit length: the high half holds the 3 bits shifted out of bytes */
  store64_be(pad + padlen, c->bytes >> 61);
  store64_be(pad + padlen + 8, c->bytes << 3);
  quip_sha512_update(c, pad, padlen + 16);
  for (int i = 0; i < 8; i++) store64_be(out + 8 * i, c->h[i]);
}

void quip_sha512(const uint8_t *data, size_t len, uint8_t out[64]) {
  quip_sha512_ctx c;
  quip_sha512_init(&c);
  quip_sha512_update(&c, data, len);
  quip_sha512_final(&c, out);
}

/* ---- field arithmetic mod p = 2^255 - 19 -------------------------------------------------
 * An element is 16 limbs of 16 bits, value = sum l[i] * 2^(16 i), in int64_t so that products
 * and their sums have headroom. Every limb is kept non-negative (subtraction adds 4p first),
 * so no shift ever sees a negative number. After fe_carry every limb is below 2^16 + 38, so a
 * product term is below 2^33 and a column sum (16 terms, the high half folded in times 38)
 * stays below 2^42. */

typedef int64_t fe[16];

static const int64_t P_LIMBS[16] = {0xffed, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff,
                                    0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0x7fff};

/* One carry pass; the carry out of limb 15 is worth 2^256 = 38 (mod p) and goes to limb 0. */
static void fe_carry_pass(fe o) {
  for (int i = 0; i < 16; i++) {
    int64_t c = o[i] >> 16;
    o[i] &= 0xffff;
    if (i < 15) o[i + 1] += c;
    else o[0] += 38 * c;
  }
}

/* Two passes: limbs 1..15 end below 2^16 and limb 0 below 2^16 + 38. */
static void fe_carry(fe o) {
  fe_carry_pass(o);
  fe_carry_pass(o);
}

static void fe_set(fe o, uint32_t v) {
  memset(o, 0, sizeof(fe));
  o[0] = v & 0xffff;
  o[1] = v >> 16;
}

static void fe_copy(fe o, const fe a) { memcpy(o, a, sizeof(fe)); }

static void fe_add(fe o, const fe a, const fe b) {
  for (int i = 0; i < 16; i++) o[i] = a[i] + b[i];
  fe_carry(o);
}

/* a - b + 4p: each limb of 4p (0x3ffb4, 0x3fffc..., 0x1fffc) exceeds any carried limb of b. */
static void fe_sub(fe o, const fe a, const fe b) {
  for (int i = 0; i < 16; i++) o[i] = a[i] + 4 * P_LIMBS[i] - b[i];
  fe_carry(o);
}

static void fe_neg(fe o, const fe a) {
  fe zero;
  fe_set(zero, 0);
  fe_sub(o, zero, a);
}

/* o may alias a or b: all products are formed before o is written. */
static void fe_mul(fe o, const fe a, const fe b) {
  int64_t t[31];
  memset(t, 0, sizeof t);
  for (int i = 0; i < 16; i++)
    for (int j = 0; j < 16; j++) t[i + j] += a[i] * b[j];
  for (int i = 0; i < 15; i++) t[i] += 38 * t[i + 16]; /* 2^256 = 38 (mod p) */
  for (int i = 0; i < 16; i++) o[i] = t[i];
  fe_carry(o);
}

static void fe_sq(fe o, const fe a) { fe_mul(o, a, a); }

/* a^e for a 256-bit little-endian exponent (square and multiply, from the top bit). */
static void fe_pow(fe o, const fe a, const uint8_t e[32]) {
  fe r, base;
  fe_copy(base, a);
  fe_set(r, 1);
  for (int i = 255; i >= 0; i--) {
    fe_sq(r, r);
    if ((e[i / 8] >> (i % 8)) & 1) fe_mul(r, r, base);
  }
  fe_copy(o, r);
}

/* The exponents used below all have the form 2^k - small: 0xff bytes between two ends. */
static void exponent(uint8_t e[32], uint8_t low, uint8_t high) {
  memset(e, 0xff, 32);
  e[0] = low;
  e[31] = high;
}

static void fe_inv(fe o, const fe a) { /* a^(p-2), Fermat */
  uint8_t e[32];
  exponent(e, 0xeb, 0x7f);
  fe_pow(o, a, e);
}

/* The unique representative in [0, p), as 32 little-endian bytes. */
static void fe_pack(uint8_t out[32], const fe a) {
  int64_t t[16];
  memcpy(t, a, sizeof t);
  fe_carry(t);
  fe_carry_pass(t); /* now every limb is below 2^16, so t < 2^256 = 2p + 38 */
  for (int k = 0; k < 2; k++) { /* subtract p while t >= p */
    int64_t m[16], borrow = 0;
    for (int i = 0; i < 16; i++) {
      int64_t d = t[i] - P_LIMBS[i] - borrow;
      borrow = d < 0;
      m[i] = d + (borrow ? 0x10000 : 0);
    }
    if (!borrow) memcpy(t, m, sizeof t);
  }
  for (int i = 0; i < 16; i++) {
    out[2 * i] = (uint8_t)(t[i] & 0xff);
    out[2 * i + 1] = (uint8_t)(t[i] >> 8);
  }
}

/* Bit 255 is ignored (it is the sign of x in a point encoding). */
static void fe_unpack(fe o, const uint8_t in[32]) {
  for (int i = 0; i < 16; i++) o[i] = in[2 * i] | (int64_t)in[2 * i + 1] << 8;
  o[15] &= 0x7fff;
}

static int fe_equal(const fe a, const fe b) {
  uint8_t x[32], y[32];
  fe_pack(x, a);
  fe_pack(y, b);
  return memcmp(x, y, 32) == 0;
}

static int fe_is_odd(const fe a) {
  uint8_t x[32];
  fe_pack(x, a);
  return x[0] & 1;
}

static int fe_is_zero(const fe a) {
  static const uint8_t zero[32];
  uint8_t x[32];
  fe_pack(x, a);
  return memcmp(x, zero, 32) == 0;
}

/* ---- the edwards25519 group: -x^2 + y^2 = 1 + d x^2 y^2 ------------------------------------ */

typedef struct { fe X, Y, Z, T; } ge; /* extended coordinates: x = X/Z, y = Y/Z, x y = T/Z */

typedef struct {
  fe d, d2, sqrtm1;
  ge base;
} curve;

/* RFC 8032 §5.1.3. 0 when s is not the encoding of a curve point (y >= p, no square root, or
 * x = 0 with the sign bit set). */
static int ge_decode(ge *p, const uint8_t s[32], const curve *k) {
  fe y, y2, u, v, v3, v7, x, t, one;
  uint8_t e[32], check[32];
  fe_unpack(y, s);
  fe_pack(check, y);
  if (memcmp(check, s, 31) != 0 || check[31] != (s[31] & 0x7f)) return 0; /* y >= p */
  fe_set(one, 1);
  fe_sq(y2, y);
  fe_sub(u, y2, one);    /* u = y^2 - 1 */
  fe_mul(v, k->d, y2);
  fe_add(v, v, one);     /* v = d y^2 + 1 */
  fe_sq(v3, v);
  fe_mul(v3, v3, v);     /* v^3 */
  fe_sq(v7, v3);
  fe_mul(v7, v7, v);     /* v^7 */
  fe_mul(t, u, v7);
  exponent(e, 0xfd, 0x0f); /* (p - 5) / 8 = 2^252 - 3 */
  fe_pow(t, t, e);
  fe_mul(x, u, v3);
  fe_mul(x, x, t);       /* candidate x = u v^3 (u v^7)^((p-5)/8) */
  fe_sq(t, x);
  fe_mul(t, t, v);       /* v x^2 */
  if (!fe_equal(t, u)) {
    fe_neg(u, u);
    if (!fe_equal(t, u)) return 0; /* u/v is not a square */
    fe_mul(x, x, k->sqrtm1);
  }
  int sign = s[31] >> 7;
  if (fe_is_zero(x) && sign) return 0;
  if (fe_is_odd(x) != sign) fe_neg(x, x);
  fe_copy(p->X, x);
  fe_copy(p->Y, y);
  fe_set(p->Z, 1);
  fe_mul(p->T, x, y);
  return 1;
}

static void ge_encode(uint8_t out[32], const ge *p) {
  fe zi, x, y;
  fe_inv(zi, p->Z);
  fe_mul(x, p->X, zi);
  fe_mul(y, p->Y, zi);
  fe_pack(out, y);
  out[31] |= (uint8_t)(fe_is_odd(x) << 7);
}

static void ge_identity(ge *p) {
  fe_set(p->X, 0);
  fe_set(p->Y, 1);
  fe_set(p->Z, 1);
  fe_set(p->T, 0);
}

/* RFC 8032 §5.1.4 addition; complete (valid for any two points, doubling included). o may
 * alias a or b. */
static void ge_add(ge *o, const ge *a, const ge *b, const curve *k) {
  fe A, B, C, D, E, F, G, H, t;
  fe_sub(A, a->Y, a->X);
  fe_sub(t, b->Y, b->X);
  fe_mul(A, A, t);
  fe_add(B, a->Y, a->X);
  fe_add(t, b->Y, b->X);
  fe_mul(B, B, t);
  fe_mul(C, a->T, b->T);
  fe_mul(C, C, k->d2);
  fe_mul(D, a->Z, b->Z);
  fe_add(D, D, D);
  fe_sub(E, B, A);
  fe_sub(F, D, C);
  fe_add(G, D, C);
  fe_add(H, B, A);
  fe_mul(o->X, E, F);
  fe_mul(o->Y, G, H);
  fe_mul(o->T, E, H);
  fe_mul(o->Z, F, G);
}

/* RFC 8032 §5.1.4 doubling. */
static void ge_double(ge *o, const ge *a) {
  fe A, B, C, E, F, G, H, t;
  fe_sq(A, a->X);
  fe_sq(B, a->Y);
  fe_sq(C, a->Z);
  fe_add(C, C, C);
  fe_add(H, A, B);
  fe_add(t, a->X, a->Y);
  fe_sq(t, t);
  fe_sub(E, H, t);
  fe_sub(G, A, B);
  fe_add(F, C, G);
  fe_mul(o->X, E, F);
  fe_mul(o->Y, G, H);
  fe_mul(o->T, E, H);
  fe_mul(o->Z, F, G);
}

/* The constants, derived rather than typed in: d = -121665/121666, sqrt(-1) = 2^((p-1)/4)
 * (2 is not a square mod p), and the base point B: y = 4/5 with x even. Costs a few field
 * exponentiations per verification, small next to the scalar multiplication. */
static void curve_init(curve *k) {
  fe a, b;
  uint8_t e[32];
  fe_set(a, 121665);
  fe_neg(a, a);
  fe_set(b, 121666);
  fe_inv(b, b);
  fe_mul(k->d, a, b);
  fe_add(k->d2, k->d, k->d);
  fe_set(a, 2);
  exponent(e, 0xfb, 0x1f); /* (p - 1) / 4 = 2^253 - 5 */
  fe_pow(k->sqrtm1, a, e);
  fe_set(a, 4);
  fe_set(b, 5);
  fe_inv(b, b);
  fe_mul(a, a, b);
  fe_pack(e, a); /* encoding of y = 4/5 with sign bit 0 */
  (void)ge_decode(&k->base, e, k);
}

/* ---- scalars mod L = 2^252 + 27742317777372353535851937790883648493 ---------------------- */

static const uint8_t L_BYTES[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                    0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                    0, 0, 0, 0, 0, 0x10};

/* 1 when the 32-byte little-endian s is below L. */
static int scalar_is_canonical(const uint8_t s[32]) {
  for (int i = 31; i >= 0; i--) {
    if (s[i] != L_BYTES[i]) return s[i] < L_BYTES[i];
  }
  return 0; /* s == L */
}

/* A 512-bit little-endian number mod L, by binary long division (speed is irrelevant: once
 * per verification). The remainder r stays below L < 2^253, so 2r + 1 fits in 8 words. */
static void scalar_reduce(uint8_t out[32], const uint8_t in[64]) {
  uint32_t r[8] = {0}, l[8];
  for (int i = 0; i < 8; i++) l[i] = load32_le(L_BYTES + 4 * i);
  for (int bit = 511; bit >= 0; bit--) {
    for (int i = 7; i > 0; i--) r[i] = r[i] << 1 | r[i - 1] >> 31;
    r[0] = r[0] << 1 | ((in[bit / 8] >> (bit % 8)) & 1);
    int ge_l = 1; /* r >= L ? */
    for (int i = 7; i >= 0; i--) {
      if (r[i] != l[i]) { ge_l = r[i] > l[i]; break; }
    }
    if (ge_l) {
      uint32_t borrow = 0;
      for (int i = 0; i < 8; i++) {
        uint64_t d = (uint64_t)r[i] - l[i] - borrow;
        r[i] = (uint32_t)d;
        borrow = (uint32_t)(d >> 63);
      }
    }
  }
  for (int i = 0; i < 8; i++) store32_le(out + 4 * i, r[i]);
}

static int scalar_bit(const uint8_t s[32], int i) { return (s[i / 8] >> (i % 8)) & 1; }

/* ---- verification (RFC 8032 §5.1.7) ----------------------------------------------------- */

int quip_ed25519_verify(const uint8_t sig[64], const uint8_t pub[32], const uint8_t *msg, size_t len) {
  const uint8_t *r_enc = sig, *s = sig + 32;
  if (!scalar_is_canonical(s)) return 0;

  curve k;
  curve_init(&k);
  ge a;
  if (!ge_decode(&a, pub, &k)) return 0;

  /* h = SHA-512(R || A || M) mod L, over the encodings exactly as given */
  uint8_t digest[64], h[32];
  quip_sha512_ctx hc;
  quip_sha512_init(&hc);
  quip_sha512_update(&hc, r_enc, 32);
  quip_sha512_update(&hc, pub, 32);
  quip_sha512_update(&hc, msg, len);
  quip_sha512_final(&hc, digest);
  scalar_reduce(h, digest);

  /* [S]B + [h](-A) by one shared double-and-add chain (Straus): table[i] is the point to add
   * for bit pair (bit of S, bit of h) = (i & 1, i >> 1). */
  ge table[4];
  ge_identity(&table[0]);
  table[1] = k.base;
  table[2] = a;
  fe_neg(table[2].X, a.X);
  fe_neg(table[2].T, a.T);
  ge_add(&table[3], &table[1], &table[2], &k);
  ge acc;
  ge_identity(&acc);
  for (int i = 252; i >= 0; i--) { /* S < L < 2^253 and h < L */
    ge_double(&acc, &acc);
    int idx = scalar_bit(s, i) | scalar_bit(h, i) << 1;
    if (idx) ge_add(&acc, &acc, &table[idx], &k);
  }

  /* Compare encodings, the check OpenSSL (node:crypto, image/signing.ts) makes. ge_encode
   * always yields a canonical encoding of a curve point, so an R that does not decode (or is
   * not canonical) can never match. */
  uint8_t check[32];
  ge_encode(check, &acc);
  return memcmp(check, r_enc, 32) == 0;
}

/* ---- CRC-32, hex, base64 ---------------------------------------------------------------- */

/* The reflected 0xEDB88320 CRC of each 4-bit value: two lookups per byte, a 64-byte table. */
static const uint32_t CRC_NIBBLE[16] = {
  0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
  0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c, 0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

uint32_t quip_crc32(uint32_t crc, const uint8_t *data, size_t len) {
  crc = ~crc;
  for (size_t i = 0; i < len; i++) {
    crc ^= data[i];
    crc = crc >> 4 ^ CRC_NIBBLE[crc & 15];
    crc = crc >> 4 ^ CRC_NIBBLE[crc & 15];
  }
  return ~crc;
}

void quip_hex(const uint8_t *in, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * n] = '\0';
}

static int b64_value(char ch) {
  if (ch >= 'A' && ch <= 'Z') return ch - 'A';
  if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9') return ch - '0' + 52;
  if (ch == '+') return 62;
  if (ch == '/') return 63;
  return -1;
}

long quip_base64_decode(const char *in, size_t inlen, uint8_t *out, size_t cap) {
  size_t pad = 0;
  while (pad < inlen && in[inlen - 1 - pad] == '=') pad++;
  size_t m = inlen - pad; /* data characters */
  if (pad > 2 || m % 4 == 1) return -1;
  if (pad > 0 && (inlen % 4 != 0 || m % 4 == 0)) return -1; /* padding must complete a group */
  size_t outlen = m / 4 * 3 + (m % 4 ? m % 4 - 1 : 0);
  if (outlen > cap || outlen > (size_t)LONG_MAX) return -1;

  size_t o = 0;
  uint32_t acc = 0;
  for (size_t i = 0; i < m; i++) {
    int v = b64_value(in[i]);
    if (v < 0) return -1; /* also a '=' before the end */
    acc = acc << 6 | (uint32_t)v;
    if (i % 4 == 3) {
      out[o++] = (uint8_t)(acc >> 16);
      out[o++] = (uint8_t)(acc >> 8);
      out[o++] = (uint8_t)acc;
      acc = 0;
    }
  }
  switch (m % 4) { /* a partial last group: its unused low bits must be zero */
    case 2:
      if (acc & 0xf) return -1;
      out[o++] = (uint8_t)(acc >> 4);
      break;
    case 3:
      if (acc & 0x3) return -1;
      out[o++] = (uint8_t)(acc >> 10);
      out[o++] = (uint8_t)(acc >> 2);
      break;
    default:
      break;
  }
  return (long)o;
}
