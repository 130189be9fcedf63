import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { WavError, WavWriter, readWav, resample, writeWav } from '../../hal/emulator/wav.ts';
import { alawToLinear, ulawToLinear } from '../../hal/emulator/wav-g711.ts';

interface Chunk {
  id: string;
  body: Uint8Array;
}

/** A RIFF/WAVE file from raw chunks (odd chunks get their pad byte), for formats writeWav doesn't make. */
function riff(chunks: Chunk[]): Uint8Array {
  const parts: number[] = [...ascii('WAVE')];
  for (const { id, body } of chunks) {
    parts.push(...ascii(id), ...u32(body.length), ...body);
    if (body.length % 2 === 1) parts.push(0);
  }
  return new Uint8Array([...ascii('RIFF'), ...u32(parts.length), ...parts]);
}

function fmt(tag: number, channels: number, rate: number, bits: number, extra: number[] = []): Chunk {
  const block = (channels * bits) / 8;
  return { id: 'fmt ', body: new Uint8Array([...u16(tag), ...u16(channels), ...u32(rate), ...u32(rate * block), ...u16(block), ...u16(bits), ...extra]) };
}

function data(bytes: number[]): Chunk {
  return { id: 'data', body: new Uint8Array(bytes) };
}

function ascii(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0));
}
function u16(n: number): number[] {
  return [n & 0xff, (n >> 8) & 0xff];
}
function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}
function s16(values: number[]): number[] {
  return values.flatMap((v) => u16(v & 0xffff));
}

function sine(freq: number, rate: number, seconds: number): Int16Array {
  const out = new Int16Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) out[i] = Math.round(10000 * Math.sin((2 * Math.PI * freq * i) / rate));
  return out;
}

/** Frequency estimate: sign changes per second / 2. */
function zeroCrossingHz(samples: Int16Array, rate: number): number {
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 !== samples[i]! < 0) crossings++;
  return crossings / 2 / (samples.length / rate);
}

function tempFile(name: string): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'quip-wav-')), name);
}

test('writeWav → readWav round-trips 16-bit mono samples', (t) => {
  const samples = Int16Array.from([0, 1, -1, 32767, -32768, 1234, -4321]);
  const wav = readWav(writeWav(samples, 16000));
  t.is(wav.sampleRate, 16000);
  t.is(wav.channels, 1);
  t.deepEqual([...wav.samples], [...samples]);
  t.is(writeWav(samples, 8000).length, 44 + samples.length * 2);
});

test('8-bit PCM is unsigned and widens to 16 bits', (t) => {
  const wav = readWav(riff([fmt(1, 1, 8000, 8), data([0, 128, 255, 129])]));
  t.deepEqual([...wav.samples], [-32768, 0, 32512, 256]);
});

test('µ-law (format 7) decodes to the G.711 values', (t) => {
  // G.711 table 2a: 0xFF/0x7F are ±0, 0x80/0x00 the extremes ±8031 (×4), 0xEF starts segment 2 at 33 (×4).
  const codes = [0xff, 0x7f, 0x80, 0x00, 0xef, 0x6f, 0xfe];
  const wav = readWav(riff([fmt(7, 1, 8000, 8), data(codes)]));
  t.deepEqual([...wav.samples], [0, 0, 32124, -32124, 132, -132, 8]);
  t.deepEqual(codes.map(ulawToLinear), [...wav.samples]);
});

test('A-law (format 6) decodes to the G.711 values', (t) => {
  // G.711 table 1a: 0xD5/0x55 are ±1 (×8), 0xAA/0x2A the extremes ±4032 (×8), 0xC5 starts segment 2 at 33 (×8).
  const codes = [0xd5, 0x55, 0xaa, 0x2a, 0xc5];
  const wav = readWav(riff([fmt(6, 1, 8000, 8), data(codes)]));
  t.deepEqual([...wav.samples], [8, -8, 32256, -32256, 264]);
  t.deepEqual(codes.map(alawToLinear), [...wav.samples]);
});

test('stereo is mixed down to mono by averaging', (t) => {
  const wav = readWav(riff([fmt(1, 2, 44100, 16), data(s16([1000, 3000, -2000, 0, 32767, 32767, -32768, -32768]))]));
  t.is(wav.channels, 2);
  t.is(wav.sampleRate, 44100);
  t.deepEqual([...wav.samples], [2000, -1000, 32767, -32768]);
});

test('extra chunks, odd padding, a longer fmt and WAVE_FORMAT_EXTENSIBLE are tolerated', (t) => {
  const list = { id: 'LIST', body: new Uint8Array(ascii('INFOabc')) }; // 7 bytes: padded
  const wav = readWav(riff([{ id: 'JUNK', body: new Uint8Array(3) }, fmt(1, 1, 8000, 16, [0, 0]), list, data(s16([5, -5]))]));
  t.deepEqual([...wav.samples], [5, -5]);

  // Extensible: cbSize 22, valid bits, channel mask, then the PCM sub-format GUID.
  const guidPcm = [1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71];
  const extensible = fmt(0xfffe, 1, 8000, 16, [...u16(22), ...u16(16), ...u32(4), ...guidPcm]);
  t.deepEqual([...readWav(riff([extensible, data(s16([7]))])).samples], [7]);
});

