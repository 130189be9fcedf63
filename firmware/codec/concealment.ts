// Packet loss concealment for G.711, a simplified take on G.711 Appendix I: a lost frame is
// replaced by the last good frame, faded -6 dB per repeat; the last allowed repeat fades
// to zero and further losses are silence. The first good frame after a loss is
// cross-faded in from where the concealment left off, so neither edge clicks.
//
// Integer Q15 gains only: QuickJS keeps small ints unboxed, so this stays off the float
// path, and no buffers are allocated after the first frame.

export interface ConcealerOptions {
  /** Lost frames concealed by repetition before silence (default 3). */
  maxRepeats?: number;
  /** Samples over which the first good frame after a loss is cross-faded in (default 32, 4 ms at 8 kHz). */
  crossfadeSamples?: number;
}

const ONE = 32768; // 1.0 in Q15

export class PacketLossConcealer {
  private readonly maxRepeats: number;
  private readonly crossfade: number;
  private history = new Int16Array(0);
  private historyLength = 0;
  /** Next history sample to repeat: repetition continues cyclically across frames. */
  private pos = 0;
  private run = 0;

  constructor(options: ConcealerOptions = {}) {
    this.maxRepeats = Math.max(1, Math.floor(options.maxRepeats ?? 3));
    this.crossfade = Math.max(1, Math.floor(options.crossfadeSamples ?? 32));
  }

  /** Consecutive frames concealed since the last good frame. */
  get lostFrames(): number {
    return this.run;
  }

  /**
   * Takes a decoded good frame: after a loss it is cross-faded in (modified in place);
   * then it becomes the frame that a later loss repeats. Returns `frame`.
   */
  good(frame: Int16Array): Int16Array {
    const n = frame.length;
    if (this.run > 0 && this.historyLength > 0) {
      // Fade from the continuation of the concealment (at its final gain) into the new frame.
      const g = this.gain(this.run < this.maxRepeats ? this.run : this.maxRepeats);
      const len = this.crossfade < n ? this.crossfade : n;
      const h = this.history;
      const hl = this.historyLength;
      let j = this.pos;
      for (let i = 0; i < len; i++) {
        const cont = (h[j]! * g) >> 15;
        frame[i] = cont + (((frame[i]! - cont) * i) / len | 0);
        if (++j === hl) j = 0;
      }
    }
    if (this.history.length < n) this.history = new Int16Array(n);
    this.history.set(frame);
    this.historyLength = n;
    this.pos = 0;
    this.run = 0;
    return frame;
  }

  /**
   * Fills `out` with the concealment for one lost frame: frame k (1-based) of a loss repeats
   * the last good frame with a gain ramping from 2^-(k-1) to 2^-k (to 0 for k = maxRepeats);
   * beyond that, or before any good frame, silence. Returns `out`.
   */
  conceal(out: Int16Array): Int16Array {
    this.run++;
    const n = out.length;
    if (this.historyLength === 0 || this.run > this.maxRepeats || n === 0) {
      out.fill(0);
      return out;
    }
    const g0 = this.gain(this.run - 1);
    const g1 = this.gain(this.run);
    // Gain in Q23 (Q15 << 8) so the per-sample step keeps precision with integer math.
    let gq = g0 << 8;
    const step = (((g1 - g0) << 8) / n) | 0;
    const h = this.history;
    const hl = this.historyLength;
    let j = this.pos;
    for (let i = 0; i < n; i++) {
      out[i] = (h[j]! * (gq >> 8)) >> 15;
      gq += step;
      if (++j === hl) j = 0;
    }
    this.pos = j;
    return out;
  }

  /** Forgets the history (new call, new stream). */
  reset(): void {
    this.historyLength = 0;
    this.pos = 0;
    this.run = 0;
  }

  /** Q15 gain at the end of concealed frame k: -6 dB per frame, 0 at the last repeat. */
  private gain(k: number): number {
    if (k <= 0) return ONE;
    if (k >= this.maxRepeats) return 0;
    return ONE >> k;
  }
}

// ---- comfort noise (RFC 3389) ----------------------------------------------------------

/** A CN payload: the noise level and the (optional) spectral reflection coefficients. */
export interface ComfortNoise {
  /** Level in dBov, 0 to -127 (the payload carries its magnitude). */
  levelDbov: number;
  /** Raw reflection coefficients (RFC 3389 §3.2), possibly empty; the generator ignores them (white noise). */
  reflection: Uint8Array;
}

/** Static payload type for CN at 8 kHz (RFC 3551). */
export const CN_PAYLOAD_TYPE = 13;

/** Parses a CN payload; null when it is empty. The reserved top bit of the level is ignored. */
export function parseComfortNoise(payload: Uint8Array): ComfortNoise | null {
  if (payload.length === 0) return null;
  const level = payload[0]! & 0x7f;
  return { levelDbov: level === 0 ? 0 : -level, reflection: payload.subarray(1) };
}

/** A CN payload for a level in dBov (clamped to 0..-127), without spectral information. */
export function comfortNoisePayload(levelDbov: number): Uint8Array {
  const out = new Uint8Array(1);
  out[0] = clampLevel(levelDbov);
  return out;
}

/**
 * The RMS level of a frame in dBov (0 dBov = a full-scale square wave, RFC 3389 §3.1),
 * -127 for digital silence: what to put into an outgoing CN packet.
 */
export function frameLevelDbov(pcm: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) sum += pcm[i]! * pcm[i]!;
  if (sum === 0 || pcm.length === 0) return -127;
  const db = 10 * Math.log10(sum / pcm.length / (ONE * ONE));
  return db < -127 ? -127 : db > 0 ? 0 : db;
}

/** Low-level white noise at a CN level: xorshift32 (int32 ops only, no float per sample). */
export class ComfortNoiseGenerator {
  private state: number;
  /** Peak amplitude of the uniform noise (RMS = peak / sqrt 3). */
  private amplitude = 0;

  constructor(seed = 0x2545f491, levelDbov = -70) {
    this.state = seed | 0 || 1;
    this.setLevel(levelDbov);
  }

  /** Sets the level in dBov (e.g. from parseComfortNoise). */
  setLevel(levelDbov: number): void {
    const rms = ONE * Math.pow(10, -clampLevel(levelDbov) / 20);
    const peak = Math.round(rms * Math.sqrt(3));
    this.amplitude = peak > 32767 ? 32767 : peak;
  }

  /** Fills `out` with noise; returns it. */
  fill(out: Int16Array): Int16Array {
    let x = this.state;
    const a = this.amplitude;
    for (let i = 0; i < out.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = ((x >> 16) * a) >> 15; // x >> 16 is uniform in [-32768, 32767]
    }
    this.state = x;
    return out;
  }
}

/** dBov → the payload's magnitude byte 0..127. */
function clampLevel(levelDbov: number): number {
  const v = Math.round(-levelDbov);
  return v > 127 ? 127 : v > 0 ? v : 0;
}
