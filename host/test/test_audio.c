/* Unit tests for host/src/wav.c and host/src/audio.c (mirrors test/emulator/wav.test.ts and
 * audio.test.ts). With QUIP_NODE_REPO=/path/to/repo set, also runs the same scripted sessions
 * through the Node WavAudio (node --import=tsx) and compares the bytes both produce. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/audio.h"
#include "../src/wav.h"

static int failures, test_no;
static const char *current;

#define CHECK(cond)                                                                 \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      fprintf(stderr, "# %s: %s:%d: CHECK(%s)\n", current, __FILE__, __LINE__, #cond); \
      ok = 0;                                                                       \
    }                                                                               \
  } while (0)

#define TEST(name) static void name(int *ok_out)
#define BEGIN int ok = 1
#define END *ok_out = ok

static void run(void (*fn)(int *), const char *name) {
  int ok = 1;
  current = name;
  fn(&ok);
  test_no++;
  printf("%s %d - %s\n", ok ? "ok" : "not ok", test_no, name);
  fflush(stdout);
  if (!ok) failures++;
}

/* ---- helpers ------------------------------------------------------------------------------ */

static char tmp_dir[512];

/* A path in the temp directory; every one handed out is removed at exit. */
static char made[64][600];
static int nmade;

static const char *tmp_path(const char *name) {
  char p[600];
  int i;
  snprintf(p, sizeof p, "%s/quip-test-audio-%s", tmp_dir, name);
  for (i = 0; i < nmade; i++)
    if (strcmp(made[i], p) == 0) return made[i];
  if (nmade == 64) abort();
  memcpy(made[nmade], p, sizeof p);
  return made[nmade++];
}

static void remove_tmp_files(void) {
  int i;
  for (i = 0; i < nmade; i++) remove(made[i]);
}

typedef struct {
  uint8_t b[1 << 16];
  size_t n;
} buf_t;

static void put(buf_t *b, const void *p, size_t n) {
  memcpy(b->b + b->n, p, n);
  b->n += n;
}
static void put16(buf_t *b, unsigned v) {
  uint8_t x[2];
  x[0] = (uint8_t)(v & 0xFF);
  x[1] = (uint8_t)((v >> 8) & 0xFF);
  put(b, x, 2);
}
static void put32(buf_t *b, uint32_t v) {
  put16(b, v & 0xFFFF);
  put16(b, v >> 16);
}
static void riff_begin(buf_t *b) {
  b->n = 0;
  put(b, "RIFF\0\0\0\0WAVE", 12);
}
static void riff_end(buf_t *b) {
  uint32_t size = (uint32_t)(b->n - 8);
  b->b[4] = (uint8_t)size;
  b->b[5] = (uint8_t)(size >> 8);
  b->b[6] = (uint8_t)(size >> 16);
  b->b[7] = (uint8_t)(size >> 24);
}
/* A chunk, with its pad byte when odd. */
static void chunk(buf_t *b, const char *id, const void *body, size_t len) {
  put(b, id, 4);
  put32(b, (uint32_t)len);
  put(b, body, len);
  if (len & 1) put(b, "", 1);
}
static void fmt(buf_t *b, unsigned tag, unsigned ch, uint32_t rate, unsigned bits, const uint8_t *extra, size_t nx) {
  buf_t f;
  unsigned block = ch * bits / 8;
  f.n = 0;
  put16(&f, tag);
  put16(&f, ch);
  put32(&f, rate);
  put32(&f, rate * block);
  put16(&f, block);
  put16(&f, bits);
  if (nx) put(&f, extra, nx);
  chunk(b, "fmt ", f.b, f.n);
}
static void data16(buf_t *b, const int *v, size_t n) {
  buf_t d;
  size_t i;
  d.n = 0;
  for (i = 0; i < n; i++) put16(&d, (unsigned)(v[i] & 0xFFFF));
  chunk(b, "data", d.b, d.n);
}

static int write_file(const char *path, const uint8_t *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) return -1;
  if (fwrite(p, 1, n, f) != n) {
    fclose(f);
    return -1;
  }
  return fclose(f);
}

/* Whole file into a malloc'd buffer; NULL if missing. */
static uint8_t *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  uint8_t *p = NULL;
  size_t cap = 0;
  *n = 0;
  if (f == NULL) return NULL;
  for (;;) {
    size_t got;
    if (*n == cap) {
      cap = cap ? cap * 2 : 4096;
      p = (uint8_t *)realloc(p, cap);
    }
    got = fread(p + *n, 1, cap - *n, f);
    if (got == 0) break;
    *n += got;
  }
  fclose(f);
  return p;
}

/* Parses a buffer from an exact-size heap copy, so ASan sees any read past the end. */
static int parse_copy(const uint8_t *p, size_t n, wav_audio *out, char *err, size_t cap) {
  uint8_t *copy = (uint8_t *)malloc(n ? n : 1);
  int rc;
  memcpy(copy, p, n);
  rc = wav_parse(copy, n, out, err, cap);
  free(copy);
  return rc;
}

static int samples_are(const wav_audio *w, const int *v, size_t n) {
  size_t i;
  if (w->count != n) return 0;
  for (i = 0; i < n; i++)
    if (w->samples[i] != v[i]) return 0;
  return 1;
}

/* A mono 16-bit file whose samples count up from first. */
static const char *ramp_wav(const char *name, size_t n, uint32_t rate, int first) {
  const char *path = tmp_path(name);
  wav_writer *w = wav_writer_open(path, rate, 0, 0, NULL, 0);
  size_t i;
  for (i = 0; i < n; i++) {
    int16_t s = (int16_t)(first + (int)i);
    wav_writer_write_samples(w, &s, 1);
  }
  wav_writer_close(w, NULL, 0);
  return path;
}

static void le_samples(const uint8_t *pcm, size_t bytes, int *out) {
  size_t i;
  for (i = 0; i < bytes / 2; i++) {
    unsigned v = (unsigned)pcm[2 * i] | ((unsigned)pcm[2 * i + 1] << 8);
    out[i] = v >= 0x8000u ? (int)v - 65536 : (int)v;
  }
}

static void fill_pcm(uint8_t *pcm, size_t n, int value) {
  size_t i;
  for (i = 0; i < n; i++) {
    pcm[2 * i] = (uint8_t)(value & 0xFF);
    pcm[2 * i + 1] = (uint8_t)((value >> 8) & 0xFF);
  }
}

static void ramp_pcm(uint8_t *pcm, size_t n, int first) {
  size_t i;
  for (i = 0; i < n; i++) {
    int v = first + (int)i;
    pcm[2 * i] = (uint8_t)(v & 0xFF);
    pcm[2 * i + 1] = (uint8_t)((v >> 8) & 0xFF);
  }
}

/* Node's manual tick(): the frame due now, then this period's playback recorded. */
static size_t tick(quip_audio *a, uint8_t *buf) {
  size_t n = audio_take_frame(a, audio_next_due(a), buf, AUDIO_MAX_FRAME_BYTES);
  audio_record_played(a);
  return n;
}

static uint8_t frame[AUDIO_MAX_FRAME_BYTES];
static int ints[AUDIO_MAX_FRAME_BYTES];

static int read_output(const char *path, wav_audio *w) {
  char err[200];
  return wav_read_file(path, w, err, sizeof err);
}

