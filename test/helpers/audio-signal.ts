// Test signals and how to score what came out of a call: a steady multi-tone WAV in, the
// recorded WAV out, SNR against the ideal G.711 round trip — computed with the independent
// reference (g711-reference.ts), so the end-to-end check does not share the codec under test.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWav } from '../../hal/emulator/wav.ts';
import { refUlawRoundTrip } from './g711-reference.ts';

export const RATE = 8000;
const dir = mkdtempSync(join(tmpdir(), 'quip-audio-'));

/** A path in this process's scratch folder for audio files. */
export function audioPath(name: string): string {
  return join(dir, name);
}

/**
 * A steady multi-tone whose period (40 samples for these frequencies) divides the 20 ms frame,
 * so frames a jitter buffer adds or drops never shift its phase: SNR then measures the codec path.
 */
export function signal(freqs: number[], seconds: number, amplitude = 7000): Int16Array {
  const s = new Int16Array(RATE * seconds);
  for (let i = 0; i < s.length; i++) {
    let v = 0;
    for (const f of freqs) v += Math.sin((2 * Math.PI * f * i) / RATE);
    s[i] = Math.round((amplitude * v) / freqs.length);
  }
  return s;
}

export function wavFile(name: string, samples: Int16Array): string {
  const file = audioPath(name);
  writeFileSync(file, writeWav(samples, RATE));
  return file;
}

/** The ideal G.711 µ-law round trip of a signal, by the reference (not firmware/codec). */
export function ulawRoundTrip(s: Int16Array): Int16Array {
  return refUlawRoundTrip(s);
}

/** SNR (dB) of the recorded stretch against the ideal, at the best alignment within a period. */
export function snr(recorded: Int16Array, ideal: Int16Array, period: number): { db: number; start: number } {
  let first = recorded.findIndex((v) => Math.abs(v) > 500);
  if (first === -1) return { db: -Infinity, start: -1 };
  first += RATE / 2; // past the start-up of the jitter buffer
  const n = Math.min(RATE * 2, recorded.length - first - RATE / 4);
  if (n <= 0) return { db: -Infinity, start: first };
  let best = -Infinity;
  for (let lag = 0; lag < period; lag++) {
    let sig = 0;
    let err = 0;
    for (let i = 0; i < n; i++) {
      const want = ideal[(i + lag) % period]!;
      const got = recorded[first + i]!;
      sig += want * want;
      err += (got - want) ** 2;
    }
    best = Math.max(best, 10 * Math.log10(sig / Math.max(err, 1)));
  }
  return { db: best, start: first };
}

/** The longest run of (near) silent samples inside [from, to), in ms. */
export function longestGapMs(s: Int16Array, from: number, to: number): number {
  let run = 0;
  let worst = 0;
  for (let i = from; i < to; i++) {
    if (Math.abs(s[i]!) < 50) worst = Math.max(worst, ++run);
    else run = 0;
  }
  return (worst / RATE) * 1000;
}

export interface FrameScores {
  /** 20 ms frames scored: from past the jitter buffer's start-up to before the hang-up. */
  frames: number;
  /** Frames at ≥ 30 dB. */
  clean: number;
  medianDb: number;
  /** snr() over 2 s, for comparison. */
  stretchDb: number;
}

/**
 * Scores a recording frame by frame against the ideal (each frame at its best phase within the
 * period). On a quiet machine every frame is bit-exact; on a loaded one a stall longer than the
 * jitter buffer makes the phone conceal a frame or two, which snr() over 2 s turns into 20 dB.
 * Counting clean frames keeps the codec check exact and the test honest about glitches.
 */
export function frameScores(recorded: Int16Array, ideal: Int16Array, period = 40): FrameScores {
  const FRAME = RATE / 50;
  const first = recorded.findIndex((v) => Math.abs(v) > 500);
  let last = recorded.length - 1;
  while (last > 0 && Math.abs(recorded[last]!) <= 500) last--;
  const dbs: number[] = [];
  for (let at = first + RATE / 2; first >= 0 && at + FRAME <= last - RATE / 4; at += FRAME) {
    let best = -Infinity;
    for (let lag = 0; lag < period; lag++) {
      let sig = 0;
      let err = 0;
      for (let i = 0; i < FRAME; i++) {
        const want = ideal[(i + lag) % period]!;
        sig += want * want;
        err += (recorded[at + i]! - want) ** 2;
      }
      best = Math.max(best, 10 * Math.log10(sig / Math.max(err, 1)));
    }
    dbs.push(best);
  }
  const sorted = [...dbs].sort((x, y) => x - y);
  return {
    frames: dbs.length,
    clean: dbs.filter((d) => d >= 30).length,
    medianDb: sorted[Math.floor(sorted.length / 2)] ?? -Infinity,
    stretchDb: snr(recorded, ideal, period).db,
  };
}
