// Call-progress and key tones as 16-bit PCM, synthesized frame by frame.
//
// Each frequency is a fixed-point phase accumulator indexing a precomputed sine table, so a
// sample costs two table reads, two multiplies and an add: no Math.sin on the slow CPU.
// A tone is a list of cadence segments (up to two frequencies, or silence) played once or
// repeated; segment edges fall on exact samples, not frames (a 250 ms cadence at 20 ms
// frames switches mid-frame).

/** One cadence step: up to two frequencies at one level, or silence when `freqs` is empty. */
export interface ToneSegment {
  /** Frequencies in Hz (at most two); empty for a silent gap. */
  freqs: readonly number[];
  /** Level of each frequency component in dBm0 (ignored for silence). */
  level: number;
  /** Duration in ms; 0 holds the segment until stop() (last segment only). */
  ms: number;
}

export interface Tone {
  segments: readonly ToneSegment[];
  /** Start over after the last segment (busy, ringback) or go silent (confirmation). */
  repeat: boolean;
}

/** Most segments a tone may have (the generator preallocates this many). */
export const MAX_TONE_SEGMENTS = 16;

/**
 * dBm0 of a full-scale 16-bit sine: G.711's digital milliwatt puts 0 dBm0 3.14 dB below a
 * full-scale sine (G.711 A-law; μ-law is 3.17), the usual convention for linear PCM.
 */
export const FULL_SCALE_DBM0 = 3.14;

export function dbm0ToDbfs(dbm0: number): number {
  return dbm0 - FULL_SCALE_DBM0;
}

export function dbfsToDbm0(dbfs: number): number {
  return dbfs + FULL_SCALE_DBM0;
}

/** Peak amplitude (of 32767) of a sine at `dbm0`. */
export function dbm0ToAmplitude(dbm0: number): number {
  return 32767 * Math.pow(10, dbm0ToDbfs(dbm0) / 20);
}

// Phase is 24-bit fixed point (a full cycle = 2^24), which keeps the accumulator a small
// integer in any engine and resolves frequency to sampleRate / 2^24 Hz.
const PHASE_BITS = 24;
const PHASE_MASK = (1 << PHASE_BITS) - 1;
const TABLE_BITS = 10;
const TABLE_SHIFT = PHASE_BITS - TABLE_BITS;
/** One sine cycle in Q15 (1024 points: spurs are about 60 dB down, far below the tone). */
const SINE_TABLE = (() => {
  const size = 1 << TABLE_BITS;
  const table = new Int16Array(size);
  for (let i = 0; i < size; i++) table[i] = Math.round(32767 * Math.sin((2 * Math.PI * i) / size));
  return table;
})();

/**
 * Plays one tone at a time into PCM frames. Call start() with a tone, then nextFrame() every
 * frame period; the generator allocates nothing after construction.
 */
export class ToneGenerator {
  readonly sampleRate: number;
  // The started tone, compiled per segment: samples, phase increments, Q15 gains.
  private readonly segSamples = new Float64Array(MAX_TONE_SEGMENTS); // Infinity = hold
  private readonly segInc1 = new Int32Array(MAX_TONE_SEGMENTS);
  private readonly segInc2 = new Int32Array(MAX_TONE_SEGMENTS);
  private readonly segGain1 = new Int32Array(MAX_TONE_SEGMENTS);
  private readonly segGain2 = new Int32Array(MAX_TONE_SEGMENTS);
  private segCount = 0;
  private repeat = false;
  private playing = false;
  private segment = 0;
  private remaining = 0;
  private phase1 = 0;
  private phase2 = 0;

  constructor(sampleRate = 8000) {
    this.sampleRate = sampleRate;
  }

  get active(): boolean {
    return this.playing;
  }

  /**
   * Starts `tone` from its first segment, replacing any tone playing. Frequencies at or
   * above half the sample rate cannot be represented and are left out; extra segments
   * beyond MAX_TONE_SEGMENTS are ignored (validate plans with tone-plan.ts first).
   */
  start(tone: Tone): void {
    const count = Math.min(tone.segments.length, MAX_TONE_SEGMENTS);
    for (let i = 0; i < count; i++) {
      const seg = tone.segments[i]!;
      this.segSamples[i] = seg.ms > 0 ? Math.max(1, Math.round((seg.ms * this.sampleRate) / 1000)) : Infinity;
      const gain = Math.min(32767, Math.round(dbm0ToAmplitude(seg.level)));
      const f1 = seg.freqs.length > 0 ? seg.freqs[0]! : 0;
      const f2 = seg.freqs.length > 1 ? seg.freqs[1]! : 0;
      this.segInc1[i] = this.increment(f1);
      this.segInc2[i] = this.increment(f2);
      this.segGain1[i] = this.segInc1[i] === 0 ? 0 : gain;
      this.segGain2[i] = this.segInc2[i] === 0 ? 0 : gain;
    }
    this.segCount = count;
    this.repeat = tone.repeat;
    this.playing = count > 0;
    this.segment = 0;
    this.remaining = this.segSamples[0]!;
    this.phase1 = 0;
    this.phase2 = 0;
  }

