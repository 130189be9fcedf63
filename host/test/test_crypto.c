/* Tests for host/src/crypto.c: published vectors (FIPS 180, RFC 1321, RFC 8032 §7.1, RFC 4648)
 * and a cross-check against node:crypto.
 *
 * Build and run from the repository root:
 *   gcc -std=c99 -Wall -Wextra -Werror -fsanitize=address,undefined -g \
 *       host/src/crypto.c host/test/test_crypto.c -o /tmp/test_crypto && /tmp/test_crypto
 * Without arguments the test runs `node host/test/gen_ed25519_vectors.mjs TMPFILE 20` itself
 * (the script path comes from this file's path, so run it from where it was compiled). Where
 * node cannot be started (wine, a board), generate the file first and pass it:
 *   node host/test/gen_ed25519_vectors.mjs /tmp/vectors.txt && /tmp/test_crypto /tmp/vectors.txt */
#include "../src/crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int tests, failures;

static void check(int ok, const char *name) {
  tests++;
  printf("%s %d - %s\n", ok ? "ok" : "not ok", tests, name);
  if (!ok) failures++;
}

#define CHECK(cond, name) check((cond) != 0, name)

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes hex ("-" is empty) into out; the length, or -1 on bad hex or overflow. */
static long unhex(const char *s, uint8_t *out, size_t cap) {
  if (strcmp(s, "-") == 0) return 0;
  size_t n = strlen(s);
  if (n % 2 || n / 2 > cap) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return -1;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return (long)(n / 2);
}

static const char *hexstr(const uint8_t *b, size_t n) { /* one static buffer: use at once */
  static char buf[2 * 64 + 1];
  quip_hex(b, n, buf);
  return buf;
}

/* ---- hashes ----------------------------------------------------------------------------- */

static const char M448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char M896[] =
  "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

enum { MD5, SHA256, SHA512 };

static void digest(int alg, const uint8_t *d, size_t n, uint8_t *out, size_t *outlen) {
  switch (alg) {
    case MD5: quip_md5(d, n, out); *outlen = 16; break;
    case SHA256: quip_sha256(d, n, out); *outlen = 32; break;
    default: quip_sha512(d, n, out); *outlen = 64; break;
  }
}

