// ITU-T G.711 µ-law (PCMU) and A-law (PCMA), bit-exact with the ITU's G.191 reference
// (ulaw_compress/alaw_compress and their expanders), on 16-bit linear PCM.
//
// Everything is a table lookup: measured in QuickJS, a 16K-entry encode table indexed by
// the top 14 bits (µ-law) or 4K by the top 12 bits (A-law) is ~6x faster than the
// reference segment search, and as fast as a 64K table at a quarter of the memory.
// Both laws depend only on those top bits (the reference quantizes ~x for negatives,
// and ~x >> k == ~(x >> k)), so the small tables are exact.

import { octetsToBinary, recallOctets } from '../util/octet-memo.ts';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** µ-law code (0..255) → linear sample. */
const ULAW_DECODE = new Int16Array(256);
/** A-law code (0..255) → linear sample. */
const ALAW_DECODE = new Int16Array(256);
/** (sample >> 2) & 0x3fff → µ-law code. */
const ULAW_ENCODE = new Uint8Array(16384);
/** (sample >> 4) & 0xfff → A-law code. */
const ALAW_ENCODE = new Uint8Array(4096);

for (let code = 0; code < 256; code++) {
  // G.191 ulaw_expand: codes are stored inverted; 33 (x4 = 132) is the µ-law bias.
  const inv = ~code & 0xff;
  const exp = (inv >> 4) & 7;
  const step = 8 << exp;
  const mag = (0x80 << exp) + step * (inv & 15) + (step >> 1) - 132;
  ULAW_DECODE[code] = code < 0x80 ? -mag : mag;

  // G.191 alaw_expand: even bits inverted (0x55); segment 0 has no implicit leading one.
  const a = (code ^ 0x55) & 0x7f;
  const aexp = a >> 4;
  let amag = a & 15;
  if (aexp > 0) amag += 16;
  amag = (amag << 4) + 8;
  if (aexp > 1) amag <<= aexp - 1;
  ALAW_DECODE[code] = code > 127 ? amag : -amag;
}

// The encode tables are filled one quantization interval at a time (256 native fills)
// rather than sample by sample: ~10x less start-up work in QuickJS.
for (let seg = 0; seg < 8; seg++) {
  for (let q = 0; q < 16; q++) {
    // G.191 ulaw_compress: absno = |x| >> 2 (one's complement for negatives) + 33, capped at
    // 8191; segment segno = seg + 1, mantissa q = (absno >> segno) & 15.
    const lo = (16 + q) << (seg + 1);
    const hi = seg === 7 && q === 15 ? 8191 + 33 : ((17 + q) << (seg + 1)) - 1; // the top absorbs the cap
    const code = ((7 - seg) << 4) | (15 - q);
    // y = sample >> 2: absno = y + 33 for y >= 0, 32 - y for y < 0 (index y + 16384).
    ULAW_ENCODE.fill(code | 0x80, Math.max(0, lo - 33), Math.min(8191, hi - 33) + 1);
    ULAW_ENCODE.fill(code, 16384 + Math.max(-8192, 32 - hi), 16384 + Math.min(-1, 32 - lo) + 1);
  }
}

for (let m = 0; m < 128; m++) {
  // G.191 alaw_compress: ix = |x| >> 4 (one's complement for negatives); segment e > 0 holds
  // ix in [16 << (e - 1), 32 << (e - 1)), mantissa ((ix >> (e - 1)) - 16); segment 0 is ix itself.
  const e = m >> 4;
  const q = m & 15;
  const lo = e === 0 ? q : (16 + q) << (e - 1);
  const hi = e === 0 ? q : ((17 + q) << (e - 1)) - 1;
  // y = sample >> 4: ix = y for y >= 0, -y - 1 for y < 0 (index y + 4096).
  ALAW_ENCODE.fill((m | 0x80) ^ 0x55, lo, hi + 1);
  ALAW_ENCODE.fill(m ^ 0x55, 4096 - hi - 1, 4096 - lo);
}

/**
 * Encodes `pcm` as µ-law into `out` from `offset` (e.g. past an RTP header). Stops at the end
 * of `out`. Returns the offset after the last octet written.
 */
export function encodeUlaw(pcm: Int16Array, out: Uint8Array, offset = 0): number {
  const t = ULAW_ENCODE;
  let n = pcm.length;
  if (n > out.length - offset) n = out.length - offset;
  for (let i = 0; i < n; i++) out[offset + i] = t[(pcm[i]! >> 2) & 0x3fff]!;
  return offset + (n > 0 ? n : 0);
}

/** Encodes `pcm` as A-law into `out` from `offset`. Returns the offset after the last octet. */
export function encodeAlaw(pcm: Int16Array, out: Uint8Array, offset = 0): number {
  const t = ALAW_ENCODE;
  let n = pcm.length;
  if (n > out.length - offset) n = out.length - offset;
  for (let i = 0; i < n; i++) out[offset + i] = t[(pcm[i]! >> 4) & 0xfff]!;
  return offset + (n > 0 ? n : 0);
}

/**
 * Encodes a HAL frame (16-bit little-endian byte string) straight to µ-law: skips the
 * Int16Array in between (~25% faster than pcmFromBinary + encodeUlaw in QuickJS).
 * The 14-bit index is (hi << 6) | (lo >> 2). Returns the offset after the last octet.
 * (A char above 0xFF, never in a HAL frame, yields octet 0 rather than an exception.)
 */