/* ---- wav.c ---------------------------------------------------------------------------------- */

TEST(g711_values) {
  static const uint8_t ucodes[] = {0xff, 0x7f, 0x80, 0x00, 0xef, 0x6f, 0xfe};
  static const int ulin[] = {0, 0, 32124, -32124, 132, -132, 8};
  static const uint8_t acodes[] = {0xd5, 0x55, 0xaa, 0x2a, 0xc5};
  static const int alin[] = {8, -8, 32256, -32256, 264};
  size_t i;
  buf_t b;
  wav_audio w;
  char err[200];
  BEGIN;
  for (i = 0; i < sizeof ucodes; i++) CHECK(wav_ulaw_to_linear(ucodes[i]) == ulin[i]);
  for (i = 0; i < sizeof acodes; i++) CHECK(wav_alaw_to_linear(acodes[i]) == alin[i]);
  riff_begin(&b);
  fmt(&b, 7, 1, 8000, 8, NULL, 0);
  chunk(&b, "data", ucodes, sizeof ucodes);
  riff_end(&b);
  CHECK(write_file(tmp_path("ulaw.wav"), b.b, b.n) == 0);
  CHECK(wav_read_file(tmp_path("ulaw.wav"), &w, err, sizeof err) == 0);
  CHECK(w.rate == 8000 && w.channels == 1 && samples_are(&w, ulin, 7));
  wav_free(&w);
  riff_begin(&b);
  fmt(&b, 6, 1, 8000, 8, NULL, 0);
  chunk(&b, "data", acodes, sizeof acodes);
  riff_end(&b);
  CHECK(write_file(tmp_path("alaw.wav"), b.b, b.n) == 0);
  CHECK(wav_read_file(tmp_path("alaw.wav"), &w, err, sizeof err) == 0);
  CHECK(samples_are(&w, alin, 5));
  wav_free(&w);
  END;
}

TEST(pcm16_roundtrip_and_8bit) {
  static const int v[] = {0, 1, -1, 32767, -32768, 1234, -4321};
  static const uint8_t u8[] = {0, 128, 255, 129};
  static const int u8lin[] = {-32768, 0, 32512, 256};
  const char *path = tmp_path("pcm16.wav");
  wav_writer *wr;
  wav_audio w;
  char err[200];
  size_t i, n;
  uint8_t *bytes;
  buf_t b;
  BEGIN;
  wr = wav_writer_open(path, 16000, 0, 0, err, sizeof err);
  CHECK(wr != NULL);
  for (i = 0; i < 7; i++) {
    int16_t s = (int16_t)v[i];
    CHECK(wav_writer_write_samples(wr, &s, 1) == 0);
  }
  CHECK(wav_writer_close(wr, err, sizeof err) == 0);
  bytes = slurp(path, &n);
  CHECK(n == 44 + 14);
  CHECK(wav_parse(bytes, n, &w, err, sizeof err) == 0);
  CHECK(w.rate == 16000 && w.channels == 1 && samples_are(&w, v, 7));
  wav_free(&w);
  free(bytes);
  riff_begin(&b);
  fmt(&b, 1, 1, 8000, 8, NULL, 0);
  chunk(&b, "data", u8, 4);
  riff_end(&b);
  CHECK(parse_copy(b.b, b.n, &w, err, sizeof err) == 0 && samples_are(&w, u8lin, 4));
  wav_free(&w);
  END;
}

TEST(stereo_extensible_chunks_padding) {
  static const int st[] = {1000, 3000, -2000, 0, 32767, 32767, -32768, -32768};
  static const int mono[] = {2000, -1000, 32767, -32768};
  static const int odd[] = {1, -1, 2, 1}; /* averages 0 and 1.5: JavaScript rounds to 0 and 2 */
  static const int oddmono[] = {0, 2};
  static const uint8_t guid_pcm[] = {1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71};
  static const int five[] = {5, -5}, seven[] = {7}, three4[] = {3, 4}, one[] = {1};
  uint8_t extra[40];
  buf_t b, e;
  wav_audio w;
  char err[200];
  BEGIN;
  riff_begin(&b);
  fmt(&b, 1, 2, 44100, 16, NULL, 0);
  data16(&b, st, 8);
  riff_end(&b);
  CHECK(parse_copy(b.b, b.n, &w, err, sizeof err) == 0);
  CHECK(w.channels == 2 && w.rate == 44100 && samples_are(&w, mono, 4));
  wav_free(&w);
  riff_begin(&b);
  fmt(&b, 1, 2, 8000, 16, NULL, 0);
  data16(&b, odd, 4);
  CHECK(parse_copy(b.b, b.n, &w, err, sizeof err) == 0 && samples_are(&w, oddmono, 2));
  wav_free(&w);
  /* JUNK, a longer fmt, an odd LIST chunk with its pad byte */
  riff_begin(&b);
  chunk(&b, "JUNK", "\0\0\0", 3);
  fmt(&b, 1, 1, 8000, 16, (const uint8_t *)"\0\0", 2);
  chunk(&b, "LIST", "INFOabc", 7);
  data16(&b, five, 2);
  riff_end(&b);
  CHECK(parse_copy(b.b, b.n, &w, err, sizeof err) == 0 && samples_are(&w, five, 2));
  wav_free(&w);
  /* WAVE_FORMAT_EXTENSIBLE: cbSize 22, valid bits, channel mask, the PCM sub-format GUID */
  e.n = 0;
  put16(&e, 22);
  put16(&e, 16);
  put32(&e, 4);
  put(&e, guid_pcm, 16);
  memcpy(extra, e.b, e.n);
  riff_begin(&b);
  fmt(&b, 0xfffe, 1, 8000, 16, extra, e.n);
  data16(&b, seven, 1);
  CHECK(parse_copy(b.b, b.n, &w, err, sizeof err) == 0 && samples_are(&w, seven, 1));
  wav_free(&w);
  /* a trailing partial sample is ignored; 0xFFFFFFFF data size means "to the end" */
  riff_begin(&b);
  fmt(&b, 1, 1, 8000, 16, NULL, 0);
  chunk(&b, "data", "\1\0\2", 3);
  CHECK(parse_copy(b.b, b.n - 1, &w, err, sizeof err) == 0 && samples_are(&w, one, 1));
  wav_free(&w);
  riff_begin(&b);
  fmt(&b, 1, 1, 8000, 16, NULL, 0);
  data16(&b, three4, 2);
  memset(b.b + 40, 0xff, 4);
  CHECK(parse_copy(b.b, b.n, &w, err, sizeof err) == 0 && samples_are(&w, three4, 2));
  wav_free(&w);
  END;
}

static int fails_with(const uint8_t *p, size_t n, const char *want) {
  wav_audio w;
  char err[200] = "";
  int rc = parse_copy(p, n, &w, err, sizeof err);
  if (rc == 0) wav_free(&w);
  if (rc == 0 || strstr(err, want) == NULL) {
    fprintf(stderr, "#   wanted \"%s\", got rc %d \"%s\"\n", want, rc, err);
    return 0;
  }
  return w.samples == NULL && w.count == 0;
}

