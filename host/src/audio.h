/* The AudioHal of quip-host, mirroring hal/emulator/audio.ts (WavAudio): the microphone is a WAV
 * file (--audio-in), the speaker records into a WAV file (--audio-out), and a frame clock paces
 * both like a codec chip would. Create one per boot of the firmware.
 *
 * The frame clock: start() at time T with frame_ms F puts frame k (k = 0, 1, ...) due at
 * T + (k + 1) * F, computed from the start time so lateness never accumulates into drift.
 * A late caller gets every overdue frame back-to-back (audio_take_frame returns one per call),
 * as a codec's capture ring hands them over, up to AUDIO_CATCH_UP_MS late; after a longer stall
 * (debugger, suspended laptop) only that much is delivered and older deadlines are skipped.
 * Example with F = 20 from T = 0: frames are due at 20, 40, 60, ...; a caller at 95 gets 4
 * frames (20, 40, 60, 80), the next is due at 100; a caller at 10 000 after that gets 50 frames
 * and the next is due at 10 020.
 *
 * The event loop (the lead's) does, each iteration:
 *   timeout = audio_next_due(a) - now (0 when negative; none when -1);
 *   while ((n = audio_take_frame(a, now, buf, sizeof buf)) > 0) queue an audio_frame event;
 *   hand the queued events to the firmware (it answers with play());
 *   audio_record_played(a);
 * The playback of each period is recorded only after the firmware answered its frame (as
 * audio.ts records on setImmediate after the burst): recording inside the burst would capture
 * a late burst's catch-up frames before their replies exist. If audio_record_played is never
 * called, audio_take_frame records the previous burst itself when the next burst begins.
 *
 * Like audio.ts: route, volume and tone are only remembered (the recording is not scaled and
 * no tone is synthesized; the firmware makes its own tones); played audio is recorded as is,
 * a period without play() (or with too little) records silence; the queue holds a catch-up
 * burst's playback, and once the owed periods are recorded, played audio queued beyond
 * AUDIO_MAX_QUEUED_FRAMES frames is dropped, oldest play() first. */
#ifndef QUIP_AUDIO_H
#define QUIP_AUDIO_H

#include <stddef.h>
#include <stdint.h>

/** The capture ring: a host up to this many ms behind still gets every frame (late, back to
 *  back); after a longer stall only the last AUDIO_CATCH_UP_MS of frames are caught up. */
#define AUDIO_CATCH_UP_MS 1000.0
/** Played audio queued beyond this many frames is dropped, oldest first. */
#define AUDIO_MAX_QUEUED_FRAMES 4
/** The largest frame start() allows (192 kHz × 1000 ms × 2 bytes): a safe take_frame buffer. */
#define AUDIO_MAX_FRAME_BYTES 384000u
/** tone() lists longer than this are ignored (audio.ts has no limit; real tones use 1..4). */
#define AUDIO_MAX_TONES 16

typedef struct {
  const char *input;  /* WAV file the microphone hears; NULL = silence */
  const char *output; /* WAV file recording everything the speaker plays, silence included; NULL = none */
  int once;           /* --audio-once: the input is heard once, then silence; 0 = looped (audio.ts's default) */
  int append_output;  /* continue an output file written before (set on every boot after the first) */
} audio_options;

typedef struct quip_audio quip_audio;

/** Reads the input file: a setup mistake fails here, NULL with wav.ts's message in err (e.g.
 *  "not a RIFF/WAVE file", or "open 'in.wav': No such file or directory"; the caller may prefix
 *  "--audio-in: "). The output is opened on the first start(). */
quip_audio *audio_create(const audio_options *o, char *err, size_t errcap);

/** (Re)starts the clock at now_ms (monotonic ms); the input is heard from its beginning. Ignored
 *  when sample_rate is outside 1000..192000, frame_ms outside (0, 1000] (or NaN), or after close.
 *  The first start opens the output file at this rate; a file kept from an earlier boot (append)
 *  keeps its own rate, and later starts at another rate are resampled into it. */
void audio_start(quip_audio *a, int sample_rate, double frame_ms, double now_ms);
/** Stops the clock, drops queued playback and unrecorded periods, fixes the output's header. */
void audio_stop(quip_audio *a);
/** Queues PCM (16-bit little-endian mono bytes) for the speaker; ignored unless running or when
 *  len is odd. A chunk longer than the queue keeps only its newest part. */
void audio_play(quip_audio *a, const uint8_t *pcm, size_t len);
/** "handset", "speaker" or "headset"; anything else is ignored. */
void audio_route(quip_audio *a, const char *route);
/** 0..10: rounded (half up) and clamped; NaN and infinities are ignored. */
void audio_volume(quip_audio *a, double level);
/** Frequencies in Hz, n = 0 for off; ignored unless every one is finite and > 0. */
void audio_tone(quip_audio *a, const double *freqs, int n);

/** Frames caught up after a stall at this frame period: ceil(AUDIO_CATCH_UP_MS / frame_ms). */
size_t audio_catch_up_frames(double frame_ms);
/** Monotonic ms at which the next frame is due, or -1 when stopped. */
double audio_next_due(const quip_audio *a);
/** Bytes in one frame (sample_rate × frame_ms / 1000 × 2), 0 when stopped. */
size_t audio_frame_bytes(const quip_audio *a);
/** The microphone frame due at now_ms, per the policy above: writes it (16-bit LE mono) into buf
 *  and returns its length; 0 when none is due, when stopped, or when cap < audio_frame_bytes()
 *  (nothing is consumed then; AUDIO_MAX_FRAME_BYTES is always enough). Call repeatedly, with the
 *  same now_ms, while it returns > 0. */
size_t audio_take_frame(quip_audio *a, double now_ms, uint8_t *buf, size_t cap);
/** Records one period of queued playback (silence where short) for every frame taken since the
 *  last call; call once the firmware has answered those frames. */
void audio_record_played(quip_audio *a);

/** State, for displays and tests. */
const char *audio_current_route(const quip_audio *a); /* "handset" initially */
int audio_current_volume(const quip_audio *a);        /* 5 initially */
int audio_current_tone(const quip_audio *a, const double **freqs); /* count; *freqs may be NULL */
int audio_is_running(const quip_audio *a);
/** Why the recording stopped (it ends at the first disk error, never reaching the firmware),
 *  or why start() could not run (out of memory); NULL when all is well. */
const char *audio_problem(const quip_audio *a);

/** Stops the clock, completes the output WAV and frees a (NULL is fine). */
void audio_close(quip_audio *a);

#endif
