import test from 'ava';
import {
  alawToLinear,
  decodeAlaw,
  decodeUlaw,
  encodeAlaw,
  encodeAlawBinary,
  encodeUlaw,
  encodeUlawBinary,
  linearToAlaw,
  linearToUlaw,
  pcmFromBinary,
  pcmToBinary,
  ulawToLinear,
} from '../../firmware/codec/g711.ts';
import { PCMA, PCMU } from '../../firmware/codec/registry.ts';
import type { AudioCodec } from '../../firmware/codec/registry.ts';

/** Every 16-bit sample value, -32768..32767. */
function allSamples(): Int16Array {
  const pcm = new Int16Array(65536);
  for (let i = 0; i < 65536; i++) pcm[i] = i - 32768;
  return pcm;
}

// Decoder output values of ITU-T G.711 Tables 1a/2a, scaled to 16 bits (µ-law values x4
// from the 8031 scale, A-law x8 from the 4032 scale).
test('µ-law decodes the G.711 reference values', (t) => {
  const table: [number, number][] = [
    [0xff, 0], [0x7f, 0], [0xfe, 8], [0x7e, -8], [0xf0, 120], // segment 1: 0, 2, .. 30
    [0xef, 132], [0xe0, 372], // segment 2: 33 .. 93
    [0xdf, 396], [0xcf, 924], [0xbf, 1980], [0xaf, 4092], [0x9f, 8316], [0x8f, 16764],
    [0x80, 32124], [0x00, -32124], // 8031: the extremes
  ];
  for (const [code, value] of table) t.is(ulawToLinear(code), value, `code 0x${code.toString(16)}`);
});

test('A-law decodes the G.711 reference values', (t) => {
  const table: [number, number][] = [
    [0xd5, 8], [0x55, -8], [0xd4, 24], [0xda, 248], // segment 1: 1, 3, .. 31
    [0xc5, 264], // segment 2 starts at 33
    [0xf5, 528], [0xe5, 1056], [0x95, 2112], [0x85, 4224], [0xb5, 8448], [0xa5, 16896],
    [0xaa, 32256], [0x2a, -32256], // 4032: the extremes
  ];
  for (const [code, value] of table) t.is(alawToLinear(code), value, `code 0x${code.toString(16)}`);
});

test('encoders follow the G.711/G.191 decision values and clip', (t) => {
  // µ-law: the first decision value is 1 in the 14-bit scale (4 in 16 bits); negative values
  // are quantized as their one's complement, like the ITU G.191 reference.
  t.is(linearToUlaw(0), 0xff);
  t.is(linearToUlaw(3), 0xff);
  t.is(linearToUlaw(4), 0xfe);
  t.is(linearToUlaw(-1), 0x7f);
  t.is(linearToUlaw(-4), 0x7f);
  t.is(linearToUlaw(-5), 0x7e);
  t.is(linearToUlaw(32767), 0x80);
  t.is(linearToUlaw(-32768), 0x00);
  // A-law: the first decision value is 2 in the 13-bit scale (16 in 16 bits).
  t.is(linearToAlaw(0), 0xd5);
  t.is(linearToAlaw(15), 0xd5);
  t.is(linearToAlaw(16), 0xd4);
  t.is(linearToAlaw(-16), 0x55);
  t.is(linearToAlaw(-17), 0x54);
  t.is(linearToAlaw(32767), 0xaa);
  t.is(linearToAlaw(-32768), 0x2a);
});

// The ITU-T G.191 reference encoders (g711.c: ulaw_compress, alaw_compress), sample by sample.
function g191Ulaw(x: number): number {
  let absno = x < 0 ? (~x >> 2) + 33 : (x >> 2) + 33;
  if (absno > 0x1fff) absno = 0x1fff;
  let i = absno >> 6;
  let segno = 1;
  while (i !== 0) {
    segno++;
    i >>= 1;
  }
  const code = ((8 - segno) << 4) | (15 - ((absno >> segno) & 15));
  return x >= 0 ? code | 0x80 : code;
}