  stop(): void {
    this.playing = false;
  }

  /**
   * Fills `out` with the next samples (zeros once stopped). Returns false when the whole
   * frame is silent, so the caller can skip mixing or play comfort silence.
   */
  nextFrame(out: Int16Array): boolean {
    const length = out.length;
    let filled = 0;
    let sounded = false;
    while (filled < length) {
      if (!this.playing) {
        out.fill(0, filled);
        break;
      }
      const s = this.segment;
      const n = Math.min(length - filled, this.remaining);
      const inc1 = this.segInc1[s]!;
      const inc2 = this.segInc2[s]!;
      const gain1 = this.segGain1[s]!;
      const gain2 = this.segGain2[s]!;
      if (gain1 === 0 && gain2 === 0) {
        out.fill(0, filled, filled + n);
      } else {
        sounded = true;
        let p1 = this.phase1;
        let p2 = this.phase2;
        const end = filled + n;
        for (let i = filled; i < end; i++) {
          const v = (SINE_TABLE[p1 >> TABLE_SHIFT]! * gain1 + SINE_TABLE[p2 >> TABLE_SHIFT]! * gain2) >> 15;
          out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
          p1 = (p1 + inc1) & PHASE_MASK;
          p2 = (p2 + inc2) & PHASE_MASK;
        }
        this.phase1 = p1;
        this.phase2 = p2;
      }
      filled += n;
      this.remaining -= n;
      if (this.remaining <= 0) this.advance();
    }
    return sounded;
  }

  private advance(): void {
    const next = this.segment + 1;
    if (next < this.segCount) this.enter(next);
    else if (this.repeat) this.enter(0);
    else this.playing = false;
  }

  private enter(segment: number): void {
    const fromSilence = this.segGain1[this.segment] === 0 && this.segGain2[this.segment] === 0;
    this.segment = segment;
    this.remaining = this.segSamples[segment]!;
    // A burst after silence starts at phase 0 (sine = 0), so it begins without a click;
    // between sounding segments the phase runs on, for the same reason.
    if (fromSilence) {
      this.phase1 = 0;
      this.phase2 = 0;
    }
  }

  private increment(freq: number): number {
    if (!(freq > 0) || freq * 2 >= this.sampleRate) return 0;
    return Math.round((freq * (1 << PHASE_BITS)) / this.sampleRate);
  }
}

// ---- local DTMF key tones (ITU-T Q.23) -----------------------------------------------------

const DTMF_LOW = [697, 770, 852, 941];
const DTMF_HIGH = [1209, 1336, 1477, 1633];
/** Keypad layout: row picks the low frequency, column the high one. */
const DTMF_KEYPAD = ['123A', '456B', '789C', '*0#D'];
/** Level of each component of the key-press feedback heard in the earpiece. */
export const DTMF_TONE_LEVEL_DBM0 = -10;

/** The two frequencies [low, high] of a DTMF digit, or null. */
export function dtmfFrequencies(digit: string): readonly [number, number] | null {
  const key = digit.toUpperCase();
  if (key.length !== 1) return null;
  for (let row = 0; row < 4; row++) {
    const col = DTMF_KEYPAD[row]!.indexOf(key);
    if (col >= 0) return [DTMF_LOW[row]!, DTMF_HIGH[col]!];
  }
  return null;
}

/** Precomputed hold-until-stop key tones, so a key press allocates nothing. */
const DTMF_TONES: Readonly<Record<string, Tone>> = (() => {
  const tones: Record<string, Tone> = {};
  for (const row of DTMF_KEYPAD) {
    for (let i = 0; i < row.length; i++) {
      const digit = row.charAt(i);
      const freqs = dtmfFrequencies(digit)!;
      tones[digit] = { segments: [{ freqs, level: DTMF_TONE_LEVEL_DBM0, ms: 0 }], repeat: false };
    }
  }
  return tones;
})();

/** The local key tone of a digit, played until stop() (on key up); null for other keys. */
export function dtmfTone(digit: string): Tone | null {
  return DTMF_TONES[digit.toUpperCase()] ?? null;
}