static void test_hash_vectors(void) {
  static const struct { int alg; const char *msg, *hex, *name; } v[] = {
    {MD5, "", "d41d8cd98f00b204e9800998ecf8427e", "md5 empty"},
    {MD5, "abc", "900150983cd24fb0d6963f7d28e17f72", "md5 abc"},
    {MD5, "message digest", "f96b697d7cb7938d525a2f31aaf161d0", "md5 'message digest' (RFC 1321)"},
    {MD5, M448, "8215ef0796a20bcaaae116d3876c664a", "md5 448-bit message"},
    {MD5, M896, "03dd8807a93175fb062dfb55dc7d359c", "md5 896-bit message"},
    {SHA256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha256 empty"},
    {SHA256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256 abc"},
    {SHA256, M448, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "sha256 448-bit message"},
    {SHA256, M896, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1", "sha256 896-bit message"},
    {SHA512, "",
     "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
     "sha512 empty"},
    {SHA512, "abc",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
     "sha512 abc"},
    {SHA512, M448,
     "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445",
     "sha512 448-bit message"},
    {SHA512, M896,
     "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909",
     "sha512 896-bit message"},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    uint8_t out[64];
    size_t n;
    digest(v[i].alg, (const uint8_t *)v[i].msg, strlen(v[i].msg), out, &n);
    CHECK(strcmp(hexstr(out, n), v[i].hex) == 0, v[i].name);
  }
  uint8_t out[64];
  quip_sha256(NULL, 0, out);
  CHECK(strcmp(hexstr(out, 32), v[5].hex) == 0, "sha256 of (NULL, 0) is the empty digest");
}

/* One million 'a' fed in chunks of odd, changing sizes that straddle the block boundaries. */
static void test_million_a(void) {
  static const size_t chunks[] = {1, 3, 55, 56, 57, 63, 64, 65, 111, 127, 129, 1001, 4097};
  static uint8_t a[4097];
  memset(a, 'a', sizeof a);
  quip_sha256_ctx c256;
  quip_sha512_ctx c512;
  quip_md5_ctx c5;
  quip_sha256_init(&c256);
  quip_sha512_init(&c512);
  quip_md5_init(&c5);
  size_t left = 1000000, k = 0;
  while (left > 0) {
    size_t n = chunks[k++ % (sizeof chunks / sizeof chunks[0])];
    if (n > left) n = left;
    quip_sha256_update(&c256, a, n);
    quip_sha512_update(&c512, a, n);
    quip_md5_update(&c5, a, n);
    left -= n;
  }
  uint8_t out[64];
  quip_sha256_final(&c256, out);
  CHECK(strcmp(hexstr(out, 32), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0,
        "sha256 one million 'a', streamed in odd chunks");
  quip_sha512_final(&c512, out);
  CHECK(strcmp(hexstr(out, 64),
               "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
               "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b") == 0,
        "sha512 one million 'a', streamed in odd chunks");
  quip_md5_final(&c5, out);
  CHECK(strcmp(hexstr(out, 16), "7707d6ae4e027c70eea2a935c2296f21") == 0, "md5 one million 'a', streamed in odd chunks");
}

/* Streaming split at every point equals the one-shot digest, for every length up to 300. */
static void test_stream_splits(void) {
  uint8_t msg[300];
  for (size_t i = 0; i < sizeof msg; i++) msg[i] = (uint8_t)(i * 7 + 3);
  int ok = 1;
  for (size_t n = 0; n <= sizeof msg && ok; n++) {
    uint8_t two[64];
    for (size_t cut = 0; cut <= n; cut += 1 + cut / 8) {
      quip_sha256_ctx c;
      quip_sha256_init(&c);
      quip_sha256_update(&c, msg, cut);
      quip_sha256_update(&c, msg + cut, n - cut);
      quip_sha256_final(&c, two);
      uint8_t ref[64];
      quip_sha256(msg, n, ref);
      if (memcmp(ref, two, 32) != 0) ok = 0;
      quip_sha512_ctx d;
      quip_sha512_init(&d);
      quip_sha512_update(&d, msg, cut);
      quip_sha512_update(&d, msg + cut, n - cut);
      quip_sha512_final(&d, two);
      quip_sha512(msg, n, ref);
      if (memcmp(ref, two, 64) != 0) ok = 0;
      quip_md5_ctx m;
      quip_md5_init(&m);
      quip_md5_update(&m, msg, cut);
      quip_md5_update(&m, msg + cut, n - cut);
      quip_md5_final(&m, two);
      quip_md5(msg, n, ref);
      if (memcmp(ref, two, 16) != 0) ok = 0;
    }
  }
  CHECK(ok, "two-part streaming equals one-shot for all lengths 0..300 (md5, sha256, sha512)");
}

/* ---- CRC-32, hex, base64 ---------------------------------------------------------------- */

static void test_crc_hex(void) {
  const uint8_t *s = (const uint8_t *)"123456789";
  CHECK(quip_crc32(0, s, 9) == 0xCBF43926u, "crc32 '123456789' = 0xCBF43926");
  CHECK(quip_crc32(quip_crc32(0, s, 4), s + 4, 5) == 0xCBF43926u, "crc32 chained in two parts");
  uint32_t c = 0;
  for (int i = 0; i < 9; i++) c = quip_crc32(c, s + i, 1);
  CHECK(c == 0xCBF43926u, "crc32 chained byte by byte");
  CHECK(quip_crc32(0, NULL, 0) == 0, "crc32 of nothing is 0");
  const char *fox = "The quick brown fox jumps over the lazy dog";
  CHECK(quip_crc32(0, (const uint8_t *)fox, strlen(fox)) == 0x414FA339u, "crc32 quick brown fox = 0x414FA339");

  const uint8_t b[] = {0x00, 0x01, 0xab, 0xcd, 0xef, 0xff};
  char out[13];
  memset(out, 'x', sizeof out);
  quip_hex(b, sizeof b, out);
  CHECK(strcmp(out, "0001abcdefff") == 0, "hex is lower-case and NUL-terminated");
  quip_hex(b, 0, out);
  CHECK(out[0] == '\0', "hex of nothing is the empty string");
}

/* A plain encoder, only here to produce round-trip input. */
static size_t b64_encode(const uint8_t *in, size_t n, char *out, int pad) {
  static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
    size_t chars = n - i >= 3 ? 4 : n - i + 1;
    for (size_t k = 0; k < 4; k++) {
      if (k < chars) out[o++] = a[(v >> (18 - 6 * k)) & 63];
      else if (pad) out[o++] = '=';
    }
  }
  out[o] = '\0';
  return o;
}

static void test_base64(void) {
  static const struct { const char *in, *out; } good[] = {
    {"", ""}, {"Zg==", "f"}, {"Zm8=", "fo"}, {"Zm9v", "foo"}, {"Zm9vYg==", "foob"},
    {"Zm9vYmE=", "fooba"}, {"Zm9vYmFy", "foobar"}, {"Zg", "f"}, {"Zm8", "fo"}, {"Zm9vYg", "foob"},
    {"Zm9vYmE", "fooba"}, {"+/+/", "\xfb\xff\xbf"},
  };
  int ok = 1;
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    uint8_t out[16];
    long n = quip_base64_decode(good[i].in, strlen(good[i].in), out, sizeof out);
    if (n != (long)strlen(good[i].out) || memcmp(out, good[i].out, (size_t)n) != 0) {
      printf("# base64 '%s' gave %ld\n", good[i].in, n);
      ok = 0;
    }
  }
  CHECK(ok, "base64 RFC 4648 §10 vectors, padded and unpadded");

  static const char *bad[] = {
    "Z", "Zm9vY", "Zg=", "Zg===", "Z===", "====", "=", "==", "Zm9v=", "Zm9v==", "Zg==Zg==", "Z=g=",
    "Zh==", "Zm9=", "Zh", "Zm 9v", "Zm9v\n", "Zm-v", "Zm_v", "Zm9v\x80", "Zm8==",
  };
  ok = 1;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    uint8_t out[16];
    if (quip_base64_decode(bad[i], strlen(bad[i]), out, sizeof out) != -1) {
      printf("# base64 accepted bad input '%s'\n", bad[i]);
      ok = 0;
    }
  }
  CHECK(ok, "base64 rejects bad characters, misplaced padding, impossible lengths, stray bits");

  {
    uint8_t out[3];
    CHECK(quip_base64_decode("Zm9vYg==", 8, out, 3) == -1, "base64 -1 when cap is too small");
    CHECK(quip_base64_decode("Zm9v", 4, out, 3) == 3, "base64 fits an exact cap");
    CHECK(quip_base64_decode("Zm9vYmFy", 4, out, 3) == 3, "base64 decodes only inlen characters");
    CHECK(quip_base64_decode(NULL, 0, NULL, 0) == 0, "base64 of nothing into nothing is 0");
  }

  uint8_t data[300], back[300];
  char text[405];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 151 + 17);
  ok = 1;
  for (size_t n = 0; n <= sizeof data; n++) {
    for (int pad = 0; pad < 2; pad++) {
      size_t tl = b64_encode(data, n, text, pad);
      long got = quip_base64_decode(text, tl, back, n);
      if (got != (long)n || memcmp(back, data, n) != 0) ok = 0;
    }
  }
  CHECK(ok, "base64 round trip of every length 0..300 and all byte values, with and without padding");
}