function g191Alaw(x: number): number {
  let ix = x < 0 ? ~x >> 4 : x >> 4;
  if (ix > 15) {
    let iexp = 1;
    while (ix > 16 + 15) {
      ix >>= 1;
      iexp++;
    }
    ix -= 16;
    ix += iexp << 4;
  }
  if (x >= 0) ix |= 0x80;
  return ix ^ 0x55;
}

test('encoders are bit-exact with the G.191 reference for every 16-bit sample', (t) => {
  const pcm = allSamples();
  const u = new Uint8Array(65536);
  const a = new Uint8Array(65536);
  encodeUlaw(pcm, u);
  encodeAlaw(pcm, a);
  let mismatches = 0;
  for (let i = 0; i < 65536; i++) {
    if (u[i] !== g191Ulaw(pcm[i]!) || a[i] !== g191Alaw(pcm[i]!)) mismatches++;
  }
  t.is(mismatches, 0);
});

test('re-encoding a decoded code gives the code back', (t) => {
  for (let c = 0; c < 256; c++) {
    // µ-law has two zeros (0x7f = -0, 0xff = +0); +0 is the one the encoder produces.
    t.is(linearToUlaw(ulawToLinear(c)), c === 0x7f ? 0xff : c);
    t.is(linearToAlaw(alawToLinear(c)), c);
  }
});

test('round-trip error stays within half a quantization step over the whole 16-bit range', (t) => {
  const pcm = allSamples();
  const u = new Uint8Array(65536);
  const a = new Uint8Array(65536);
  const du = new Int16Array(65536);
  const da = new Int16Array(65536);
  encodeUlaw(pcm, u);
  encodeAlaw(pcm, a);
  decodeUlaw(u, du);
  decodeAlaw(a, da);
  let worstU = 0;
  let worstA = 0;
  for (let i = 0; i < 65536; i++) {
    const x = pcm[i]!;
    // µ-law segment s has step 8 << s; A-law segments 0 and 1 step 16, then doubling.
    const segU = (~u[i]! >> 4) & 7;
    const segA = ((a[i]! ^ 0x55) >> 4) & 7;
    const halfU = 4 << segU;
    const halfA = segA === 0 ? 8 : 8 << (segA - 1);
    const errU = Math.abs(x - du[i]!);
    const errA = Math.abs(x - da[i]!);
    if (Math.abs(x) <= 32124 + halfU) t.true(errU <= halfU, `µ-law ${x} -> ${du[i]}`);
    else t.true(errU <= Math.abs(x) - 32124, 'clipped to the largest value');
    t.true(errA <= halfA, `A-law ${x} -> ${da[i]}`);
    worstU = Math.max(worstU, errU);
    worstA = Math.max(worstA, errA);
  }
  t.is(worstU, 644); // 32768 - 32124: clipping at the extreme
  t.is(worstA, 512);
  // Monotonic: decoding a sorted ramp never goes down.
  for (let i = 1; i < 65536; i++) {
    if (du[i]! < du[i - 1]! || da[i]! < da[i - 1]!) t.fail(`not monotonic at ${pcm[i]}`);
  }
});

function snrDb(codec: AudioCodec, x: Int16Array): number {
  const bytes = new Uint8Array(x.length);
  const y = new Int16Array(x.length);
  codec.encode(x, bytes);
  codec.decode(bytes, y);
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < x.length; i++) {
    signal += x[i]! * x[i]!;
    noise += (x[i]! - y[i]!) ** 2;
  }
  return 10 * Math.log10(signal / noise);
}

function sine(freq: number, dbfs: number, n: number, phase = 0): Int16Array {
  const amp = 32767 * Math.pow(10, dbfs / 20);
  const x = new Int16Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.round(amp * Math.sin((2 * Math.PI * freq * i) / 8000 + phase));
  return x;
}

