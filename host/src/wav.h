/* WAV files for quip-host's audio, mirroring hal/emulator/wav.ts: what the microphone hears
 * (read whole, decoded to mono 16-bit) and what the speaker played (written incrementally).
 * Portable C99; every multi-byte field is read and written little-endian byte by byte. */
#ifndef QUIP_WAV_H
#define QUIP_WAV_H

#include <stddef.h>
#include <stdint.h>

/** The canonical header wav_writer writes: RIFF, a 16-byte fmt chunk, then data. */
#define WAV_HEADER_BYTES 44
/** Input files larger than this are refused (they are read whole into memory). */
#define WAV_MAX_INPUT_BYTES (256ul * 1024ul * 1024ul)
/** The data chunk of a written file stops growing here. wav.ts allows 4 GiB; we stop under
 *  2 GiB so every file offset fits a 32-bit long (fseek) on armhf and win32. Even. */
#define WAV_MAX_DATA_BYTES 0x7FFFFFD2ul
/** Sample rates a wav_writer accepts (and an appended file must have): start()'s range. */
#define WAV_MIN_WRITE_RATE 1000u
#define WAV_MAX_WRITE_RATE 192000u

/** A decoded file: always mono (channels averaged) 16-bit at the file's own rate. */
typedef struct {
  uint32_t rate;     /* samples per second, as the fmt chunk says (non-zero) */
  unsigned channels; /* channels in the file (1..65535); samples is mono regardless */
  int16_t *samples;  /* malloc'd; NULL when count is 0 */
  size_t count;
} wav_audio;

/** Parses a RIFF/WAVE image: PCM 8/16-bit, G.711 A-law (tag 6) and µ-law (tag 7), also inside
 *  WAVE_FORMAT_EXTENSIBLE; any channel count (averaged to mono), any rate. Unknown chunks are
 *  skipped, the RIFF size is ignored, a data size of 0xFFFFFFFF means "to the end of the file",
 *  a trailing partial sample frame is dropped. 0 on success; -1 with wav.ts's message in err
 *  ("not a RIFF/WAVE file", "truncated fmt chunk", "unsupported format: tag 3, 32 bits per
 *  sample", "truncated data: the header says N bytes, the file holds M", "no data chunk", ...). */
int wav_parse(const uint8_t *bytes, size_t len, wav_audio *out, char *err, size_t errcap);
/** wav_parse of a whole file; also fails (with the path and the OS reason) when it cannot be
 *  opened or read, or is larger than WAV_MAX_INPUT_BYTES. */
int wav_read_file(const char *path, wav_audio *out, char *err, size_t errcap);
/** Releases samples; safe on a zeroed or already freed wav_audio. */
void wav_free(wav_audio *a);

/** G.711 expansion to 16-bit linear (µ-law: the 14-bit value × 4; A-law: the 13-bit value × 8). */
int16_t wav_ulaw_to_linear(uint8_t code);
int16_t wav_alaw_to_linear(uint8_t code);

/** Linear-interpolation resampling as wav.ts's resample(), computed one output sample at a time
 *  so nothing is allocated: the output length, and output sample i (i < that length) of n input
 *  samples. Equal rates are an exact copy. Rates must be non-zero. Bit-exact with the TypeScript. */
uint64_t wav_resampled_length(uint64_t n, uint32_t from_rate, uint32_t to_rate);
int16_t wav_resampled_at(const int16_t *samples, size_t n, uint32_t from_rate, uint32_t to_rate, uint64_t i);

/** The 44-byte header of a 16-bit mono PCM file holding data_bytes of audio. */
void wav_header(uint8_t out[WAV_HEADER_BYTES], uint32_t rate, uint32_t data_bytes);

/** Appends 16-bit mono PCM to a WAV file. The header's sizes are rewritten on every flush (by
 *  default once a second of audio has been written) and on close, so a killed process leaves a
 *  valid WAV holding everything up to the last flush. */
typedef struct wav_writer wav_writer;

/** Creates (truncates) path with an empty WAV at rate (WAV_MIN_WRITE_RATE..WAV_MAX_WRITE_RATE).
 *  With append, a file at path in exactly our own header layout is continued instead, keeping
 *  its rate (wav_writer_rate tells which) and trusting the file length over its header, so audio
 *  written after the last header fix survives; anything else at path is replaced.
 *  flush_bytes 0 means one second of audio. NULL with the reason in err. */
wav_writer *wav_writer_open(const char *path, uint32_t rate, int append, uint32_t flush_bytes, char *err,
                            size_t errcap);
uint32_t wav_writer_rate(const wav_writer *w);
/** Samples written so far (flushed or not). */
uint64_t wav_writer_sample_count(const wav_writer *w);
/** 16-bit little-endian mono bytes; a trailing odd byte is ignored; a write that would take the
 *  data past WAV_MAX_DATA_BYTES is dropped whole. 0 on success, -1 on an I/O error (then
 *  wav_writer_error says why and the writer refuses further writes). */
int wav_writer_write(wav_writer *w, const uint8_t *pcm, size_t nbytes);
/** The same for samples in host order. */
int wav_writer_write_samples(wav_writer *w, const int16_t *samples, size_t n);
/** Pushes written audio to the OS and fixes the header so the file is complete as it stands. */
int wav_writer_flush(wav_writer *w);
/** The last I/O error, or NULL. */
const char *wav_writer_error(const wav_writer *w);
/** Flushes, closes and frees w (NULL is fine). 0 on success; -1 with the reason in err. */
int wav_writer_close(wav_writer *w, char *err, size_t errcap);

#endif
