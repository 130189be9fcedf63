/* quip-host's AudioHal: WAV microphone, WAV speaker recording, frame clock. Mirrors
 * hal/emulator/audio.ts; see audio.h for the policies. */
#include "audio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wav.h"

struct quip_audio {
  /* microphone: the decoded file, heard resampled to the running rate (computed per sample) */
  wav_audio input;
  int loop;
  uint64_t input_len; /* input length at the running rate */
  uint64_t input_pos;

  /* speaker recording */
  char *output;
  int append_output;
  wav_writer *writer;
  char problem[300];
  int output_failed;

  /* clock */
  int running, closed;
  uint32_t rate;
  double frame_ms;
  size_t frame_samples;
  double first_due; /* start time + frame_ms */
  double index;     /* frames delivered (or skipped) since start; exact integer in a double */
  size_t unrecorded; /* frames taken whose playback is not recorded yet */
  int last_take_empty;

  /* playback queue: a byte ring plus the length of each queued play(), since the bound drops
   * whole play() chunks, oldest first, as audio.ts does */
  uint8_t *ring;
  size_t ring_cap, ring_start, ring_used, limit; /* limit: a catch-up burst's worth of playback */
  size_t queued_limit;                            /* what stays queued once the owed periods are recorded */
  uint32_t *chunks;
  size_t chunks_cap, chunks_start, chunks_count;

  uint8_t *period;      /* one frame of playback */
  int16_t *period16;    /* the same as samples, when it must be resampled */
  int16_t *resampled;   /* that frame at the writer's rate */
  size_t resampled_cap;
  size_t buffers_for;   /* frame_samples the buffers above were sized for */

  const char *route;
  int volume;
  double tones[AUDIO_MAX_TONES];
  int ntones;
};

static double js_round(double x) {
  double r = floor(x);
  return x - r >= 0.5 ? r + 1.0 : r;
}

quip_audio *audio_create(const audio_options *o, char *err, size_t errcap) {
  quip_audio *a = (quip_audio *)calloc(1, sizeof *a);
  if (a == NULL) {
    if (err != NULL && errcap > 0) snprintf(err, errcap, "out of memory");
    return NULL;
  }
  a->loop = !o->once;
  a->append_output = o->append_output;
  a->route = "handset";
  a->volume = 5;
  a->last_take_empty = 1;
  if (o->input != NULL && wav_read_file(o->input, &a->input, err, errcap) != 0) {
    free(a);
    return NULL;
  }
  /* wav.ts would throw "bad sample rate" from resample() at start(); say so at setup instead. */
  if (a->input.rate > 0x7FFFFFFFul) {
    if (err != NULL && errcap > 0) snprintf(err, errcap, "bad sample rate: %lu", (unsigned long)a->input.rate);
    wav_free(&a->input);
    free(a);
    return NULL;
  }
  if (o->output != NULL) {
    size_t n = strlen(o->output) + 1;
    a->output = (char *)malloc(n);
    if (a->output == NULL) {
      if (err != NULL && errcap > 0) snprintf(err, errcap, "out of memory");
      wav_free(&a->input);
      free(a);
      return NULL;
    }
    memcpy(a->output, o->output, n);
  }
  return a;
}

/* ---- the recording ----------------------------------------------------------------------- */

/* A disk problem ends the recording but never reaches the firmware. */
static void output_failed(quip_audio *a) {
  const char *why = a->writer != NULL ? wav_writer_error(a->writer) : NULL;
  snprintf(a->problem, sizeof a->problem, "%s", why != NULL ? why : "audio output failed");
  a->output_failed = 1;
  wav_writer_close(a->writer, NULL, 0);
  a->writer = NULL;
}

static void open_output(quip_audio *a) {
  if (a->writer != NULL || a->output == NULL || a->output_failed) return;
  a->writer = wav_writer_open(a->output, a->rate, a->append_output, 0, a->problem, sizeof a->problem);
  if (a->writer == NULL) a->output_failed = 1;
}