/* ---- Ed25519 ---------------------------------------------------------------------------- */

static const char TEST1024_MSG[] =
  "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d8"
  "79de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc"
  "1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e"
  "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7"
  "aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed185ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2"
  "d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270"
  "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b07"
  "07e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128bab27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51a"
  "ddd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7"
  "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8"
  "ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34dff7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08"
  "d78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4"
  "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e"
  "6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5fb93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b5"
  "0d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
  "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0";

static const struct { const char *name, *pub, *msg, *sig; } RFC8032[] = {
  {"TEST 1", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "-",
   "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
  {"TEST 2", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
   "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
  {"TEST 3", "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
   "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
  {"TEST 1024", "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e", TEST1024_MSG,
   "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03"},
};

static const uint8_t L_LE[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
                                 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};

static void add_l(uint8_t s[32]) { /* s += L, little-endian; S < L keeps the sum below 2^254 */
  unsigned carry = 0;
  for (int i = 0; i < 32; i++) {
    unsigned v = s[i] + L_LE[i] + carry;
    s[i] = (uint8_t)v;
    carry = v >> 8;
  }
}

static void test_ed25519_rfc(void) {
  char name[96];
  for (size_t t = 0; t < sizeof RFC8032 / sizeof RFC8032[0]; t++) {
    uint8_t pub[32], sig[64], msg[1024], tmp[1024];
    long mlen = unhex(RFC8032[t].msg, msg, sizeof msg);
    if (unhex(RFC8032[t].pub, pub, 32) != 32 || unhex(RFC8032[t].sig, sig, 64) != 64 || mlen < 0) {
      check(0, "bad test vector hex");
      continue;
    }
    const char *tn = RFC8032[t].name;
    snprintf(name, sizeof name, "ed25519 RFC 8032 %s (%ld-byte message) verifies", tn, mlen);
    CHECK(quip_ed25519_verify(sig, pub, mlen ? msg : NULL, (size_t)mlen) == 1, name);

    /* flipped bits: a few positions each in R, S, the message and the key */
    static const int sig_bits[] = {0, 100, 255, 256, 300, 511};
    int all = 1;
    for (size_t i = 0; i < sizeof sig_bits / sizeof sig_bits[0]; i++) {
      memcpy(tmp, sig, 64);
      tmp[sig_bits[i] / 8] ^= (uint8_t)(1 << (sig_bits[i] % 8));
      if (quip_ed25519_verify(tmp, pub, msg, (size_t)mlen) != 0) all = 0;
    }
    snprintf(name, sizeof name, "ed25519 %s: one flipped bit in sig fails (R and S, 6 positions)", tn);
    CHECK(all, name);

    if (mlen > 0) {
      all = 1;
      for (long bit = 0; bit < mlen * 8; bit += 1 + mlen / 3) {
        memcpy(tmp, msg, (size_t)mlen);
        tmp[bit / 8] ^= (uint8_t)(1 << (bit % 8));
        if (quip_ed25519_verify(sig, pub, tmp, (size_t)mlen) != 0) all = 0;
      }
      snprintf(name, sizeof name, "ed25519 %s: one flipped bit in msg fails", tn);
      CHECK(all, name);
    } else {
      uint8_t one = 0;
      snprintf(name, sizeof name, "ed25519 %s: an added byte fails", tn);
      CHECK(quip_ed25519_verify(sig, pub, &one, 1) == 0, name);
    }

    static const int pub_bits[] = {0, 1, 77, 128, 254, 255};
    all = 1;
    for (size_t i = 0; i < sizeof pub_bits / sizeof pub_bits[0]; i++) {
      memcpy(tmp, pub, 32);
      tmp[pub_bits[i] / 8] ^= (uint8_t)(1 << (pub_bits[i] % 8));
      if (quip_ed25519_verify(sig, tmp, msg, (size_t)mlen) != 0) all = 0;
    }
    snprintf(name, sizeof name, "ed25519 %s: one flipped bit in pub fails (6 positions, sign bit included)", tn);
    CHECK(all, name);

    memcpy(tmp, sig, 64);
    add_l(tmp + 32);
    snprintf(name, sizeof name, "ed25519 %s: S + L (same point maths, non-canonical S) fails", tn);
    CHECK(quip_ed25519_verify(tmp, pub, msg, (size_t)mlen) == 0, name);
  }

  /* Encodings that must not decode (RFC 8032 §5.1.3). The identity point (x = 0, y = 1) as key
   * and R, with S = 0, passes the check [S]B - [h]A = R for any message, so a key that decoded to
   * the identity by mistake would verify: that makes the rejections below observable.
   * (node:crypto / OpenSSL accepts the two malformed keys; RFC 8032 says decoding fails.) */
  uint8_t pub[32], sig[64], bad[32], idsig[64] = {1};
  unhex(RFC8032[0].pub, pub, 32);
  unhex(RFC8032[0].sig, sig, 64);
  memset(bad, 0, 32);
  bad[0] = 1;
  CHECK(quip_ed25519_verify(idsig, bad, (const uint8_t *)"hi", 2) == 1,
        "ed25519 identity key, R = identity, S = 0 verifies (cofactorless, as OpenSSL)");
  bad[31] = 0x80;
  CHECK(quip_ed25519_verify(idsig, bad, (const uint8_t *)"hi", 2) == 0,
        "ed25519 pub x = 0 with the sign bit set does not decode");
  memset(bad, 0xff, 32);
  bad[0] = 0xee;
  bad[31] = 0x7f; /* y = p + 1: a non-canonical 1 */
  CHECK(quip_ed25519_verify(idsig, bad, (const uint8_t *)"hi", 2) == 0,
        "ed25519 pub with y >= p (non-canonical) does not decode");
  memset(bad, 0, 32);
  bad[0] = 1;
  memcpy(idsig, bad, 32);
  idsig[0] = 0xee;
  memset(idsig + 1, 0xff, 30);
  idsig[31] = 0x7f;
  CHECK(quip_ed25519_verify(idsig, bad, (const uint8_t *)"hi", 2) == 0, "ed25519 non-canonical R (y = p + 1) fails");
  memset(bad, 0, 32);
  bad[0] = 2; /* y = 2: (y^2-1)/(d y^2+1) is not a square */
  CHECK(quip_ed25519_verify(sig, bad, NULL, 0) == 0, "ed25519 pub that is not on the curve fails");
  uint8_t s2[64];
  memcpy(s2, sig, 64);
  memset(s2, 0xff, 31);
  s2[31] = 0x7f;
  CHECK(quip_ed25519_verify(s2, pub, NULL, 0) == 0, "ed25519 R that does not decode fails");
  memcpy(s2, sig, 64);
  memcpy(s2 + 32, L_LE, 32);
  CHECK(quip_ed25519_verify(s2, pub, NULL, 0) == 0, "ed25519 S = L fails");
  memset(s2, 0, 64);
  CHECK(quip_ed25519_verify(s2, pub, NULL, 0) == 0, "ed25519 all-zero signature fails");
}

/* ---- cross-check against node:crypto ---------------------------------------------------- */

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap + 1);
  while (buf) {
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (n < cap) break;
    if (cap >= (size_t)64 << 20) { free(buf); buf = NULL; break; } /* not a vectors file */
    char *bigger = realloc(buf, 2 * cap + 1);
    if (!bigger) { free(buf); buf = NULL; break; }
    buf = bigger;
    cap *= 2;
  }
  fclose(f);
  if (buf) { buf[n] = '\0'; *len = n; }
  return buf;
}

static void test_node_vectors(const char *path) {
  size_t len;
  char *text = read_file(path, &len);
  if (!text) {
    printf("# cannot read %s\n", path);
    check(0, "node cross-check: vectors file readable");
    return;
  }
  uint8_t *msg = malloc(len / 2 + 1);
  int ed_cases = 0, ed_valid = 0, ed_bad = 0, hash_cases = 0, hash_bad = 0, parse_bad = 0;
  double slowest = 0, big_ms = -1;
  size_t big_len = 0;
  char *line = text;
  while (msg && line && *line) {
    char *next = strchr(line, '\n');
    if (next) *next++ = '\0';
    char *f[6];
    int nf = 0;
    for (char *p = strtok(line, " \r"); p && nf < 6; p = strtok(NULL, " \r")) f[nf++] = p;
    line = next;
    if (nf == 0) continue;
    if (strcmp(f[0], "ed25519") == 0 && nf == 5) {
      uint8_t pub[32], sig[64];
      long mlen = unhex(f[3], msg, len / 2 + 1);
      if (unhex(f[2], pub, 32) != 32 || unhex(f[4], sig, 64) != 64 || mlen < 0) { parse_bad++; continue; }
      int expect = strcmp(f[1], "1") == 0;
      clock_t t0 = clock();
      int got = quip_ed25519_verify(sig, pub, msg, (size_t)mlen);
      double ms = (double)(clock() - t0) * 1000.0 / CLOCKS_PER_SEC;
      if (ms > slowest) slowest = ms;
      if ((size_t)mlen > big_len) { big_len = (size_t)mlen; big_ms = ms; }
      ed_cases++;
      ed_valid += expect;
      if (got != expect) {
        ed_bad++;
        printf("# ed25519 disagrees with node (node %d, C %d): pub %s, %ld-byte msg\n", expect, got, f[2], mlen);
      }
    } else if (nf == 3 && (strcmp(f[0], "md5") == 0 || strcmp(f[0], "sha256") == 0 ||
                           strcmp(f[0], "sha512") == 0 || strcmp(f[0], "crc32") == 0)) {
      long mlen = unhex(f[1], msg, len / 2 + 1);
      if (mlen < 0) { parse_bad++; continue; }
      char got[129];
      if (strcmp(f[0], "crc32") == 0) {
        snprintf(got, sizeof got, "%08lx", (unsigned long)quip_crc32(0, msg, (size_t)mlen));
      } else {
        uint8_t d[64];
        size_t dn;
        digest(f[0][0] == 'm' ? MD5 : strcmp(f[0], "sha256") == 0 ? SHA256 : SHA512, msg, (size_t)mlen, d, &dn);
        quip_hex(d, dn, got);
      }
      hash_cases++;
      if (strcmp(got, f[2]) != 0) {
        hash_bad++;
        printf("# %s of %ld bytes: C %s, node %s\n", f[0], mlen, got, f[2]);
      }
    } else {
      parse_bad++;
    }
  }
  free(msg);
  free(text);
  char name[160];
  CHECK(parse_bad == 0, "node cross-check: every line parses");
  snprintf(name, sizeof name, "node cross-check: %d ed25519 cases (%d valid) agree with crypto.verify", ed_cases, ed_valid);
  CHECK(ed_bad == 0 && ed_valid >= 20 && ed_cases > ed_valid, name);
  snprintf(name, sizeof name, "node cross-check: %d md5/sha256/sha512/crc32 cases agree with node", hash_cases);
  CHECK(hash_bad == 0 && hash_cases > 0, name);
  snprintf(name, sizeof name, "ed25519 verify of a %lu-byte message took %.1f ms (slowest case %.1f ms, limit 1000)",
           (unsigned long)big_len, big_ms, slowest);
  CHECK(big_len >= 100000 && big_ms < 1000 && slowest < 1000, name);
}

/* Runs the generator next to this source file into a temp file, then checks it. */
static void test_node_generated(void) {
  const char *tmp = getenv("TMPDIR");
  if (!tmp || !*tmp) tmp = getenv("TEMP");
  if (!tmp || !*tmp) tmp = "/tmp";
  char path[512], dir[400], cmd[1200];
  int here;
  snprintf(path, sizeof path, "%s/quip_crypto_vectors_%lu_%lu.txt", tmp, (unsigned long)time(NULL),
           (unsigned long)((uintptr_t)&here >> 4 & 0xffffff));
  snprintf(dir, sizeof dir, "%s", __FILE__);
  char *slash = strrchr(dir, '/');
  if (slash) *slash = '\0';
  else snprintf(dir, sizeof dir, ".");
  snprintf(cmd, sizeof cmd, "node \"%s/gen_ed25519_vectors.mjs\" \"%s\" 20", dir, path);
  printf("# %s\n", cmd);
  fflush(stdout);
  if (system(cmd) != 0) {
    printf("# could not run node; generate the file by hand and pass it as the argument\n");
    check(0, "node cross-check: gen_ed25519_vectors.mjs ran");
    return;
  }
  test_node_vectors(path);
  remove(path);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0); /* a test that dies mid-way still shows how far it got */
  test_hash_vectors();
  test_million_a();
  test_stream_splits();
  test_crc_hex();
  test_base64();
  test_ed25519_rfc();
  if (argc > 1) test_node_vectors(argv[1]);
  else test_node_generated();
  printf("1..%d\n", tests);
  if (failures) printf("# %d of %d failed\n", failures, tests);
  return failures ? 1 : 0;
}