TEST(bad_files_say_why) {
  static const int four[] = {1, 2, 3, 4};
  buf_t b;
  wav_audio w;
  char err[200];
  BEGIN;
  CHECK(fails_with((const uint8_t *)"OggS....WAVE", 12, "not a RIFF/WAVE file"));
  CHECK(fails_with((const uint8_t *)"\0\0\0", 3, "not a RIFF/WAVE file"));
  riff_begin(&b);
  fmt(&b, 3, 1, 8000, 32, NULL, 0);
  chunk(&b, "data", "\0\0\0\0", 4);
  CHECK(fails_with(b.b, b.n, "unsupported format: tag 3, 32 bits per sample"));
  riff_begin(&b);
  fmt(&b, 1, 1, 8000, 24, NULL, 0);
  chunk(&b, "data", "\0\0\0", 3);
  CHECK(fails_with(b.b, b.n, "unsupported format: tag 1, 24 bits per sample"));
  riff_begin(&b);
  fmt(&b, 0xfffe, 1, 8000, 16, NULL, 0); /* extensible without its extension */
  CHECK(fails_with(b.b, b.n, "unsupported format: tag 65534"));
  riff_begin(&b);
  fmt(&b, 1, 1, 8000, 16, NULL, 0);
  CHECK(fails_with(b.b, b.n, "no data chunk"));
  riff_begin(&b);
  CHECK(fails_with(b.b, b.n, "no fmt chunk"));
  riff_begin(&b);
  chunk(&b, "data", "\0\0", 2);
  CHECK(fails_with(b.b, b.n, "data chunk before fmt chunk"));
  riff_begin(&b);
  fmt(&b, 1, 0, 8000, 16, NULL, 0);
  CHECK(fails_with(b.b, b.n, "bad fmt chunk: zero channels or sample rate"));
  riff_begin(&b);
  fmt(&b, 1, 1, 0, 16, NULL, 0);
  CHECK(fails_with(b.b, b.n, "bad fmt chunk: zero channels or sample rate"));
  riff_begin(&b);
  chunk(&b, "fmt ", "\1\0\1\0", 4);
  CHECK(fails_with(b.b, b.n, "truncated fmt chunk"));
  riff_begin(&b);
  fmt(&b, 1, 1, 8000, 16, NULL, 0);
  CHECK(fails_with(b.b, b.n - 1, "truncated fmt chunk"));
  riff_begin(&b);
  fmt(&b, 1, 1, 8000, 16, NULL, 0);
  data16(&b, four, 4);
  CHECK(fails_with(b.b, b.n - 3, "truncated data: the header says 8 bytes, the file holds 5"));
  CHECK(wav_read_file(tmp_path("does-not-exist.wav"), &w, err, sizeof err) == -1);
  CHECK(strstr(err, "does-not-exist.wav") != NULL && strncmp(err, "open '", 6) == 0);
  END;
}

static uint32_t rng_state = 12345;
static uint32_t rnd(void) {
  rng_state = rng_state * 1103515245u + 12345u;
  return rng_state >> 8;
}

/* Any outcome is fine but a crash, an over-read, a leak, or success without a sane result. */
static int parse_sane(const uint8_t *p, size_t n) {
  wav_audio w;
  char err[200] = "";
  int rc = parse_copy(p, n, &w, err, sizeof err);
  if (rc == 0) {
    int sane = w.count <= n && (w.count == 0 || w.samples != NULL) && w.rate != 0 && w.channels != 0;
    wav_free(&w);
    return sane;
  }
  return err[0] != '\0' && w.samples == NULL;
}

TEST(fuzz_truncations_and_bit_flips) {
  static const int v[] = {100, -200, 300, -400, 500, -600};
  buf_t files[4];
  size_t f, len, i;
  int insane = 0;
  BEGIN;
  riff_begin(&files[0]);
  fmt(&files[0], 1, 2, 8000, 16, NULL, 0);
  data16(&files[0], v, 6);
  riff_end(&files[0]);
  riff_begin(&files[1]);
  chunk(&files[1], "JUNK", "xyz", 3);
  fmt(&files[1], 7, 1, 8000, 8, NULL, 0);
  chunk(&files[1], "data", "\x01\x80\xff\x7f\x33", 5);
  riff_end(&files[1]);
  riff_begin(&files[2]);
  {
    static const uint8_t guid[] = {6, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71};
    buf_t e;
    e.n = 0;
    put16(&e, 22);
    put16(&e, 8);
    put32(&e, 3);
    put(&e, guid, 16);
    fmt(&files[2], 0xfffe, 3, 16000, 8, e.b, e.n);
  }
  chunk(&files[2], "data", "\x10\x20\x30\x40\x50\x60\x70", 7);
  riff_end(&files[2]);
  riff_begin(&files[3]);
  fmt(&files[3], 1, 1, 44100, 8, NULL, 0);
  chunk(&files[3], "data", "\x00\x80\xff", 3);
  riff_end(&files[3]);
  for (f = 0; f < 4; f++) {
    buf_t *b = &files[f];
    CHECK(parse_sane(b->b, b->n));
    for (len = 0; len <= b->n; len++) insane += !parse_sane(b->b, len);
    for (i = 0; i < b->n * 8; i++) {
      b->b[i / 8] ^= (uint8_t)(1u << (i % 8));
      insane += !parse_sane(b->b, b->n);
      b->b[i / 8] ^= (uint8_t)(1u << (i % 8));
    }
    /* hostile sizes in every 4-byte slot */
    for (i = 4; i + 4 <= b->n; i++) {
      static const uint32_t sizes[] = {0xFFFFFFFFu, 0xFFFFFFF8u, 0x7FFFFFFFu, 0x80000000u, 0, 1, 15, 16, 40};
      uint8_t keep[4];
      size_t s;
      memcpy(keep, b->b + i, 4);
      for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        b->b[i] = (uint8_t)sizes[s];
        b->b[i + 1] = (uint8_t)(sizes[s] >> 8);
        b->b[i + 2] = (uint8_t)(sizes[s] >> 16);
        b->b[i + 3] = (uint8_t)(sizes[s] >> 24);
        insane += !parse_sane(b->b, b->n);
      }
      memcpy(b->b + i, keep, 4);
    }
    for (i = 0; i < 3000; i++) {
      buf_t c = *b;
      int k, flips = 1 + (int)(rnd() % 6);
      for (k = 0; k < flips; k++) c.b[rnd() % c.n] = (uint8_t)rnd();
      insane += !parse_sane(c.b, rnd() % (c.n + 1));
    }
  }
  CHECK(insane == 0);
  END;
}

TEST(resample_matches_wav_ts) {
  int16_t tone[1000];
  size_t i;
  BEGIN;
  for (i = 0; i < 1000; i++) tone[i] = (int16_t)i;
  CHECK(wav_resampled_length(1000, 16000, 16000) == 1000);
  CHECK(wav_resampled_length(1000, 16000, 8000) == 500);
  CHECK(wav_resampled_length(4000, 8000, 44100) == 22050);
  CHECK(wav_resampled_length(0, 8000, 16000) == 0);
  for (i = 0; i < 500; i++) CHECK(wav_resampled_at(tone, 1000, 16000, 8000, i) == (int16_t)(2 * i));
  /* 8000 → 16000 interpolates halfway and holds the last sample */
  CHECK(wav_resampled_at(tone, 1000, 8000, 16000, 1) == 1); /* 0.5 rounds half up */
  CHECK(wav_resampled_at(tone, 1000, 8000, 16000, 1999) == 999);
  tone[0] = -3;
  tone[1] = -2;
  CHECK(wav_resampled_at(tone, 2, 8000, 16000, 1) == -2); /* -2.5 → -2, as Math.round */
  END;
}