static void record_period(quip_audio *a, const uint8_t *pcm) {
  uint32_t to;
  size_t m, i;
  int rc;
  if (a->writer == NULL) return;
  to = wav_writer_rate(a->writer);
  if (to == a->rate) {
    rc = wav_writer_write(a->writer, pcm, a->frame_samples * 2);
  } else {
    /* The output keeps its first rate; resample this period into it (as little-endian in). */
    int16_t *in = a->period16;
    m = (size_t)wav_resampled_length(a->frame_samples, a->rate, to);
    for (i = 0; i < a->frame_samples; i++) {
      unsigned v = (unsigned)pcm[2 * i] | ((unsigned)pcm[2 * i + 1] << 8);
      in[i] = (int16_t)(v >= 0x8000u ? (long)v - 65536L : (long)v);
    }
    if (m > a->resampled_cap) {
      int16_t *grown = (int16_t *)realloc(a->resampled, m * sizeof *grown);
      if (grown == NULL) return; /* this period is lost; the next may fit */
      a->resampled = grown;
      a->resampled_cap = m;
    }
    for (i = 0; i < m; i++) a->resampled[i] = wav_resampled_at(in, a->frame_samples, a->rate, to, i);
    rc = wav_writer_write_samples(a->writer, a->resampled, m);
  }
  if (rc != 0) output_failed(a);
}

/* ---- the playback queue ------------------------------------------------------------------ */

static void drop_head_chunk(quip_audio *a) {
  size_t n = a->chunks[a->chunks_start];
  a->ring_start = (a->ring_start + n) % a->ring_cap;
  a->ring_used -= n;
  a->chunks_start = (a->chunks_start + 1) % a->chunks_cap;
  a->chunks_count--;
}

/* Drops the oldest queued playback down to `keep` bytes (a head chunk keeps its newest part). */
static void trim_played(quip_audio *a, size_t keep) {
  while (a->ring_used > keep && a->chunks_count > 0) {
    uint32_t *head = &a->chunks[a->chunks_start];
    size_t excess = a->ring_used - keep;
    if (*head <= excess) {
      drop_head_chunk(a);
      continue;
    }
    a->ring_start = (a->ring_start + excess) % a->ring_cap;
    a->ring_used -= excess;
    *head -= (uint32_t)excess;
  }
}

/* Exactly `bytes` of queued playback into out, padded with silence when the firmware fell short. */
static void take_played(quip_audio *a, uint8_t *out, size_t bytes) {
  size_t filled = 0;
  while (filled < bytes && a->chunks_count > 0) {
    uint32_t *head = &a->chunks[a->chunks_start];
    size_t n = bytes - filled < *head ? bytes - filled : *head, k;
    for (k = 0; k < n; k++) out[filled + k] = a->ring[(a->ring_start + k) % a->ring_cap];
    filled += n;
    a->ring_start = (a->ring_start + n) % a->ring_cap;
    a->ring_used -= n;
    *head -= (uint32_t)n;
    if (*head == 0) {
      a->chunks_start = (a->chunks_start + 1) % a->chunks_cap;
      a->chunks_count--;
    }
  }
  memset(out + filled, 0, bytes - filled);
}

static void clear_played(quip_audio *a) {
  a->ring_start = a->ring_used = 0;
  a->chunks_start = a->chunks_count = 0;
}

static int grow_chunks(quip_audio *a) {
  size_t cap = a->chunks_cap * 2, i;
  uint32_t *next = (uint32_t *)malloc(cap * sizeof *next);
  if (next == NULL) return -1;
  for (i = 0; i < a->chunks_count; i++) next[i] = a->chunks[(a->chunks_start + i) % a->chunks_cap];
  free(a->chunks);
  a->chunks = next;
  a->chunks_cap = cap;
  a->chunks_start = 0;
  return 0;
}

