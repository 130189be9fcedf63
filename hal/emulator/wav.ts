// WAV files for the emulator's audio: what the microphone hears (read) and what the speaker
// played (written incrementally, so long sessions don't pile up audio in memory).
import fs from 'node:fs';
import { ALAW_TABLE, ULAW_TABLE } from './wav-g711.ts';

export class WavError extends Error {
  override name = 'WavError';
}

export interface WavData {
  sampleRate: number;
  /** Channels in the file; `samples` is always mono. */
  channels: number;
  samples: Int16Array;
}

const FORMAT_PCM = 1;
const FORMAT_ALAW = 6;
const FORMAT_ULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;
/** Streaming writers put this in the data size when they never learn the length. */
const UNKNOWN_SIZE = 0xffffffff;
const HEADER_BYTES = 44;
/** RIFF sizes are 32-bit: the data chunk may not grow past this. */
const MAX_DATA_BYTES = 0xffffffff - (HEADER_BYTES - 8);

interface Format {
  tag: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
}

/** Parses a WAV file into mono 16-bit samples (PCM 8/16-bit, µ-law, A-law). Throws WavError. */
export function readWav(bytes: Uint8Array): WavData {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || ascii(bytes, 0) !== 'RIFF' || ascii(bytes, 8) !== 'WAVE') {
    throw new WavError('not a RIFF/WAVE file');
  }
  let format: Format | null = null;
  // The RIFF size is often wrong in the wild, so chunks are walked by the real length.
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = ascii(bytes, offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + size > bytes.length) throw new WavError('truncated fmt chunk');
      format = parseFormat(view, body, size);
    } else if (id === 'data') {
      if (format === null) throw new WavError('data chunk before fmt chunk');
      const end = size === UNKNOWN_SIZE ? bytes.length : body + size;
      if (end > bytes.length) {
        throw new WavError(`truncated data: the header says ${size} bytes, the file holds ${bytes.length - body}`);
      }
      return { sampleRate: format.sampleRate, channels: format.channels, samples: decode(bytes, body, end, format) };
    }
    // Chunks are padded to an even length.
    offset = body + size + (size & 1);
  }
  throw new WavError(format === null ? 'no fmt chunk' : 'no data chunk');
}

function parseFormat(view: DataView, at: number, size: number): Format {
  let tag = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const bitsPerSample = view.getUint16(at + 14, true);
  // WAVE_FORMAT_EXTENSIBLE keeps the real format in the first two bytes of its sub-format GUID.
  if (tag === FORMAT_EXTENSIBLE && size >= 40) tag = view.getUint16(at + 24, true);
  if (channels === 0 || sampleRate === 0) throw new WavError('bad fmt chunk: zero channels or sample rate');
  const supported =
    (tag === FORMAT_PCM && (bitsPerSample === 8 || bitsPerSample === 16)) ||
    ((tag === FORMAT_ULAW || tag === FORMAT_ALAW) && bitsPerSample === 8);
  if (!supported) throw new WavError(`unsupported format: tag ${tag}, ${bitsPerSample} bits per sample`);
  return { tag, channels, sampleRate, bitsPerSample };
}

/** Decodes whole sample frames (a trailing partial frame is ignored) and averages channels. */
function decode(bytes: Uint8Array, start: number, end: number, format: Format): Int16Array {
  const width = format.bitsPerSample / 8;
  const stride = width * format.channels;
  const frames = Math.floor((end - start) / stride);
  const out = new Int16Array(frames);
  const sampleAt = sampleReader(bytes, format);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < format.channels; c++) sum += sampleAt(start + f * stride + c * width);
    out[f] = Math.round(sum / format.channels);
  }
  return out;
}

function sampleReader(bytes: Uint8Array, format: Format): (at: number) => number {
  if (format.tag === FORMAT_ULAW) return (at) => ULAW_TABLE[bytes[at]!]!;
  if (format.tag === FORMAT_ALAW) return (at) => ALAW_TABLE[bytes[at]!]!;
  if (format.bitsPerSample === 8) return (at) => (bytes[at]! - 128) << 8; // 8-bit PCM is unsigned
  return (at) => ((bytes[at]! | (bytes[at + 1]! << 8)) << 16) >> 16;
}

/** A complete 16-bit mono PCM WAV file. */
export function writeWav(samples: Int16Array, sampleRate: number): Uint8Array {
  checkRate(sampleRate);
  const data = pcmBytes(samples);
  if (data.length > MAX_DATA_BYTES) throw new WavError('too much audio for one WAV file');
  const out = new Uint8Array(HEADER_BYTES + data.length);
  out.set(wavHeader(sampleRate, data.length), 0);
  out.set(data, HEADER_BYTES);
  return out;
}

/** Linear-interpolation resampling; an equal rate returns an exact copy. */
export function resample(samples: Int16Array, fromRate: number, toRate: number): Int16Array {
  checkRate(fromRate);
  checkRate(toRate);
  if (fromRate === toRate) return samples.slice();
  const n = samples.length;
  const out = new Int16Array(Math.round((n * toRate) / fromRate));
  const step = fromRate / toRate;
  for (let i = 0; i < out.length; i++) {
    const t = i * step;
    const j = Math.floor(t);
    const a = samples[Math.min(j, n - 1)]!;
    const b = samples[Math.min(j + 1, n - 1)]!;
    out[i] = Math.round(a + (b - a) * (t - j));
  }
  return out;
}

