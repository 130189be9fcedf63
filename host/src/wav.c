/* WAV reading and writing for quip-host; mirrors hal/emulator/wav.ts and wav-g711.ts. */
#include "wav.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORMAT_PCM 1u
#define FORMAT_ALAW 6u
#define FORMAT_ULAW 7u
#define FORMAT_EXTENSIBLE 0xFFFEu
/* Streaming writers put this in the data size when they never learn the length. */
#define UNKNOWN_SIZE 0xFFFFFFFFul

static void set_err(char *err, size_t cap, const char *fmt, ...) {
  va_list ap;
  if (err == NULL || cap == 0) return;
  va_start(ap, fmt);
  vsnprintf(err, cap, fmt, ap);
  va_end(ap);
}

static unsigned get_u16(const uint8_t *p) { return (unsigned)p[0] | ((unsigned)p[1] << 8); }

static uint32_t get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void put_u16(uint8_t *p, unsigned v) {
  p[0] = (uint8_t)(v & 0xFFu);
  p[1] = (uint8_t)((v >> 8) & 0xFFu);
}

static void put_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v & 0xFFu);
  p[1] = (uint8_t)((v >> 8) & 0xFFu);
  p[2] = (uint8_t)((v >> 16) & 0xFFu);
  p[3] = (uint8_t)((v >> 24) & 0xFFu);
}

/* JavaScript's Math.round (ties toward +infinity), exactly: x - floor(x) is exact in binary
 * floating point, unlike floor(x + 0.5) which misrounds 0.49999999999999994. */
static double js_round(double x) {
  double r = floor(x);
  return x - r >= 0.5 ? r + 1.0 : r;
}

/* ---- G.711 ----------------------------------------------------------------------------- */

int16_t wav_ulaw_to_linear(uint8_t code) {
  unsigned u = (~(unsigned)code) & 0xFFu;
  unsigned exponent = (u >> 4) & 0x07u;
  long magnitude = ((long)(((u & 0x0Fu) << 3) + 0x84u) << exponent) - 0x84;
  return (int16_t)((u & 0x80u) ? -magnitude : magnitude);
}

int16_t wav_alaw_to_linear(uint8_t code) {
  unsigned a = ((unsigned)code ^ 0x55u) & 0xFFu;
  unsigned exponent = (a >> 4) & 0x07u;
  unsigned mantissa = a & 0x0Fu;
  long magnitude = exponent == 0 ? (long)((mantissa << 4) + 8u) : (long)(((mantissa << 4) + 0x108u) << (exponent - 1u));
  return (int16_t)((a & 0x80u) ? magnitude : -magnitude);
}

/* ---- reading --------------------------------------------------------------------------- */

typedef struct {
  unsigned tag;
  unsigned channels;
  uint32_t rate;
  unsigned bits;
} wav_format;

static int parse_format(const uint8_t *at, uint32_t size, wav_format *f, char *err, size_t errcap) {
  unsigned tag = get_u16(at);
  f->channels = get_u16(at + 2);
  f->rate = get_u32(at + 4);
  f->bits = get_u16(at + 14);
  /* WAVE_FORMAT_EXTENSIBLE keeps the real format in the first two bytes of its sub-format GUID. */
  if (tag == FORMAT_EXTENSIBLE && size >= 40) tag = get_u16(at + 24);
  f->tag = tag;
  if (f->channels == 0 || f->rate == 0) {
    set_err(err, errcap, "bad fmt chunk: zero channels or sample rate");
    return -1;
  }
  if (!((tag == FORMAT_PCM && (f->bits == 8 || f->bits == 16)) ||
        ((tag == FORMAT_ULAW || tag == FORMAT_ALAW) && f->bits == 8))) {
    set_err(err, errcap, "unsupported format: tag %u, %u bits per sample", tag, f->bits);
    return -1;
  }
  return 0;
}

static long sample_at(const uint8_t *p, const wav_format *f) {
  if (f->tag == FORMAT_ULAW) return wav_ulaw_to_linear(p[0]);
  if (f->tag == FORMAT_ALAW) return wav_alaw_to_linear(p[0]);
  if (f->bits == 8) return ((long)p[0] - 128) * 256; /* 8-bit PCM is unsigned */
  return (long)get_u16(p) - (get_u16(p) >= 0x8000u ? 65536L : 0L);
}