TEST(writer_flushes_and_survives_a_kill) {
  const char *path = tmp_path("writer.wav");
  static const int three[] = {1, 2, 3}, five[] = {1, 2, 3, 4, -1};
  static const uint8_t more[] = {4, 0, 0xff, 0xff, 9};
  wav_writer *w;
  wav_audio r;
  char err[200];
  int16_t s[4] = {1, 2, 3, 4};
  BEGIN;
  w = wav_writer_open(path, 8000, 0, 1 << 20, err, sizeof err);
  CHECK(w != NULL && wav_writer_rate(w) == 8000);
  CHECK(wav_writer_write_samples(w, s, 3) == 0);
  CHECK(read_output(path, &r) == 0 && r.count == 0); /* not flushed, but already a valid empty WAV */
  wav_free(&r);
  CHECK(wav_writer_flush(w) == 0);
  CHECK(read_output(path, &r) == 0 && samples_are(&r, three, 3));
  wav_free(&r);
  CHECK(wav_writer_write(w, more, 5) == 0); /* the odd byte is ignored */
  CHECK(wav_writer_sample_count(w) == 5);
  CHECK(wav_writer_close(w, err, sizeof err) == 0);
  CHECK(read_output(path, &r) == 0 && samples_are(&r, five, 5));
  wav_free(&r);
  /* flushes on its own once flush_bytes pile up: a killed process leaves them readable */
  w = wav_writer_open(path, 8000, 0, 8, err, sizeof err);
  CHECK(wav_writer_write_samples(w, s, 4) == 0);
  CHECK(read_output(path, &r) == 0 && r.count == 4);
  wav_free(&r);
  CHECK(wav_writer_close(w, err, sizeof err) == 0);
  CHECK(wav_writer_open(tmp_path("no/such/dir.wav"), 8000, 0, 0, err, sizeof err) == NULL);
  CHECK(strncmp(err, "open '", 6) == 0);
  CHECK(wav_writer_open(path, 999, 0, 0, err, sizeof err) == NULL && strstr(err, "bad sample rate") != NULL);
  END;
}

TEST(writer_append_keeps_own_files_only) {
  const char *path = tmp_path("append.wav");
  static const int three[] = {1, 2, 3}, kept[] = {1, 2, 3, 9};
  int16_t s[3] = {1, 2, 3};
  wav_writer *w;
  wav_audio r;
  char err[200];
  size_t n;
  uint8_t *bytes;
  buf_t b;
  FILE *f;
  BEGIN;
  w = wav_writer_open(path, 8000, 0, 0, err, sizeof err);
  wav_writer_write_samples(w, s, 2);
  wav_writer_close(w, err, sizeof err);
  w = wav_writer_open(path, 16000, 1, 0, err, sizeof err);
  CHECK(w != NULL && wav_writer_rate(w) == 8000);
  wav_writer_write_samples(w, s + 2, 1);
  wav_writer_close(w, err, sizeof err);
  CHECK(read_output(path, &r) == 0 && r.rate == 8000 && samples_are(&r, three, 3));
  wav_free(&r);
  /* audio after the last header fix (a kill) and a torn odd byte: the length wins */
  f = fopen(path, "ab");
  fwrite("\x09\x00\x07", 1, 3, f);
  fclose(f);
  w = wav_writer_open(path, 8000, 1, 0, err, sizeof err);
  CHECK(w != NULL && wav_writer_sample_count(w) == 4);
  wav_writer_close(w, err, sizeof err);
  bytes = slurp(path, &n);
  CHECK(n == 44 + 9); /* as wav.ts: nothing written, so the torn byte stays, outside the header's size */
  free(bytes);
  CHECK(read_output(path, &r) == 0 && samples_are(&r, kept, 4));
  wav_free(&r);
  /* a foreign file (µ-law) is replaced at the asked rate */
  riff_begin(&b);
  fmt(&b, 7, 1, 8000, 8, NULL, 0);
  chunk(&b, "data", "\xff", 1);
  riff_end(&b);
  write_file(path, b.b, b.n);
  w = wav_writer_open(path, 16000, 1, 0, err, sizeof err);
  CHECK(w != NULL && wav_writer_rate(w) == 16000);
  wav_writer_close(w, err, sizeof err);
  CHECK(read_output(path, &r) == 0 && r.count == 0 && r.rate == 16000);
  wav_free(&r);
  /* a missing file is created */
  remove(path);
  w = wav_writer_open(path, 8000, 1, 0, err, sizeof err);
  CHECK(w != NULL);
  wav_writer_close(w, err, sizeof err);
  bytes = slurp(path, &n);
  CHECK(n == 44);
  free(bytes);
  END;
}

/* ---- audio.c --------------------------------------------------------------------------------- */

static quip_audio *make(const char *input, const char *output, int loop, int append) {
  audio_options o;
  char err[300];
  quip_audio *a;
  o.input = input;
  o.output = output;
  o.once = !loop;
  o.append_output = append;
  a = audio_create(&o, err, sizeof err);
  if (a == NULL) fprintf(stderr, "# audio_create: %s\n", err);
  return a;
}

static int all_zero(const int *v, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    if (v[i] != 0) return 0;
  return 1;
}
static int is_range(const int *v, int from, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    if (v[i] != from + (int)i) return 0;
  return 1;
}
static int wav_is_const(const wav_audio *w, size_t at, int value, size_t n) {
  size_t i;
  if (at + n > w->count) return 0;
  for (i = 0; i < n; i++)
    if (w->samples[at + i] != value) return 0;
  return 1;
}
static int wav_is_range(const wav_audio *w, size_t at, int from, size_t n) {
  size_t i;
  if (at + n > w->count) return 0;
  for (i = 0; i < n; i++)
    if (w->samples[at + i] != from + (int)i) return 0;
  return 1;
}

TEST(silence_without_input) {
  quip_audio *a = make(NULL, NULL, 1, 0);
  BEGIN;
  CHECK(audio_take_frame(a, 1000, frame, sizeof frame) == 0); /* nothing before start */
  CHECK(audio_next_due(a) == -1 && audio_frame_bytes(a) == 0);
  audio_start(a, 8000, 20, 0);
  CHECK(tick(a, frame) == 320);
  le_samples(frame, 320, ints);
  CHECK(all_zero(ints, 160));
  audio_start(a, 16000, 10, 0);
  CHECK(audio_frame_bytes(a) == 320 && tick(a, frame) == 320);
  CHECK(audio_is_running(a));
  CHECK(audio_take_frame(a, 10, frame, 319) == 0); /* too small a buffer: nothing consumed */
  CHECK(audio_next_due(a) == 20);
  audio_stop(a);
  CHECK(!audio_is_running(a) && audio_take_frame(a, 1e9, frame, sizeof frame) == 0);
  audio_close(a);
  END;
}

