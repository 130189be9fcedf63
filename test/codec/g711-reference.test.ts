// The independent G.711 reference (test/helpers/g711-reference.ts) that the call-audio tests
// score against: checked against the recommendation's own values, against quip's codec over
// every input, and against SoX (`sox -e u-law` / `-e a-law`) when it is installed here.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alawToLinear, decodeAlaw, decodeUlaw, encodeAlaw, encodeUlaw, ulawToLinear } from '../../firmware/codec/g711.ts';
import { refAlawToLinear, refLinearToAlaw, refLinearToUlaw, refUlawRoundTrip, refUlawToLinear } from '../helpers/g711-reference.ts';
import { findBinary } from '../../scripts/local-programs.ts';

const SAMPLES = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
const CODES = Uint8Array.from({ length: 256 }, (_, i) => i);

test('the reference gives the values of G.711 Tables 1a and 2a', (t) => {
  // Decoder outputs, scaled to 16 bits (µ-law x4 from the 8031 scale, A-law x8 from 4032).
  const mu: Array<[number, number]> = [[0xff, 0], [0x7f, 0], [0xfe, 8], [0xf0, 120], [0xef, 132], [0xdf, 396], [0x80, 32124], [0x00, -32124]];
  for (const [code, v] of mu) t.is(refUlawToLinear(code), v, `µ 0x${code.toString(16)}`);
  const a: Array<[number, number]> = [[0xd5, 8], [0x55, -8], [0xc5, 264], [0xaa, 32256], [0x2a, -32256]];
  for (const [code, v] of a) t.is(refAlawToLinear(code), v, `A 0x${code.toString(16)}`);
  // Decision values: µ-law 1, 3, ..., 31, 95 on the 14-bit scale; A-law 2, 32, 64 on the 13-bit one.
  t.is(refLinearToUlaw(3), 0xff);
  t.is(refLinearToUlaw(4), 0xfe);
  t.is(refLinearToUlaw(123), 0xf0);
  t.is(refLinearToUlaw(124), 0xef);
  t.is(refLinearToUlaw(32767), 0x80, 'overload: the top interval');
  t.is(refLinearToUlaw(-1), 0x7f, 'one\'s complement: -1 is the negative zero interval');
  t.is(refLinearToAlaw(15), 0xd5);
  t.is(refLinearToAlaw(16), 0xd4);
  t.is(refLinearToAlaw(256), 0xc5);
  t.is(refLinearToAlaw(-32768), 0x2a);
});

test('the reference quantizes monotonically and decodes every code back to itself', (t) => {
  let last = -Infinity;
  let bad = 0;
  for (const x of SAMPLES) {
    const u = refUlawToLinear(refLinearToUlaw(x));
    const a = refAlawToLinear(refLinearToAlaw(x));
    if (u < last) bad++;
    last = Math.max(u, last);
    if (Math.abs(a - x) > 1024 || Math.abs(u - x) > 1024) bad++; // at most half the widest step (plus overload)
  }
  t.is(bad, 0);
  for (const c of CODES) {
    t.is(refLinearToUlaw(refUlawToLinear(c)), c === 0x7f ? 0xff : c); // two zeros: +0 is the one encoded
    t.is(refLinearToAlaw(refAlawToLinear(c)), c);
  }
});