/* Decodes whole sample frames (a trailing partial frame is ignored) and averages channels. */
static int decode(const uint8_t *data, size_t len, const wav_format *f, wav_audio *out, char *err, size_t errcap) {
  size_t width = f->bits / 8u;
  size_t stride = width * f->channels;
  size_t frames = len / stride;
  size_t i;
  out->rate = f->rate;
  out->channels = f->channels;
  out->count = frames;
  out->samples = NULL;
  if (frames == 0) return 0;
  out->samples = (int16_t *)malloc(frames * sizeof(int16_t));
  if (out->samples == NULL) {
    out->count = 0;
    set_err(err, errcap, "out of memory decoding %lu samples", (unsigned long)frames);
    return -1;
  }
  for (i = 0; i < frames; i++) {
    const uint8_t *frame = data + i * stride;
    long sum = 0;
    unsigned c;
    for (c = 0; c < f->channels; c++) sum += sample_at(frame + c * width, f);
    /* 65535 channels × 32768 still fits a 32-bit long; divide as JavaScript does. */
    out->samples[i] = f->channels == 1 ? (int16_t)sum : (int16_t)js_round((double)sum / (double)f->channels);
  }
  return 0;
}

int wav_parse(const uint8_t *bytes, size_t len, wav_audio *out, char *err, size_t errcap) {
  wav_format format = {0, 0, 0, 0};
  int have_format = 0;
  uint64_t offset = 12;
  out->rate = 0;
  out->channels = 0;
  out->samples = NULL;
  out->count = 0;
  if (bytes == NULL || len < 12 || memcmp(bytes, "RIFF", 4) != 0 || memcmp(bytes + 8, "WAVE", 4) != 0) {
    set_err(err, errcap, "not a RIFF/WAVE file");
    return -1;
  }
  /* The RIFF size is often wrong in the wild, so chunks are walked by the real length.
   * Offsets are 64-bit: a hostile chunk size cannot wrap them around. */
  while (offset + 8 <= len) {
    const uint8_t *id = bytes + (size_t)offset;
    uint32_t size = get_u32(id + 4);
    uint64_t body = offset + 8;
    if (memcmp(id, "fmt ", 4) == 0) {
      if (size < 16 || body + size > len) {
        set_err(err, errcap, "truncated fmt chunk");
        return -1;
      }
      if (parse_format(bytes + (size_t)body, size, &format, err, errcap) != 0) return -1;
      have_format = 1;
    } else if (memcmp(id, "data", 4) == 0) {
      uint64_t end = size == UNKNOWN_SIZE ? (uint64_t)len : body + size;
      if (!have_format) {
        set_err(err, errcap, "data chunk before fmt chunk");
        return -1;
      }
      if (end > len) {
        set_err(err, errcap, "truncated data: the header says %lu bytes, the file holds %lu", (unsigned long)size,
                (unsigned long)(len - (size_t)body));
        return -1;
      }
      return decode(bytes + (size_t)body, (size_t)(end - body), &format, out, err, errcap);
    }
    /* Chunks are padded to an even length. */
    offset = body + size + (size & 1u);
  }
  set_err(err, errcap, have_format ? "no data chunk" : "no fmt chunk");
  return -1;
}

int wav_read_file(const char *path, wav_audio *out, char *err, size_t errcap) {
  FILE *f;
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0;
  int rc;
  out->samples = NULL;
  out->count = 0;
  errno = 0;
  f = fopen(path, "rb");
  if (f == NULL) {
    set_err(err, errcap, "open '%s': %s", path, errno ? strerror(errno) : "cannot open");
    return -1;
  }
  /* Read in growing blocks up to the cap: ftell is 32-bit on some targets and lies for pipes. */
  for (;;) {
    size_t got;
    if (len == cap) {
      size_t grown = cap == 0 ? 65536 : cap * 2;
      uint8_t *next;
      if (cap > WAV_MAX_INPUT_BYTES) {
        free(buf);
        fclose(f);
        set_err(err, errcap, "'%s' is too large for an audio input (over %lu bytes)", path,
                (unsigned long)WAV_MAX_INPUT_BYTES);
        return -1;
      }
      if (grown > WAV_MAX_INPUT_BYTES + 1) grown = WAV_MAX_INPUT_BYTES + 1;
      next = (uint8_t *)realloc(buf, grown);
      if (next == NULL) {
        free(buf);
        fclose(f);
        set_err(err, errcap, "out of memory reading '%s'", path);
        return -1;
      }
      buf = next;
      cap = grown;
    }
    got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (len > WAV_MAX_INPUT_BYTES) {
      free(buf);
      fclose(f);
      set_err(err, errcap, "'%s' is too large for an audio input (over %lu bytes)", path,
              (unsigned long)WAV_MAX_INPUT_BYTES);
      return -1;
    }
    if (got == 0) break;
  }
  if (ferror(f)) {
    set_err(err, errcap, "read '%s': %s", path, errno ? strerror(errno) : "I/O error");
    free(buf);
    fclose(f);
    return -1;
  }
  fclose(f);
  rc = wav_parse(buf, len, out, err, errcap);
  free(buf);
  return rc;
}

