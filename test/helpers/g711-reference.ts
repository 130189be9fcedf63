// An independent G.711 reference for the tests, written from the recommendation's tables rather
// than from firmware/codec/g711.ts: each law is described by its segments (where each starts and
// its step), a sample is placed by walking the decision values, and the decoder returns the
// middle of the interval. Slow on purpose: no tables, no bit tricks.
//
// ITU-T G.711 Table 2a (µ-law) works on a 14-bit scale (|x| ≤ 8159): segment k (0..7) has 16
// intervals of 2^(k+1) from 2^(k+5) − 33; segment 0's first interval is the positive half of the
// one around zero, so its output is 0. Table 1a (A-law) works on a 13-bit scale (|x| ≤ 4096):
// segments 0 and 1 have steps of 2 from 0 and 32, segment k ≥ 2 steps of 2^k from 2^(k+4).
// Character signals: polarity bit 1 for positive, then segment and interval; µ-law inverts the
// seven magnitude bits, A-law the even bits (0x55).
//
// 16-bit samples are placed on those scales as ITU-T G.191 (the ITU's G.711 software) does: x/4
// (µ) or x/8 (A), a negative sample by its one's complement (−x − 1), which mirrors the
// two's-complement grid about −½ so both polarities have the same intervals.

interface Law {
  /** The 16-bit sample per unit of the law's scale. */
  unit: number;
  /** Where segment k starts on the scale. */
  start(k: number): number;
  /** The interval width in segment k. */
  step(k: number): number;
  /** Character signal (polarity, segment, interval) ↔ transmitted octet. */
  invert: number;
}

const MU: Law = { unit: 4, start: (k) => 2 ** (k + 5) - 33, step: (k) => 2 ** (k + 1), invert: 0x7f };
const A: Law = { unit: 8, start: (k) => (k === 0 ? 0 : 2 ** (k + 4)), step: (k) => (k === 0 ? 2 : 2 ** k), invert: 0x55 };

function encode(law: Law, sample: number): number {
  const positive = sample >= 0;
  const scaled = Math.floor((positive ? sample : -sample - 1) / law.unit);
  let k = 7;
  while (k > 0 && scaled < law.start(k)) k--;
  const interval = Math.min(15, Math.floor((scaled - law.start(k)) / law.step(k))); // the top interval takes the overload
  return ((positive ? 0x80 : 0) + k * 16 + interval) ^ law.invert;
}

function decode(law: Law, code: number): number {
  const character = (code & 0xff) ^ law.invert;
  const k = (character >> 4) & 7;
  const interval = character & 15;
  const middle = law.start(k) + law.step(k) * (interval + 0.5);
  const value = Math.round(middle * law.unit);
  return character & 0x80 ? value : -value;
}

/** A 16-bit sample → µ-law octet. */
export const refLinearToUlaw = (sample: number): number => encode(MU, sample);
/** A µ-law octet → 16-bit sample (both zeros, 0x7f and 0xff, decode to 0). */
export const refUlawToLinear = (code: number): number => decode(MU, code) || 0;
/** A 16-bit sample → A-law octet. */
export const refLinearToAlaw = (sample: number): number => encode(A, sample);
/** An A-law octet → 16-bit sample. */
export const refAlawToLinear = (code: number): number => decode(A, code);

/** The µ-law round trip of a signal through the reference: the ideal a call's audio is scored against. */
export function refUlawRoundTrip(s: Int16Array): Int16Array {
  return Int16Array.from(s, (v) => refUlawToLinear(refLinearToUlaw(v)));
}