export function encodeUlawBinary(bin: string, out: Uint8Array, offset = 0): number {
  const known = recallOctets(bin); // the HAL's frame as octets: no charCodeAt calls
  if (known !== null) return encodeOctets(known, out, offset, ULAW_ENCODE, 2);
  const t = ULAW_ENCODE;
  let n = bin.length >> 1;
  if (n > out.length - offset) n = out.length - offset;
  for (let i = 0, j = 0; i < n; i++, j += 2) {
    out[offset + i] = t[(bin.charCodeAt(j + 1) << 6) | (bin.charCodeAt(j) >> 2)]!;
  }
  return offset + (n > 0 ? n : 0);
}

/** encodeUlawBinary for A-law: the 12-bit index is (hi << 4) | (lo >> 4). */
export function encodeAlawBinary(bin: string, out: Uint8Array, offset = 0): number {
  const known = recallOctets(bin);
  if (known !== null) return encodeOctets(known, out, offset, ALAW_ENCODE, 4);
  const t = ALAW_ENCODE;
  let n = bin.length >> 1;
  if (n > out.length - offset) n = out.length - offset;
  for (let i = 0, j = 0; i < n; i++, j += 2) {
    out[offset + i] = t[(bin.charCodeAt(j + 1) << 4) | (bin.charCodeAt(j) >> 4)]!;
  }
  return offset + (n > 0 ? n : 0);
}

/**
 * G.711-encodes a frame's octets (16-bit LE samples) with `table`, indexed by the sample's top
 * bits (`u16 >> drop`: 14 bits for µ-law, 12 for A-law). Returns the offset after the last code.
 */
function encodeOctets(b: Uint8Array, out: Uint8Array, offset: number, table: Uint8Array, drop: number): number {
  let n = b.length >> 1;
  if (n > out.length - offset) n = out.length - offset;
  if (LITTLE_ENDIAN && (b.byteOffset & 1) === 0) {
    // The octets are the samples in memory order: one read per sample.
    const u16 = new Uint16Array(b.buffer, b.byteOffset, n > 0 ? n : 0);
    for (let i = 0; i < n; i++) out[offset + i] = table[u16[i]! >> drop]!;
  } else {
    for (let i = 0, j = 0; i < n; i++, j += 2) out[offset + i] = table[((b[j + 1]! << 8) | b[j]!) >> drop]!;
  }
  return offset + (n > 0 ? n : 0);
}

/** Decodes µ-law octets into `out` (up to its length). Returns the number of samples written. */
export function decodeUlaw(data: Uint8Array, out: Int16Array): number {
  const t = ULAW_DECODE;
  const n = data.length < out.length ? data.length : out.length;
  for (let i = 0; i < n; i++) out[i] = t[data[i]!]!;
  return n;
}

/** Decodes A-law octets into `out` (up to its length). Returns the number of samples written. */
export function decodeAlaw(data: Uint8Array, out: Int16Array): number {
  const t = ALAW_DECODE;
  const n = data.length < out.length ? data.length : out.length;
  for (let i = 0; i < n; i++) out[i] = t[data[i]!]!;
  return n;
}

/** One sample to µ-law (for tone generators and tests; use encodeUlaw for frames). */
export function linearToUlaw(sample: number): number {
  return ULAW_ENCODE[(sample >> 2) & 0x3fff]!;
}

export function ulawToLinear(code: number): number {
  return ULAW_DECODE[code & 0xff]!;
}

export function linearToAlaw(sample: number): number {
  return ALAW_ENCODE[(sample >> 4) & 0xfff]!;
}

export function alawToLinear(code: number): number {
  return ALAW_DECODE[code & 0xff]!;
}

// ---- HAL frames: 16-bit little-endian PCM as byte strings ----------------------------

/**
 * A 16-bit LE byte string → samples. With `out`, fills it (no allocation) and returns it, or
 * a subarray when the string holds fewer samples; extra samples beyond `out` are ignored.
 */
export function pcmFromBinary(bin: string, out?: Int16Array): Int16Array {
  let n = bin.length >> 1;
  const dst = out ?? new Int16Array(n);
  if (n > dst.length) n = dst.length;
  // The Int16Array store wraps lo | hi << 8 to a signed value: no sign extension needed.
  for (let i = 0, j = 0; i < n; i++, j += 2) dst[i] = bin.charCodeAt(j) | (bin.charCodeAt(j + 1) << 8);
  return n === dst.length ? dst : dst.subarray(0, n);
}

let scratch = new Uint8Array(0);

/** Samples → a 16-bit LE byte string for AudioHal.play. */
export function pcmToBinary(pcm: Int16Array): string {
  let bytes: Uint8Array;
  if (LITTLE_ENDIAN) {
    // The samples' own memory is already LE: one native fromCharCode over a byte view
    // (3x faster in QuickJS than filling a buffer and 5x faster than concatenation).
    bytes = new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.length * 2);
  } else {
    if (scratch.length < pcm.length * 2) scratch = new Uint8Array(pcm.length * 2);
    for (let i = 0, j = 0; i < pcm.length; i++, j += 2) {
      const v = pcm[i]!;
      scratch[j] = v;
      scratch[j + 1] = v >> 8;
    }
    bytes = scratch.subarray(0, pcm.length * 2);
  }
  if (bytes.length <= 8192) return octetsToBinary(bytes); // audio.play hands the octets on
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  }
  return s;
}