void wav_free(wav_audio *a) {
  if (a == NULL) return;
  free(a->samples);
  a->samples = NULL;
  a->count = 0;
}

/* ---- resampling ------------------------------------------------------------------------ */

uint64_t wav_resampled_length(uint64_t n, uint32_t from_rate, uint32_t to_rate) {
  if (from_rate == to_rate) return n;
  return (uint64_t)js_round((double)n * (double)to_rate / (double)from_rate);
}

int16_t wav_resampled_at(const int16_t *samples, size_t n, uint32_t from_rate, uint32_t to_rate, uint64_t i) {
  double step, t, j, a, b;
  size_t ja, jb;
  if (n == 0) return 0;
  if (from_rate == to_rate) return i < n ? samples[i] : samples[n - 1];
  /* The same IEEE operations in the same order as wav.ts, so the result is bit-identical. */
  step = (double)from_rate / (double)to_rate;
  t = (double)i * step;
  j = floor(t);
  ja = j >= (double)(n - 1) ? n - 1 : (size_t)j;
  jb = j + 1.0 >= (double)(n - 1) ? n - 1 : (size_t)j + 1;
  a = samples[ja];
  b = samples[jb];
  return (int16_t)js_round(a + (b - a) * (t - j));
}

/* ---- writing --------------------------------------------------------------------------- */

void wav_header(uint8_t out[WAV_HEADER_BYTES], uint32_t rate, uint32_t data_bytes) {
  memcpy(out, "RIFF", 4);
  put_u32(out + 4, (uint32_t)(WAV_HEADER_BYTES - 8 + data_bytes));
  memcpy(out + 8, "WAVE", 4);
  memcpy(out + 12, "fmt ", 4);
  put_u32(out + 16, 16);
  put_u16(out + 20, FORMAT_PCM);
  put_u16(out + 22, 1); /* mono */
  put_u32(out + 24, rate);
  put_u32(out + 28, (uint32_t)(rate * 2u)); /* byte rate */
  put_u16(out + 32, 2);                     /* block align */
  put_u16(out + 34, 16);
  memcpy(out + 36, "data", 4);
  put_u32(out + 40, data_bytes);
}

struct wav_writer {
  FILE *f;
  uint32_t rate;
  uint32_t data_bytes; /* handed to stdio, at WAV_HEADER_BYTES.. */
  uint32_t unflushed;  /* written since the header was last fixed */
  uint32_t flush_bytes;
  int failed;
  char err[256];
  char path[1]; /* the rest of the allocation */
};

static int io_fail(wav_writer *w, const char *what) {
  int e = errno;
  w->failed = 1;
  set_err(w->err, sizeof w->err, "%s '%s': %s", what, w->path, e ? strerror(e) : "I/O error");
  return -1;
}

/* An existing file in exactly wav_header's layout: its rate and the audio it holds; else -1. */
static int open_own_wav(FILE *f, uint32_t *rate, uint32_t *data_bytes) {
  uint8_t header[WAV_HEADER_BYTES], expected[WAV_HEADER_BYTES];
  long size;
  int i;
  if (fread(header, 1, WAV_HEADER_BYTES, f) != WAV_HEADER_BYTES) return -1;
  *rate = get_u32(header + 24);
  if (*rate < WAV_MIN_WRITE_RATE || *rate > WAV_MAX_WRITE_RATE) return -1;
  wav_header(expected, *rate, get_u32(header + 40));
  for (i = 0; i < WAV_HEADER_BYTES; i++) {
    if (header[i] != expected[i] && !(i >= 4 && i < 8)) return -1;
  }
  /* Trust the file length over the header: audio written after the last header fix is kept.
   * A length ftell cannot report (past 2 GiB on a 32-bit long) counts as full. */
  if (fseek(f, 0, SEEK_END) != 0) return -1;
  size = ftell(f);
  if (size < 0 || (unsigned long)size - WAV_HEADER_BYTES > WAV_MAX_DATA_BYTES) {
    *data_bytes = (uint32_t)WAV_MAX_DATA_BYTES;
  } else {
    *data_bytes = (uint32_t)((unsigned long)size - WAV_HEADER_BYTES);
  }
  *data_bytes &= ~(uint32_t)1u;
  return 0;
}