test('a trailing partial sample frame is ignored; an unknown (0xFFFFFFFF) data size means "to the end"', (t) => {
  t.deepEqual([...readWav(riff([fmt(1, 1, 8000, 16), data([1, 0, 2])])).samples], [1]);
  const file = riff([fmt(1, 1, 8000, 16), data(s16([3, 4]))]);
  new DataView(file.buffer).setUint32(40, 0xffffffff, true);
  t.deepEqual([...readWav(file).samples], [3, 4]);
});

test('bad files fail with a WavError that says why', (t) => {
  t.throws(() => readWav(new Uint8Array(ascii('OggS....WAVE'))), { instanceOf: WavError, message: /RIFF/ });
  t.throws(() => readWav(new Uint8Array(3)), { instanceOf: WavError });
  t.throws(() => readWav(riff([fmt(3, 1, 8000, 32), data([0, 0, 0, 0])])), { instanceOf: WavError, message: /unsupported format: tag 3/ });
  t.throws(() => readWav(riff([fmt(1, 1, 8000, 24), data([0, 0, 0])])), { instanceOf: WavError, message: /unsupported/ });
  t.throws(() => readWav(riff([fmt(1, 1, 8000, 16)])), { instanceOf: WavError, message: /no data chunk/ });
  t.throws(() => readWav(riff([data([0, 0])])), { instanceOf: WavError, message: /before fmt/ });
  const whole = riff([fmt(1, 1, 8000, 16), data(s16([1, 2, 3, 4]))]);
  t.throws(() => readWav(whole.subarray(0, whole.length - 3)), { instanceOf: WavError, message: /truncated data/ });
});

test('resample: equal rates pass through exactly; 16 kHz → 8 kHz halves the length and keeps the pitch', (t) => {
  const tone = sine(1000, 16000, 1);
  const same = resample(tone, 16000, 16000);
  t.not(same, tone);
  t.deepEqual([...same], [...tone]);

  const down = resample(tone, 16000, 8000);
  t.is(down.length, 8000);
  t.true(Math.abs(zeroCrossingHz(down, 8000) - 1000) < 20);
  // 2:1 lands exactly on every other input sample
  t.is(down[3], tone[6]);

  const up = resample(sine(440, 8000, 0.5), 8000, 44100);
  t.is(up.length, 22050);
  t.true(Math.abs(zeroCrossingHz(up, 44100) - 440) < 10);
  t.is(resample(new Int16Array(0), 8000, 16000).length, 0);
  t.throws(() => resample(tone, 0, 8000), { instanceOf: WavError });
});

test('WavWriter appends incrementally; the file is valid after each flush and complete after close', (t) => {
  const file = tempFile('out.wav');
  const writer = new WavWriter(file, 8000, { flushBytes: 1 << 20 });
  writer.writeSamples(Int16Array.from([1, 2, 3]));
  t.is(readWav(fs.readFileSync(file)).samples.length, 0, 'still buffered, but already a valid (empty) WAV');
  writer.flush();
  t.deepEqual([...readWav(fs.readFileSync(file)).samples], [1, 2, 3]);
  writer.writePcm(new Uint8Array([4, 0, 0xff, 0xff, 9]));
  t.is(writer.sampleCount, 5);
  writer.close();
  writer.close();
  writer.writeSamples(Int16Array.from([99]));
  t.deepEqual([...readWav(fs.readFileSync(file)).samples], [1, 2, 3, 4, -1]);
});

test('WavWriter flushes on its own once enough audio is buffered', (t) => {
  const file = tempFile('auto.wav');
  const writer = new WavWriter(file, 8000, { flushBytes: 8 });
  writer.writeSamples(Int16Array.from([1, 2, 3, 4]));
  t.deepEqual([...readWav(fs.readFileSync(file)).samples], [1, 2, 3, 4]);
  writer.close();
});

test('WavWriter with append continues its own file (keeping its rate) and replaces anything else', (t) => {
  const file = tempFile('append.wav');
  const first = new WavWriter(file, 8000);
  first.writeSamples(Int16Array.from([1, 2]));
  first.close();
  const second = new WavWriter(file, 16000, { append: true });
  t.is(second.sampleRate, 8000);
  second.writeSamples(Int16Array.from([3]));
  second.close();
  t.deepEqual([...readWav(fs.readFileSync(file)).samples], [1, 2, 3]);

  fs.writeFileSync(file, riff([fmt(7, 1, 8000, 8), data([0xff])]));
  const third = new WavWriter(file, 16000, { append: true });
  t.is(third.sampleRate, 16000);
  third.close();
  t.is(readWav(fs.readFileSync(file)).samples.length, 0);
});