export interface WavWriterOptions {
  /** Buffered PCM is written (and the header sizes fixed) once this much piles up; default 1 s of audio. */
  flushBytes?: number;
  /**
   * Continue a 16-bit mono WAV this module wrote before (e.g. across an emulated reboot); the
   * existing file's sample rate then wins. Anything else at `path` is replaced.
   */
  append?: boolean;
}

/**
 * Appends 16-bit mono PCM to a WAV file. The header's sizes are rewritten on every flush and
 * on close, so the file is a valid WAV up to the last flush even if the process dies.
 */
export class WavWriter {
  readonly sampleRate: number;
  private fd: number | null;
  private dataBytes = 0;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private readonly flushBytes: number;

  constructor(
    readonly path: string,
    sampleRate: number,
    options: WavWriterOptions = {},
  ) {
    checkRate(sampleRate);
    const existing = options.append ? openOwnWav(path) : null;
    if (existing) {
      this.fd = existing.fd;
      this.sampleRate = existing.sampleRate;
      this.dataBytes = existing.dataBytes;
    } else {
      this.sampleRate = sampleRate;
      this.fd = fs.openSync(path, 'w');
      writeAll(this.fd, wavHeader(sampleRate, 0), 0);
    }
    this.flushBytes = options.flushBytes ?? this.sampleRate * 2;
  }

  /** Samples written so far (including those still buffered). */
  get sampleCount(): number {
    return (this.dataBytes + this.pendingBytes) / 2;
  }

  writeSamples(samples: Int16Array): void {
    this.writePcm(pcmBytes(samples));
  }

  /** 16-bit little-endian mono bytes; a trailing odd byte is ignored. Audio past 4 GiB is dropped. */
  writePcm(pcm: Uint8Array): void {
    if (this.fd === null) return;
    const usable = pcm.length & ~1;
    if (usable === 0 || this.dataBytes + this.pendingBytes + usable > MAX_DATA_BYTES) return;
    this.pending.push(pcm.slice(0, usable));
    this.pendingBytes += usable;
    if (this.pendingBytes >= this.flushBytes) this.flush();
  }

  /** Writes buffered audio and fixes the header so the file is complete as it stands. */
  flush(): void {
    if (this.fd === null) return;
    for (const chunk of this.pending) {
      writeAll(this.fd, chunk, HEADER_BYTES + this.dataBytes);
      this.dataBytes += chunk.length;
    }
    this.pending = [];
    this.pendingBytes = 0;
    writeAll(this.fd, wavHeader(this.sampleRate, this.dataBytes), 0);
  }

  close(): void {
    if (this.fd === null) return;
    try {
      this.flush();
    } finally {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }
}

/** An existing file in exactly wavHeader's layout, opened for writing; null otherwise. */
function openOwnWav(path: string): { fd: number; sampleRate: number; dataBytes: number } | null {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r+');
  } catch {
    return null;
  }
  try {
    const header = new Uint8Array(HEADER_BYTES);
    const size = fs.fstatSync(fd).size;
    if (size < HEADER_BYTES || fs.readSync(fd, header, 0, HEADER_BYTES, 0) !== HEADER_BYTES) throw new WavError('short');
    const view = new DataView(header.buffer);
    const sampleRate = view.getUint32(24, true);
    checkRate(sampleRate);
    const expected = wavHeader(sampleRate, view.getUint32(40, true));
    if (!header.every((byte, i) => byte === expected[i] || (i >= 4 && i < 8))) throw new WavError('foreign layout');
    // Trust the file length over the header: audio written after the last header fix is kept.
    const dataBytes = Math.min(size - HEADER_BYTES, MAX_DATA_BYTES);
    return { fd, sampleRate, dataBytes: dataBytes - (dataBytes % 2) };
  } catch {
    fs.closeSync(fd);
    return null;
  }
}

function wavHeader(sampleRate: number, dataBytes: number): Uint8Array {
  const header = new Uint8Array(HEADER_BYTES);
  const view = new DataView(header.buffer);
  const text = (at: number, s: string): void => {
    for (let i = 0; i < s.length; i++) header[at + i] = s.charCodeAt(i);
  };
  text(0, 'RIFF');
  view.setUint32(4, HEADER_BYTES - 8 + dataBytes, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true); // byte rate
  view.setUint16(32, 2, true); // block align
  view.setUint16(34, 16, true);
  text(36, 'data');
  view.setUint32(40, dataBytes, true);
  return header;
}

/** Int16 samples as little-endian bytes, whatever the host's byte order. */
function pcmBytes(samples: Int16Array): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i]!, true);
  return out;
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  for (let done = 0; done < bytes.length; ) done += fs.writeSync(fd, bytes, done, bytes.length - done, position + done);
}

function checkRate(rate: number): void {
  if (!Number.isInteger(rate) || rate < 1 || rate > 0x7fffffff) throw new WavError(`bad sample rate: ${rate}`);
}

function ascii(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}