void audio_play(quip_audio *a, const uint8_t *pcm, size_t len) {
  size_t k, end;
  if (!a->running || len % 2 != 0 || len == 0) return;
  /* A chunk longer than the whole queue keeps its newest part. */
  if (len > a->limit) {
    pcm += len - a->limit;
    len = a->limit;
  }
  if (a->chunks_count == a->chunks_cap && grow_chunks(a) != 0) return;
  /* ring_used <= limit and len <= limit, so 2 × limit always has room. */
  end = (a->ring_start + a->ring_used) % a->ring_cap;
  for (k = 0; k < len; k++) a->ring[(end + k) % a->ring_cap] = pcm[k];
  a->ring_used += len;
  a->chunks[(a->chunks_start + a->chunks_count) % a->chunks_cap] = (uint32_t)len;
  a->chunks_count++;
  /* Too much queued: drop the oldest so the speaker's latency stays bounded. */
  while (a->ring_used > a->limit) drop_head_chunk(a);
}

void audio_record_played(quip_audio *a) {
  int recorded = a->unrecorded > 0;
  while (a->unrecorded > 0 && a->running) {
    a->unrecorded--;
    take_played(a, a->period, a->frame_samples * 2);
    record_period(a, a->period);
  }
  a->unrecorded = 0;
  /* Too much queued once the owed periods are recorded: drop the oldest so latency stays bounded. */
  if (recorded) trim_played(a, a->queued_limit);
}

/* ---- the clock ----------------------------------------------------------------------------- */

size_t audio_catch_up_frames(double frame_ms) {
  double n = ceil(AUDIO_CATCH_UP_MS / frame_ms);
  return n >= 1 ? (size_t)n : 1;
}

/* Buffers for a frame of frame_samples; reused while big enough. */
static int size_buffers(quip_audio *a, size_t frame_samples, double frame_ms) {
  size_t limit = (audio_catch_up_frames(frame_ms) + AUDIO_MAX_QUEUED_FRAMES) * frame_samples * 2;
  a->queued_limit = AUDIO_MAX_QUEUED_FRAMES * frame_samples * 2;
  if (a->buffers_for >= frame_samples && a->ring_cap >= 2 * limit) {
    a->limit = limit;
    return 0;
  }
  free(a->ring);
  free(a->period);
  free(a->period16);
  free(a->chunks);
  a->ring = (uint8_t *)malloc(2 * limit);
  a->period = (uint8_t *)malloc(frame_samples * 2);
  a->period16 = (int16_t *)malloc(frame_samples * sizeof *a->period16);
  a->chunks_cap = 64;
  a->chunks = (uint32_t *)malloc(a->chunks_cap * sizeof *a->chunks);
  if (a->ring == NULL || a->period == NULL || a->period16 == NULL || a->chunks == NULL) {
    free(a->ring);
    free(a->period);
    free(a->period16);
    free(a->chunks);
    a->ring = a->period = NULL;
    a->period16 = NULL;
    a->chunks = NULL;
    a->buffers_for = 0;
    return -1;
  }
  a->buffers_for = frame_samples;
  a->ring_cap = 2 * limit;
  a->limit = limit;
  return 0;
}

void audio_start(quip_audio *a, int sample_rate, double frame_ms, double now_ms) {
  double samples;
  if (a->closed || sample_rate < 1000 || sample_rate > 192000) return;
  if (!(frame_ms > 0) || frame_ms > 1000) return;
  samples = js_round((double)sample_rate * frame_ms / 1000.0);
  if (samples < 1) return;
  audio_stop(a);
  if (size_buffers(a, (size_t)samples, frame_ms) != 0) {
    snprintf(a->problem, sizeof a->problem, "out of memory starting audio at %d Hz", sample_rate);
    return;
  }
  clear_played(a);
  a->rate = (uint32_t)sample_rate;
  a->frame_ms = frame_ms;
  a->frame_samples = (size_t)samples;
  a->input_len = a->input.count > 0 ? wav_resampled_length(a->input.count, a->input.rate, a->rate) : 0;
  a->input_pos = 0;
  open_output(a);
  a->running = 1;
  a->first_due = now_ms + frame_ms;
  a->index = 0;
  a->unrecorded = 0;
  a->last_take_empty = 1;
}

void audio_stop(quip_audio *a) {
  a->running = 0;
  a->unrecorded = 0;
  clear_played(a);
  if (a->writer != NULL && wav_writer_flush(a->writer) != 0) output_failed(a);
}

double audio_next_due(const quip_audio *a) {
  return a->running ? a->first_due + a->index * a->frame_ms : -1;
}