test('quip\'s codec agrees with the reference on all 65536 samples and all 256 codes', (t) => {
  const u = new Uint8Array(65536);
  const a = new Uint8Array(65536);
  encodeUlaw(SAMPLES, u);
  encodeAlaw(SAMPLES, a);
  const wrong: string[] = [];
  SAMPLES.forEach((x, i) => {
    if (u[i] !== refLinearToUlaw(x)) wrong.push(`µ encode ${x}: quip 0x${u[i]!.toString(16)}, reference 0x${refLinearToUlaw(x).toString(16)}`);
    if (a[i] !== refLinearToAlaw(x)) wrong.push(`A encode ${x}: quip 0x${a[i]!.toString(16)}, reference 0x${refLinearToAlaw(x).toString(16)}`);
  });
  const du = new Int16Array(256);
  const da = new Int16Array(256);
  decodeUlaw(CODES, du);
  decodeAlaw(CODES, da);
  for (const c of CODES) {
    if (du[c] !== refUlawToLinear(c) || ulawToLinear(c) !== refUlawToLinear(c)) wrong.push(`µ decode 0x${c.toString(16)}: quip ${du[c]}, reference ${refUlawToLinear(c)}`);
    if (da[c] !== refAlawToLinear(c) || alawToLinear(c) !== refAlawToLinear(c)) wrong.push(`A decode 0x${c.toString(16)}: quip ${da[c]}, reference ${refAlawToLinear(c)}`);
  }
  t.deepEqual(wrong.slice(0, 10), [], `${wrong.length} disagreements`);
  const s = Int16Array.from({ length: 400 }, (_, i) => Math.round(7000 * Math.sin(i / 7)));
  const viaQuip = new Int16Array(400);
  const codes = new Uint8Array(400);
  encodeUlaw(s, codes);
  decodeUlaw(codes, viaQuip);
  t.deepEqual(refUlawRoundTrip(s), viaQuip, 'the audio tests\' ideal is what a correct codec gives');
});

// SoX is optional: nothing is installed for this test. When `sox` is on PATH it is a third,
// separately written G.711 (from Sun's g711.c). Dither is off (-D), or SoX would add noise.
const sox = findBinary('sox');
if (sox === null) process.stderr.write('g711-reference: sox is not installed (Debian package sox): the SoX cross-check is skipped\n');

(sox !== null ? test : test.skip)('SoX encodes and decodes as the reference does (all 65536 samples, all 256 codes)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'quip-g711-sox-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const raw = (name: string, bytes: Uint8Array): string => {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    return file;
  };
  const run = (input: string[], output: string[]): Buffer => {
    const out = join(dir, 'out.raw');
    execFileSync(sox!, ['-D', '-V1', '-t', 'raw', '-r', '8000', '-c', '1', ...input, '-t', 'raw', ...output, out], { stdio: ['ignore', 'ignore', 'pipe'] });
    return readFileSync(out);
  };
  const le = Buffer.alloc(2 * SAMPLES.length);
  SAMPLES.forEach((x, i) => le.writeInt16LE(x, 2 * i));
  const pcm = raw('pcm.raw', le);
  const codes = raw('codes.raw', CODES);
  const s16 = ['-e', 'signed-integer', '-b', '16', '-L'];
  const soxU = run(s16.concat(pcm), ['-e', 'u-law', '-b', '8']);
  const soxA = run(s16.concat(pcm), ['-e', 'a-law', '-b', '8']);
  const decU = run(['-e', 'u-law', '-b', '8', codes], s16);
  const decA = run(['-e', 'a-law', '-b', '8', codes], s16);
  t.is(soxU.length, 65536);
  t.is(decU.length, 512);
  let wrong = 0;
  for (const c of CODES) {
    if (decU.readInt16LE(2 * c) !== refUlawToLinear(c)) wrong++;
    if (decA.readInt16LE(2 * c) !== refAlawToLinear(c)) wrong++;
  }
  t.is(wrong, 0, 'decoders: identical');
  // SoX first rounds the sample to the law's scale (to nearest, clipping the top) where G.191
  // truncates, and its µ-law takes a negative value's magnitude by negation, not one's complement.
  // So: SoX's code for x is the reference's for the sample that lands on SoX's scaled value.
  SAMPLES.forEach((x, i) => {
    const v14 = Math.min(8191, Math.floor((x + 2) / 4));
    const v13 = Math.min(4095, Math.floor((x + 4) / 8));
    if (soxU[i] !== refLinearToUlaw(v14 >= 0 ? 4 * v14 : 4 * v14 - 1)) wrong++;
    if (soxA[i] !== refLinearToAlaw(8 * v13)) wrong++;
  });
  t.is(wrong, 0, 'encoders: identical once SoX\'s rounding to the 14/13-bit scale is applied');
});