TEST(input_in_order_looping) {
  quip_audio *a = make(ramp_wav("ramp200.wav", 200, 8000, 1), NULL, 1, 0);
  BEGIN;
  CHECK(a != NULL);
  audio_start(a, 8000, 20, 0);
  tick(a, frame);
  le_samples(frame, 320, ints);
  CHECK(is_range(ints, 1, 160));
  tick(a, frame);
  le_samples(frame, 320, ints);
  CHECK(is_range(ints, 161, 40) && is_range(ints + 40, 1, 120));
  tick(a, frame);
  le_samples(frame, 320, ints);
  CHECK(is_range(ints, 121, 80) && is_range(ints + 80, 1, 80));
  audio_start(a, 8000, 20, 100);
  tick(a, frame);
  le_samples(frame, 320, ints);
  CHECK(is_range(ints, 1, 160)); /* each start hears the input from its beginning */
  audio_close(a);
  END;
}

TEST(input_once_then_silence) {
  quip_audio *a = make(ramp_wav("ramp200b.wav", 200, 8000, 1), NULL, 0, 0);
  BEGIN;
  audio_start(a, 8000, 20, 0);
  tick(a, frame);
  le_samples(frame, 320, ints);
  CHECK(is_range(ints, 1, 160));
  tick(a, frame);
  le_samples(frame, 320, ints);
  CHECK(is_range(ints, 161, 40) && all_zero(ints + 40, 120));
  tick(a, frame);
  le_samples(frame, 320, ints);
  CHECK(all_zero(ints, 160));
  audio_close(a);
  END;
}

TEST(input_resampled_to_the_asked_rate) {
  quip_audio *a = make(ramp_wav("ramp16k.wav", 1000, 16000, 0), NULL, 1, 0);
  size_t i;
  int good = 1;
  BEGIN;
  audio_start(a, 8000, 20, 0);
  tick(a, frame);
  le_samples(frame, 320, ints);
  for (i = 0; i < 160; i++) good &= ints[i] == (int)(2 * i);
  CHECK(good);
  audio_close(a);
  END;
}

TEST(broken_input_is_a_setup_error) {
  const char *path = tmp_path("bad.wav");
  audio_options o;
  char err[300] = "";
  buf_t b;
  wav_audio w;
  FILE *f;
  BEGIN;
  write_file(path, (const uint8_t *)"not a wav", 9);
  o.input = path;
  o.output = NULL;
  o.once = 0;
  o.append_output = 0;
  CHECK(audio_create(&o, err, sizeof err) == NULL && strcmp(err, "not a RIFF/WAVE file") == 0);
  o.input = tmp_path("missing.wav");
  CHECK(audio_create(&o, err, sizeof err) == NULL && strncmp(err, "open '", 6) == 0);
  /* a rate wav.ts's resample() refuses */
  riff_begin(&b);
  fmt(&b, 1, 1, 0x80000000u, 16, NULL, 0);
  chunk(&b, "data", "\1\0", 2);
  write_file(path, b.b, b.n);
  o.input = path;
  CHECK(audio_create(&o, err, sizeof err) == NULL && strcmp(err, "bad sample rate: 2147483648") == 0);
  /* larger than WAV_MAX_INPUT_BYTES (sparse where the file system allows) */
  f = fopen(path, "wb");
  CHECK(f != NULL && fseek(f, (long)WAV_MAX_INPUT_BYTES + 10, SEEK_SET) == 0 && fputc(0, f) == 0);
  fclose(f);
  CHECK(wav_read_file(path, &w, err, sizeof err) == -1 && strstr(err, "too large") != NULL);
  remove(path);
  END;
}

TEST(played_frames_recorded_with_silence_between) {
  const char *out = tmp_path("out.wav");
  quip_audio *a = make(NULL, out, 1, 0);
  wav_audio w;
  uint8_t pcm[320];
  BEGIN;
  audio_start(a, 8000, 20, 0);
  ramp_pcm(pcm, 160, 1);
  audio_play(a, pcm, 320);
  tick(a, frame);
  tick(a, frame); /* nothing played: a frame of silence */
  ramp_pcm(pcm, 80, 1000);
  audio_play(a, pcm, 160); /* half a frame: padded with silence */
  tick(a, frame);
  ramp_pcm(pcm, 160, 2000);
  audio_play(a, pcm, 320);
  audio_play(a, pcm, 3); /* odd: ignored */
  tick(a, frame);
  audio_close(a);
  CHECK(read_output(out, &w) == 0 && w.rate == 8000 && w.count == 640);
  CHECK(wav_is_range(&w, 0, 1, 160) && wav_is_const(&w, 160, 0, 160) && wav_is_range(&w, 320, 1000, 80) &&
        wav_is_const(&w, 400, 0, 80) && wav_is_range(&w, 480, 2000, 160));
  wav_free(&w);
  END;
}

TEST(echo_lands_in_the_same_period) {
  const char *out = tmp_path("echo.wav");
  quip_audio *a = make(ramp_wav("ramp320.wav", 320, 8000, 1), out, 1, 0);
  wav_audio w;
  int k;
  BEGIN;
  audio_start(a, 8000, 20, 0);
  for (k = 0; k < 2; k++) {
    size_t n = audio_take_frame(a, audio_next_due(a), frame, sizeof frame);
    audio_play(a, frame, n);
    audio_record_played(a);
  }
  audio_close(a);
  CHECK(read_output(out, &w) == 0 && w.count == 320 && wav_is_range(&w, 0, 1, 320));
  wav_free(&w);
  END;
}

TEST(queue_bound_drops_oldest) {
  const char *out = tmp_path("drop.wav");
  quip_audio *a = make(NULL, out, 1, 0);
  uint8_t pcm[6 * 160];
  wav_audio w;
  int f;
  BEGIN;
  audio_start(a, 8000, 10, 0); /* 80-sample frames, 4 queued at most */
  for (f = 0; f < 6; f++) {
    fill_pcm(pcm, 80, f + 1);
    audio_play(a, pcm, 160);
  }
  for (f = 0; f < 5; f++) tick(a, frame);
  /* a chunk longer than the queue keeps its newest part once its first period is recorded */
  fill_pcm(pcm, 480, 7);
  fill_pcm(pcm + 480 * 2 - 160, 80, 8);
  audio_play(a, pcm, 960);
  for (f = 0; f < 5; f++) tick(a, frame);
  audio_close(a);
  /* the first period plays frame 1; then 4 frames stay queued (frame 2 dropped): 3, 4, 5, 6, then
     silence; the long chunk: its first 80 samples play, then its newest 4 frames stay: 7 7 7 8 */
  CHECK(read_output(out, &w) == 0 && w.count == 10 * 80);
  CHECK(wav_is_const(&w, 0, 1, 80) && wav_is_const(&w, 80, 3, 80) && wav_is_const(&w, 160, 4, 80) &&
        wav_is_const(&w, 240, 5, 80) && wav_is_const(&w, 320, 6, 80));
  CHECK(wav_is_const(&w, 400, 7, 80) && wav_is_const(&w, 480, 7, 240) && wav_is_const(&w, 720, 8, 80));
  wav_free(&w);
  END;
}

TEST(output_keeps_its_first_rate) {
  const char *out = tmp_path("rates.wav");
  quip_audio *a = make(NULL, out, 1, 0);
  uint8_t pcm[640];
  wav_audio w;
  BEGIN;
  audio_start(a, 8000, 20, 0);
  tick(a, frame);
  audio_start(a, 16000, 20, 0);
  fill_pcm(pcm, 320, 100);
  audio_play(a, pcm, 640);
  tick(a, frame);
  audio_close(a);
  CHECK(read_output(out, &w) == 0 && w.rate == 8000 && w.count == 320);
  CHECK(wav_is_const(&w, 0, 0, 160) && wav_is_const(&w, 160, 100, 160));
  wav_free(&w);
  END;
}