size_t audio_frame_bytes(const quip_audio *a) { return a->running ? a->frame_samples * 2 : 0; }

/* The next frame of the input at the running rate, looping or ending in silence. */
static void next_input_frame(quip_audio *a, uint8_t *buf) {
  size_t filled = 0;
  while (filled < a->frame_samples && a->input_len > 0) {
    uint64_t left;
    size_t n, i;
    if (a->input_pos >= a->input_len) {
      if (!a->loop) break;
      a->input_pos = 0;
    }
    left = a->input_len - a->input_pos;
    n = a->frame_samples - filled < left ? a->frame_samples - filled : (size_t)left;
    for (i = 0; i < n; i++) {
      int16_t s = wav_resampled_at(a->input.samples, a->input.count, a->input.rate, a->rate, a->input_pos + i);
      uint16_t u = (uint16_t)s;
      buf[2 * (filled + i)] = (uint8_t)(u & 0xFFu);
      buf[2 * (filled + i) + 1] = (uint8_t)(u >> 8);
    }
    filled += n;
    a->input_pos += n;
  }
  memset(buf + 2 * filled, 0, 2 * (a->frame_samples - filled));
}

size_t audio_take_frame(quip_audio *a, double now_ms, uint8_t *buf, size_t cap) {
  double due;
  if (!a->running || cap < a->frame_samples * 2) return 0;
  due = floor((now_ms - audio_next_due(a)) / a->frame_ms) + 1;
  if (!(due >= 1)) {
    a->last_take_empty = 1;
    return 0;
  }
  /* After a stall longer than the capture ring only its newest frames are caught up. */
  size_t ring = audio_catch_up_frames(a->frame_ms);
  if (due > (double)ring) a->index += due - (double)ring;
  /* A forgotten audio_record_played: the previous burst has been answered by now. */
  if (a->unrecorded > 0 && (a->last_take_empty || a->unrecorded >= ring)) {
    audio_record_played(a);
  }
  next_input_frame(a, buf);
  a->index += 1;
  a->unrecorded++;
  a->last_take_empty = 0;
  return a->frame_samples * 2;
}

/* ---- route, volume, tone --------------------------------------------------------------------- */

void audio_route(quip_audio *a, const char *route) {
  static const char *const routes[] = {"handset", "speaker", "headset"};
  size_t i;
  if (route == NULL) return;
  for (i = 0; i < sizeof routes / sizeof routes[0]; i++) {
    if (strcmp(route, routes[i]) == 0) a->route = routes[i];
  }
}

void audio_volume(quip_audio *a, double level) {
  double v;
  if (!isfinite(level)) return;
  v = js_round(level);
  a->volume = v < 0 ? 0 : v > 10 ? 10 : (int)v;
}

void audio_tone(quip_audio *a, const double *freqs, int n) {
  int i;
  if (n < 0 || n > AUDIO_MAX_TONES || (n > 0 && freqs == NULL)) return;
  for (i = 0; i < n; i++) {
    if (!isfinite(freqs[i]) || !(freqs[i] > 0)) return;
  }
  for (i = 0; i < n; i++) a->tones[i] = freqs[i];
  a->ntones = n;
}

const char *audio_current_route(const quip_audio *a) { return a->route; }
int audio_current_volume(const quip_audio *a) { return a->volume; }
int audio_current_tone(const quip_audio *a, const double **freqs) {
  if (freqs != NULL) *freqs = a->ntones > 0 ? a->tones : NULL;
  return a->ntones;
}
int audio_is_running(const quip_audio *a) { return a->running; }
const char *audio_problem(const quip_audio *a) { return a->problem[0] != '\0' ? a->problem : NULL; }

void audio_close(quip_audio *a) {
  if (a == NULL) return;
  audio_stop(a);
  a->closed = 1;
  wav_writer_close(a->writer, NULL, 0); /* as audio.ts: a failure here has nobody left to tell */
  a->writer = NULL;
  wav_free(&a->input);
  free(a->output);
  free(a->ring);
  free(a->period);
  free(a->period16);
  free(a->chunks);
  free(a->resampled);
  free(a);
}