wav_writer *wav_writer_open(const char *path, uint32_t rate, int append, uint32_t flush_bytes, char *err,
                            size_t errcap) {
  size_t plen = strlen(path);
  wav_writer *w;
  if (rate < WAV_MIN_WRITE_RATE || rate > WAV_MAX_WRITE_RATE) {
    set_err(err, errcap, "bad sample rate: %lu", (unsigned long)rate);
    return NULL;
  }
  w = (wav_writer *)calloc(1, sizeof *w + plen);
  if (w == NULL) {
    set_err(err, errcap, "out of memory");
    return NULL;
  }
  memcpy(w->path, path, plen + 1);
  if (append) {
    w->f = fopen(path, "r+b");
    if (w->f != NULL && open_own_wav(w->f, &w->rate, &w->data_bytes) != 0) {
      fclose(w->f);
      w->f = NULL;
    }
    /* Writes go after the audio kept; a trailing odd byte is overwritten. */
    if (w->f != NULL && fseek(w->f, (long)(WAV_HEADER_BYTES + w->data_bytes), SEEK_SET) != 0) {
      fclose(w->f);
      w->f = NULL;
    }
  }
  if (w->f == NULL) {
    uint8_t header[WAV_HEADER_BYTES];
    w->rate = rate;
    w->data_bytes = 0;
    errno = 0;
    w->f = fopen(path, "wb");
    if (w->f == NULL) {
      set_err(err, errcap, "open '%s': %s", path, errno ? strerror(errno) : "cannot create");
      free(w);
      return NULL;
    }
    wav_header(header, rate, 0);
    errno = 0;
    if (fwrite(header, 1, WAV_HEADER_BYTES, w->f) != WAV_HEADER_BYTES || fflush(w->f) != 0) {
      io_fail(w, "write");
      set_err(err, errcap, "%s", w->err);
      fclose(w->f);
      free(w);
      return NULL;
    }
  }
  w->flush_bytes = flush_bytes != 0 ? flush_bytes : w->rate * 2u;
  return w;
}

uint32_t wav_writer_rate(const wav_writer *w) { return w->rate; }

uint64_t wav_writer_sample_count(const wav_writer *w) { return w->data_bytes / 2u; }

const char *wav_writer_error(const wav_writer *w) { return w->failed ? w->err : NULL; }

int wav_writer_flush(wav_writer *w) {
  uint8_t header[WAV_HEADER_BYTES];
  if (w->failed) return -1;
  wav_header(header, w->rate, w->data_bytes);
  errno = 0;
  /* Data first, then the header that claims it, so the header never runs ahead of the data. */
  if (fflush(w->f) != 0) return io_fail(w, "write");
  if (fseek(w->f, 0, SEEK_SET) != 0) return io_fail(w, "seek");
  if (fwrite(header, 1, WAV_HEADER_BYTES, w->f) != WAV_HEADER_BYTES) return io_fail(w, "write");
  if (fseek(w->f, (long)(WAV_HEADER_BYTES + w->data_bytes), SEEK_SET) != 0) return io_fail(w, "seek");
  if (fflush(w->f) != 0) return io_fail(w, "write");
  w->unflushed = 0;
  return 0;
}

/* Counts bytes already known to fit under WAV_MAX_DATA_BYTES; flushes when enough piled up. */
static int wrote(wav_writer *w, size_t usable) {
  w->data_bytes += (uint32_t)usable;
  w->unflushed += (uint32_t)usable;
  return w->unflushed >= w->flush_bytes ? wav_writer_flush(w) : 0;
}

int wav_writer_write(wav_writer *w, const uint8_t *pcm, size_t nbytes) {
  size_t usable = nbytes & ~(size_t)1u;
  if (w->failed) return -1;
  if (usable == 0 || usable > WAV_MAX_DATA_BYTES - w->data_bytes) return 0;
  errno = 0;
  if (fwrite(pcm, 1, usable, w->f) != usable) return io_fail(w, "write");
  return wrote(w, usable);
}

int wav_writer_write_samples(wav_writer *w, const int16_t *samples, size_t n) {
  uint8_t block[512];
  size_t done = 0;
  if (w->failed) return -1;
  if (n == 0 || n > (WAV_MAX_DATA_BYTES - w->data_bytes) / 2u) return 0;
  while (done < n) {
    size_t k = n - done < sizeof block / 2 ? n - done : sizeof block / 2, i;
    for (i = 0; i < k; i++) put_u16(block + 2 * i, (unsigned)(uint16_t)samples[done + i]);
    errno = 0;
    if (fwrite(block, 1, 2 * k, w->f) != 2 * k) return io_fail(w, "write");
    done += k;
  }
  return wrote(w, 2 * n);
}

int wav_writer_close(wav_writer *w, char *err, size_t errcap) {
  int rc = 0;
  if (w == NULL) return 0;
  if (wav_writer_flush(w) != 0) rc = -1;
  errno = 0;
  if (fclose(w->f) != 0 && rc == 0) rc = io_fail(w, "close");
  if (rc != 0) set_err(err, errcap, "%s", w->err);
  free(w);
  return rc;
}