TEST(append_across_reboots) {
  const char *out = tmp_path("reboot.wav");
  uint8_t pcm[320];
  wav_audio w;
  int boot;
  BEGIN;
  remove(out);
  for (boot = 0; boot < 2; boot++) {
    quip_audio *a = make(NULL, out, 1, boot > 0);
    audio_start(a, boot == 0 ? 8000 : 16000, 20, 0); /* the file's own rate wins */
    fill_pcm(pcm, 160, boot + 1);
    audio_play(a, pcm, 320);
    tick(a, frame);
    audio_close(a);
  }
  CHECK(read_output(out, &w) == 0 && w.rate == 8000 && w.count == 160 + 160);
  CHECK(wav_is_const(&w, 0, 1, 160) && wav_is_const(&w, 160, 2, 80) && wav_is_const(&w, 240, 0, 80));
  wav_free(&w);
  END;
}

TEST(route_volume_tone_and_bad_arguments) {
  quip_audio *a = make(NULL, NULL, 1, 0);
  static const double dial[] = {350, 440}, bad[] = {440, -1}, nan_tone[1] = {0};
  const double *t;
  double nan_v = sqrt(-1.0 + 0.0 * nan_tone[0]);
  BEGIN;
  CHECK(strcmp(audio_current_route(a), "handset") == 0 && audio_current_volume(a) == 5);
  audio_route(a, "speaker");
  audio_route(a, "bogus");
  audio_route(a, NULL);
  CHECK(strcmp(audio_current_route(a), "speaker") == 0);
  audio_volume(a, 7);
  CHECK(audio_current_volume(a) == 7);
  audio_volume(a, 6.5); /* rounds half up, as Math.round */
  CHECK(audio_current_volume(a) == 7);
  audio_volume(a, 99);
  CHECK(audio_current_volume(a) == 10);
  audio_volume(a, nan_v);
  audio_volume(a, HUGE_VAL);
  CHECK(audio_current_volume(a) == 10);
  audio_volume(a, -3);
  CHECK(audio_current_volume(a) == 0);
  audio_tone(a, dial, 2);
  CHECK(audio_current_tone(a, &t) == 2 && t[0] == 350 && t[1] == 440);
  audio_tone(a, bad, 2);
  audio_tone(a, NULL, 1);
  audio_tone(a, dial, -1);
  CHECK(audio_current_tone(a, &t) == 2);
  audio_tone(a, NULL, 0);
  CHECK(audio_current_tone(a, &t) == 0 && t == NULL);
  audio_start(a, 0, 20, 0);
  audio_start(a, 8000, -1, 0);
  audio_start(a, 8000, nan_v, 0);
  audio_start(a, 8000, 1001, 0);
  audio_start(a, 192001, 20, 0);
  CHECK(!audio_is_running(a));
  audio_start(a, 8000, 20, 0);
  CHECK(audio_is_running(a) && audio_problem(a) == NULL);
  CHECK(tick(a, frame) == 320);
  audio_close(a);
  audio_close(NULL);
  END;
}

TEST(clock_late_calls_and_catch_up) {
  quip_audio *a = make(NULL, NULL, 1, 0);
  int n = 0;
  BEGIN;
  audio_start(a, 8000, 20, 0);
  CHECK(audio_next_due(a) == 20);
  CHECK(audio_take_frame(a, 19.9, frame, sizeof frame) == 0);
  CHECK(audio_take_frame(a, 20, frame, sizeof frame) == 320 && audio_next_due(a) == 40);
  CHECK(audio_take_frame(a, 20, frame, sizeof frame) == 0);
  CHECK(audio_take_frame(a, 40, frame, sizeof frame) == 320);
  CHECK(audio_take_frame(a, 60, frame, sizeof frame) == 320);
  /* a fresh start at 0, first asked at 95: the frames due at 20, 40, 60 and 80 */
  audio_start(a, 8000, 20, 0);
  while (audio_take_frame(a, 95, frame, sizeof frame) > 0) n++;
  CHECK(n == 4 && audio_next_due(a) == 100);
  /* a loaded host 840 ms behind: every late frame comes */
  n = 0;
  while (audio_take_frame(a, 920, frame, sizeof frame) > 0) n++;
  CHECK(n == 42 && audio_next_due(a) == 940);
  /* a long stall: the last second (50 frames), then back on the original grid */
  n = 0;
  while (audio_take_frame(a, 10000, frame, sizeof frame) > 0) n++;
  CHECK(n == (int)audio_catch_up_frames(20) && n == 50 && audio_next_due(a) == 10020);
  /* the same as audio.test.ts: three periods at once, 42 late ones, then a long stall */
  audio_start(a, 8000, 20, 0);
  n = 0;
  while (audio_take_frame(a, 60, frame, sizeof frame) > 0) n++;
  CHECK(n == 3);
  while (audio_take_frame(a, 900, frame, sizeof frame) > 0) n++;
  CHECK(n == 45);
  while (audio_take_frame(a, 100000, frame, sizeof frame) > 0) n++;
  CHECK(n == 95);
  audio_close(a);
  END;
}

TEST(clock_does_not_drift) {
  quip_audio *a = make(NULL, NULL, 1, 0);
  double now = 1234.5, fm = 1000.0 / 48.0;
  long k, delivered = 0;
  int on_grid = 1, one_each = 1;
  BEGIN;
  /* a jittery caller, always under one period late: one frame per deadline, on the grid */
  audio_start(a, 8000, 20, now);
  for (k = 0; k < 10000; k++) {
    double due = audio_next_due(a);
    size_t got;
    on_grid &= due == 1234.5 + 20.0 * (double)(k + 1);
    got = audio_take_frame(a, due + (double)(rnd() % 1900) / 100.0, frame, sizeof frame);
    one_each &= got == 320 && audio_take_frame(a, due + 19.99, frame, sizeof frame) == 0;
  }
  CHECK(on_grid && one_each);
  /* up to 4 periods late at random: every frame still delivered, none early */
  audio_start(a, 8000, 20, 0);
  for (now = 0; now < 200000; now += (double)(rnd() % 8000) / 100.0) {
    while (audio_take_frame(a, now, frame, sizeof frame) > 0) delivered++;
    CHECK(delivered == (long)floor(now / 20));
    if (delivered != (long)floor(now / 20)) break;
  }
  CHECK(audio_next_due(a) == 20.0 * (double)(delivered + 1));
  /* a period that is not a whole number of milliseconds: no accumulated rounding */
  audio_start(a, 48000, fm, 0);
  CHECK(audio_frame_bytes(a) == 2000);
  for (k = 0; k < 10000; k++) audio_take_frame(a, audio_next_due(a), frame, sizeof frame);
  CHECK(fabs(audio_next_due(a) - 10001.0 * fm) < 1e-9);
  audio_close(a);
  END;
}