test('a 1 kHz sine at -10 dBFS keeps an SNR of at least 35 dB', (t) => {
  // At exactly 1 kHz the 8 kHz sampling hits only 8 points of the cycle, so the SNR depends
  // on the phase (32-50 dB): measure over one second at each of 16 phases.
  for (const codec of [PCMU, PCMA]) {
    const x = new Int16Array(16 * 8000);
    for (let p = 0; p < 16; p++) x.set(sine(1000, -10, 8000, (p * Math.PI) / 32), p * 8000);
    const snr = snrDb(codec, x);
    t.true(snr >= 35, `${codec.name}: ${snr.toFixed(2)} dB`);
  }
  // The ITU test tone 1004 Hz avoids that sub-multiple and reaches every phase.
  t.true(snrDb(PCMU, sine(1004, -10, 8000)) >= 35);
  t.true(snrDb(PCMA, sine(1004, -10, 8000)) >= 35);
});

test('encode writes at an offset, clamps to the buffer and returns the end offset', (t) => {
  const pcm = new Int16Array([0, 100, -100, 32767]);
  const out = new Uint8Array(14).fill(0xee);
  t.is(encodeUlaw(pcm, out, 12), 14); // only 2 of 4 fit
  t.deepEqual([...out.subarray(10)], [0xee, 0xee, 0xff, linearToUlaw(100)]);
  t.is(encodeAlaw(pcm, out, 0), 4);
  t.deepEqual([...out.subarray(0, 4)], [0xd5, linearToAlaw(100), linearToAlaw(-100), 0xaa]);
  t.is(encodeUlaw(pcm, out, 20), 20, 'nothing fits: nothing written');
  const dec = new Int16Array(2);
  t.is(decodeUlaw(new Uint8Array([0x80, 0x00, 0xff]), dec), 2);
  t.deepEqual([...dec], [32124, -32124]);
  t.is(decodeAlaw(new Uint8Array([0xd5]), dec), 1);
  t.is(dec[0], 8);
});

test('encoding a HAL byte string equals decoding it to samples and encoding those', (t) => {
  const pcm = allSamples();
  const bin = pcmToBinary(pcm);
  for (const [fromBin, fromPcm] of [
    [encodeUlawBinary, encodeUlaw],
    [encodeAlawBinary, encodeAlaw],
  ] as const) {
    const a = new Uint8Array(65536 + 12);
    const b = new Uint8Array(65536 + 12);
    t.is(fromBin(bin, a, 12), 65536 + 12);
    fromPcm(pcm, b, 12);
    t.deepEqual(a, b);
  }
  t.is(PCMU.encodeBinary('\x00\x00\xff\x7f', new Uint8Array(2)), 2);
});

test('PCM byte strings are 16-bit little-endian', (t) => {
  const pcm = new Int16Array([1, -2, 0x1234, -32768, 32767]);
  const bin = pcmToBinary(pcm);
  t.is(bin, '\x01\x00\xfe\xff\x34\x12\x00\x80\xff\x7f');
  t.deepEqual([...pcmFromBinary(bin)], [...pcm]);
  // A view with a byte offset converts only its own samples.
  t.is(pcmToBinary(pcm.subarray(2, 3)), '\x34\x12');
  // Into a reused buffer: same object when it fits exactly, a view when the string is short.
  const buf = new Int16Array(5);
  t.is(pcmFromBinary(bin, buf), buf);
  t.deepEqual([...buf], [...pcm]);
  const short = pcmFromBinary('\x05\x00\x06\x00', buf);
  t.is(short.length, 2);
  t.is(short.buffer, buf.buffer);
  t.deepEqual([...short], [5, 6]);
  t.is(pcmFromBinary('\x05\x00\x06\x00\x07\x00', new Int16Array(1))[0], 5, 'extra samples are ignored');
  t.is(pcmFromBinary('\x05').length, 0, 'an odd trailing octet is not a sample');
  // Long frames go through fromCharCode in chunks.
  const long = allSamples();
  t.deepEqual(pcmFromBinary(pcmToBinary(long)), long);
});