TEST(burst_recorded_after_the_answers) {
  const char *out = tmp_path("burst.wav");
  quip_audio *a = make(NULL, out, 1, 0);
  uint8_t pcm[320];
  wav_audio w;
  int n = 0, v;
  BEGIN;
  audio_start(a, 8000, 20, 0);
  while (audio_take_frame(a, 60, frame, sizeof frame) > 0) n++; /* a late burst of 3 */
  for (v = 1; v <= 3; v++) { /* the firmware answers each frame afterwards */
    fill_pcm(pcm, 160, v);
    audio_play(a, pcm, 320);
  }
  audio_record_played(a);
  /* without audio_record_played: recorded when the next burst begins */
  audio_take_frame(a, 80, frame, sizeof frame);
  audio_take_frame(a, 80, frame, sizeof frame);
  fill_pcm(pcm, 160, 4);
  audio_play(a, pcm, 320);
  audio_take_frame(a, 100, frame, sizeof frame);
  audio_close(a); /* the last period is dropped unrecorded, as audio.ts's close does */
  CHECK(n == 3 && read_output(out, &w) == 0 && w.count == 4 * 160);
  CHECK(wav_is_const(&w, 0, 1, 160) && wav_is_const(&w, 160, 2, 160) && wav_is_const(&w, 320, 3, 160) &&
        wav_is_const(&w, 480, 4, 160));
  wav_free(&w);
  END;
}

TEST(output_problem_never_reaches_the_firmware) {
  quip_audio *a = make(NULL, tmp_path("no/such/dir/out.wav"), 1, 0);
  BEGIN;
  audio_start(a, 8000, 20, 0);
  CHECK(audio_is_running(a) && audio_problem(a) != NULL && strncmp(audio_problem(a), "open '", 6) == 0);
  audio_play(a, frame, 320);
  CHECK(tick(a, frame) == 320);
  audio_close(a);
  END;
}

/* ---- against the Node emulator ---------------------------------------------------------------- */

/* A scripted session, run by run_ops here and by the TypeScript below over WavAudio:
 *   create <input|-> <record 0/1> <loop> <append>; start <rate> <frameMs>; play <n> <seed>;
 *   tick; echo (tick, playing the microphone frame back); stop; close.
 * Microphone frames go to mic, the recording to out. */
static int16_t pattern(long seed, long i) { return (int16_t)(((seed * 7919 + i * 37) % 65536) - 32768); }

static int run_ops(const char *ops, const char *mic_path, const char *out_path) {
  FILE *mic = fopen(mic_path, "wb");
  quip_audio *a = NULL;
  const char *p = ops;
  char line[600];
  if (mic == NULL) return -1;
  while (*p) {
    size_t n = strcspn(p, "\n");
    char cmd[16], arg1[512];
    double x, y;
    int rec, loop, app;
    memcpy(line, p, n);
    line[n] = '\0';
    p += n + (p[n] == '\n');
    if (sscanf(line, "create %511s %d %d %d", arg1, &rec, &loop, &app) == 4) {
      a = make(strcmp(arg1, "-") == 0 ? NULL : arg1, rec ? out_path : NULL, loop, app);
      if (a == NULL) return -1;
    } else if (sscanf(line, "start %lf %lf", &x, &y) == 2) {
      audio_start(a, (int)x, y, 0);
    } else if (sscanf(line, "play %lf %lf", &x, &y) == 2) {
      static uint8_t pcm[1 << 20];
      long i;
      for (i = 0; i < (long)x; i++) {
        uint16_t u = (uint16_t)pattern((long)y, i);
        pcm[2 * i] = (uint8_t)(u & 0xFF);
        pcm[2 * i + 1] = (uint8_t)(u >> 8);
      }
      audio_play(a, pcm, (size_t)x * 2);
    } else if (sscanf(line, "%15s", cmd) == 1) {
      if (strcmp(cmd, "tick") == 0 || strcmp(cmd, "echo") == 0) {
        size_t got = audio_take_frame(a, audio_next_due(a), frame, sizeof frame);
        fwrite(frame, 1, got, mic);
        if (cmd[0] == 'e') audio_play(a, frame, got);
        audio_record_played(a);
      } else if (strcmp(cmd, "stop") == 0) {
        audio_stop(a);
      } else if (strcmp(cmd, "close") == 0) {
        audio_close(a);
        a = NULL;
      }
    }
  }
  fclose(mic);
  if (a != NULL) audio_close(a);
  return 0;
}

static const char *node_script =
    "import fs from 'node:fs';\n"
    "import { WavAudio } from '%s/hal/emulator/audio.ts';\n"
    "const [opsPath, micPath, outPath] = process.argv.slice(2);\n"
    "const mic: Buffer[] = [];\n"
    "let audio: WavAudio | null = null;\n"
    "let echo = false;\n"
    "const pattern = (seed: number, i: number) => ((seed * 7919 + i * 37) %% 65536) - 32768;\n"
    "for (const line of fs.readFileSync(opsPath, 'utf8').split('\\n')) {\n"
    "  const w = line.split(' ');\n"
    "  if (w[0] === 'create') {\n"
    "    audio = new WavAudio((e) => {\n"
    "      if (e.type !== 'audio_frame') return;\n"
    "      mic.push(Buffer.from(e.pcm, 'latin1'));\n"
    "      if (echo) audio!.play(e.pcm);\n"
    "    }, { manualClock: true, input: w[1] === '-' ? undefined : w[1], output: w[2] === '1' ? outPath : undefined,\n"
    "         loop: w[3] === '1', appendOutput: w[4] === '1' });\n"
    "  } else if (w[0] === 'start') audio!.start(Number(w[1]), Number(w[2]));\n"
    "  else if (w[0] === 'play') {\n"
    "    const b = Buffer.alloc(Number(w[1]) * 2);\n"
    "    for (let i = 0; i < Number(w[1]); i++) b.writeInt16LE(pattern(Number(w[2]), i), i * 2);\n"
    "    audio!.play(b.toString('latin1'));\n"
    "  } else if (w[0] === 'tick' || w[0] === 'echo') { echo = w[0] === 'echo'; audio!.tick(); echo = false; }\n"
    "  else if (w[0] === 'stop') audio!.stop();\n"
    "  else if (w[0] === 'close') { audio!.close(); audio = null; }\n"
    "}\n"
    "fs.writeFileSync(micPath, Buffer.concat(mic));\n";

static void add(char *ops, size_t cap, const char *line) {
  strncat(ops, line, cap - strlen(ops) - 1);
  strncat(ops, "\n", cap - strlen(ops) - 1);
}

static void session(char *ops, size_t cap, const char *in, int loop, int append, const int *starts, int nstarts) {
  char line[700];
  int s, k;
  snprintf(line, sizeof line, "create %s 1 %d %d", in, loop, append);
  add(ops, cap, line);
  for (s = 0; s < nstarts; s++) {
    int rate = starts[2 * s], ms = starts[2 * s + 1], fs = rate * ms / 1000;
    snprintf(line, sizeof line, "start %d %d", rate, ms);
    add(ops, cap, line);
    for (k = 0; k < 12; k++) {
      /* whole frames, halves, nothing, oversize, several small chunks, echoes */
      int kind = (k + s) % 6;
      if (kind == 0) snprintf(line, sizeof line, "play %d %d", fs, k + 10 * s);
      else if (kind == 1) snprintf(line, sizeof line, "play %d %d", fs / 2, k + 10 * s);
      else if (kind == 2) line[0] = '\0';
      else if (kind == 3) snprintf(line, sizeof line, "play %d %d", fs * 5 + 3, k + 10 * s);
      else if (kind == 4) snprintf(line, sizeof line, "play %d %d\nplay %d %d\nplay 1 9", fs / 3, k, fs, k + 1);
      else snprintf(line, sizeof line, "echo");
      if (line[0]) add(ops, cap, line);
      if (kind != 5) add(ops, cap, "tick");
    }
    if (s == 1) add(ops, cap, "stop");
  }
  add(ops, cap, "close");
}

TEST(same_bytes_as_node) {
  const char *repo = getenv("QUIP_NODE_REPO");
  static char ops[1 << 16];
  char cmd[4096], in[4][600];
  buf_t b;
  static const int starts_a[] = {8000, 20, 16000, 20, 48000, 10, 11025, 30};
  static const int starts_b[] = {16000, 20, 8000, 30};
  static const int starts_c[] = {44100, 20};
  size_t i, n1, n2;
  int k;
  BEGIN;
  if (repo == NULL) {
    printf("# skipped: set QUIP_NODE_REPO to the repository to compare with the Node emulator\n");
    END;
    return;
  }
  /* inputs: 16-bit stereo 44.1 kHz, µ-law 8 kHz, A-law stereo 16 kHz, 8-bit 11.025 kHz */
  riff_begin(&b);
  fmt(&b, 1, 2, 44100, 16, NULL, 0);
  {
    static int v[2 * 4000];
    for (i = 0; i < 2 * 4000; i++) v[i] = pattern(3, (long)i) / 2;
    data16(&b, v, 2 * 4000);
  }
  riff_end(&b);
  snprintf(in[0], 600, "%s", tmp_path("node-in0.wav"));
  write_file(in[0], b.b, b.n);
  for (k = 1; k < 4; k++) {
    static uint8_t codes[4000];
    static const unsigned tags[] = {0, 7, 6, 1};
    static const unsigned chans[] = {0, 1, 2, 1};
    static const uint32_t rates[] = {0, 8000, 16000, 11025};
    for (i = 0; i < sizeof codes; i++) codes[i] = (uint8_t)rnd();
    riff_begin(&b);
    fmt(&b, tags[k], chans[k], rates[k], 8, NULL, 0);
    chunk(&b, "data", codes, 1000u + 777u * (unsigned)k);
    riff_end(&b);
    snprintf(in[k], 600, "%s", tmp_path(k == 1 ? "node-in1.wav" : k == 2 ? "node-in2.wav" : "node-in3.wav"));
    write_file(in[k], b.b, b.n);
  }
  ops[0] = '\0';
  session(ops, sizeof ops, in[0], 1, 0, starts_a, 4);
  session(ops, sizeof ops, in[1], 0, 1, starts_b, 2); /* a reboot: appended, input once */
  session(ops, sizeof ops, in[2], 1, 1, starts_c, 1);
  session(ops, sizeof ops, in[3], 1, 1, starts_b, 2);
  write_file(tmp_path("ops.txt"), (const uint8_t *)ops, strlen(ops));
  snprintf(cmd, sizeof cmd, node_script, repo);
  write_file(tmp_path("node-run.ts"), (const uint8_t *)cmd, strlen(cmd));
  remove(tmp_path("node-out.wav"));
  remove(tmp_path("c-out.wav"));
  snprintf(cmd, sizeof cmd, "cd '%s' && node --import=tsx '%s' '%s' '%s' '%s'", repo, tmp_path("node-run.ts"),
           tmp_path("ops.txt"), tmp_path("node-mic.raw"), tmp_path("node-out.wav"));
  CHECK(system(cmd) == 0);
  CHECK(run_ops(ops, tmp_path("c-mic.raw"), tmp_path("c-out.wav")) == 0);
  {
    uint8_t *m1 = slurp(tmp_path("node-mic.raw"), &n1), *m2 = slurp(tmp_path("c-mic.raw"), &n2);
    CHECK(m1 != NULL && m2 != NULL && n1 == n2 && n1 > 50000 && memcmp(m1, m2, n1) == 0);
    printf("# microphone: node %lu bytes, C %lu bytes\n", (unsigned long)n1, (unsigned long)n2);
    free(m1);
    free(m2);
    m1 = slurp(tmp_path("node-out.wav"), &n1);
    m2 = slurp(tmp_path("c-out.wav"), &n2);
    CHECK(m1 != NULL && m2 != NULL && n1 == n2 && n1 > 30000 && memcmp(m1, m2, n1) == 0);
    printf("# recording: node %lu bytes, C %lu bytes\n", (unsigned long)n1, (unsigned long)n2);
    free(m1);
    free(m2);
  }
  END;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0); /* a test that dies mid-way still shows how far it got */
  const char *t = getenv("TMPDIR");
  setvbuf(stderr, NULL, _IONBF, 0);
  if (t == NULL) t = getenv("TEMP");
  snprintf(tmp_dir, sizeof tmp_dir, "%s", t != NULL ? t : ".");
  run(g711_values, "G.711 µ-law and A-law decode to the G.711 values");
  run(pcm16_roundtrip_and_8bit, "16-bit PCM round-trips; 8-bit PCM is unsigned");
  run(stereo_extensible_chunks_padding, "stereo averaged, extensible, extra chunks, padding, partial frame");
  run(bad_files_say_why, "malformed and truncated files fail with wav.ts's messages");
  run(fuzz_truncations_and_bit_flips, "truncations, bit flips and hostile sizes never crash");
  run(resample_matches_wav_ts, "resampling as wav.ts (lengths, interpolation, Math.round)");
  run(writer_flushes_and_survives_a_kill, "writer: valid after each flush, complete after close");
  run(writer_append_keeps_own_files_only, "writer: append continues its own file, replaces others");
  run(silence_without_input, "without input each frame is silence of rate x frameMs samples");
  run(input_in_order_looping, "the input is heard in order, looping");
  run(input_once_then_silence, "with loop off the input ends in silence");
  run(input_resampled_to_the_asked_rate, "the input is resampled to the asked rate");
  run(broken_input_is_a_setup_error, "a broken or missing input fails audio_create");
  run(played_frames_recorded_with_silence_between, "played frames are recorded in order, silence between");
  run(echo_lands_in_the_same_period, "a frame played in answer lands in the same period");
  run(queue_bound_drops_oldest, "playback beyond the queue bound is dropped, oldest first");
  run(output_keeps_its_first_rate, "the output keeps its first rate; later rates are resampled");
  run(append_across_reboots, "append_output continues the recording across a reboot");
  run(route_volume_tone_and_bad_arguments, "route, volume, tone remembered; bad arguments ignored");
  run(clock_late_calls_and_catch_up, "frame clock: late calls deliver the overdue frames, a second's worth at most");
  run(clock_does_not_drift, "frame clock: no drift over 10,000 frames");
  run(burst_recorded_after_the_answers, "a late burst is recorded after the firmware's answers");
  run(output_problem_never_reaches_the_firmware, "an unwritable output is reported, not fatal");
  run(same_bytes_as_node, "same microphone frames and recording bytes as the Node WavAudio");
  printf("1..%d\n", test_no);
  if (getenv("QUIP_KEEP_TMP") == NULL) remove_tmp_files();
  return failures ? 1 : 0;
}
