import test from 'ava';
import {
  CN_PAYLOAD_TYPE,
  ComfortNoiseGenerator,
  comfortNoisePayload,
  frameLevelDbov,
  PacketLossConcealer,
  parseComfortNoise,
} from '../../firmware/codec/concealment.ts';

function tone(n: number, amp = 16000): Int16Array {
  const x = new Int16Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.round(amp * Math.sin((2 * Math.PI * 440 * i) / 8000));
  return x;
}

function energy(x: Int16Array, from = 0, to = x.length): number {
  let e = 0;
  for (let i = from; i < to; i++) e += x[i]! * x[i]!;
  return e;
}

test('lost frames repeat the last good one, fading -6 dB per frame, then silence', (t) => {
  const plc = new PacketLossConcealer();
  const good = tone(160);
  plc.good(good.slice());
  const frames = [1, 2, 3, 4, 5].map(() => plc.conceal(new Int16Array(160)));
  t.is(plc.lostFrames, 5);
  // Frame 1 starts at full gain: the waveform continues where the repeated frame starts.
  t.is(frames[0]![0], good[0]);
  t.is(frames[0]![40], Math.floor((good[40]! * 28672) / 32768)); // gain ramps 1 -> 1/2: 7/8 a quarter in
  // Each frame ends at half the gain of its start: compare the last quarter of frames 1 and 2.
  const q1 = energy(frames[0]!, 120);
  const q2 = energy(frames[1]!, 120);
  t.true(q2 < q1 / 3 && q2 > q1 / 5, `last quarter energy ratio ${q1 / q2}`);
  t.true(energy(frames[0]!) > energy(frames[1]!));
  t.true(energy(frames[1]!) > energy(frames[2]!));
  // The last repeat fades to zero, so silence follows without a step.
  t.true(Math.abs(frames[2]![159]!) <= 64);
  t.is(energy(frames[3]!), 0);
  t.is(energy(frames[4]!), 0);
});

test('a good frame after a short loss is cross-faded in from the concealment', (t) => {
  const plc = new PacketLossConcealer({ crossfadeSamples: 32 });
  const first = tone(160);
  plc.good(first.slice());
  plc.conceal(new Int16Array(160));
  const next = new Int16Array(160).fill(1000);
  const out = plc.good(next);
  t.is(out, next, 'modified in place');
  // Sample 0 is the continuation (the repeated frame at gain 1/2), sample 32 on is the frame itself.
  t.is(out[0], first[0]! >> 1);
  t.deepEqual([...out.subarray(32)], new Array(128).fill(1000));
  for (let i = 1; i < 32; i++) {
    const cont = first[i]! >> 1;
    t.true(Math.abs(out[i]! - (cont + ((1000 - cont) * i) / 32)) <= 1, `sample ${i}`);
  }
  t.is(plc.lostFrames, 0);
  // No loss: a good frame passes untouched.
  const clean = tone(160);
  t.deepEqual(plc.good(clean.slice()), clean);
});

test('after silence the next good frame ramps in from zero', (t) => {
  const plc = new PacketLossConcealer({ maxRepeats: 2, crossfadeSamples: 16 });
  plc.good(tone(160));
  plc.conceal(new Int16Array(160));
  plc.conceal(new Int16Array(160));
  t.is(energy(plc.conceal(new Int16Array(160))), 0, 'maxRepeats 2: the third is silent');
  const out = plc.good(new Int16Array(160).fill(-1600));
  t.deepEqual([...out.subarray(0, 4)], [0, -100, -200, -300]);
  t.is(out[16], -1600);
});

test('concealment without history is silence; other frame sizes repeat cyclically', (t) => {
  const plc = new PacketLossConcealer();
  t.is(energy(plc.conceal(new Int16Array(160).fill(5))), 0);
  plc.good(new Int16Array([1000, 2000, 3000]));
  const out = plc.conceal(new Int16Array(7));
  // Gain ramps from 1 toward 1/2 over 7 samples: the repetition wraps around the 3 samples.
  t.deepEqual([...out.subarray(0, 4)].map((v, i) => Math.sign(v) * Math.round(Math.abs(v) / (1000 * ((i % 3) + 1)) * 10)), [10, 9, 9, 8]);
  plc.reset();
  t.is(plc.lostFrames, 0);
  t.is(energy(plc.conceal(new Int16Array(10))), 0);
});

test('comfort noise payloads: level in -dBov, reflection coefficients kept', (t) => {
  t.is(CN_PAYLOAD_TYPE, 13);
  t.is(parseComfortNoise(new Uint8Array([])), null);
  t.deepEqual(parseComfortNoise(new Uint8Array([64])), { levelDbov: -64, reflection: new Uint8Array(0) });
  const cn = parseComfortNoise(new Uint8Array([0x80 | 40, 1, 2, 3]))!;
  t.is(cn.levelDbov, -40, 'the reserved top bit is ignored');
  t.deepEqual([...cn.reflection], [1, 2, 3]);
  t.is(parseComfortNoise(new Uint8Array([0]))!.levelDbov, 0);
  t.deepEqual([...comfortNoisePayload(-64)], [64]);
  t.deepEqual([...comfortNoisePayload(-200)], [127]);
  t.deepEqual([...comfortNoisePayload(3)], [0]);
});

test('generated comfort noise has the requested level and is deterministic per seed', (t) => {
  for (const level of [-30, -50, -70]) {
    const gen = new ComfortNoiseGenerator(12345, level);
    const out = gen.fill(new Int16Array(8000));
    t.true(Math.abs(frameLevelDbov(out) - level) < 1, `${level} dBov -> ${frameLevelDbov(out)}`);
  }
  const a = new ComfortNoiseGenerator(7).fill(new Int16Array(160));
  const b = new ComfortNoiseGenerator(7).fill(new Int16Array(160));
  t.deepEqual(a, b);
  const gen = new ComfortNoiseGenerator(7);
  gen.fill(new Int16Array(160));
  t.notDeepEqual(gen.fill(new Int16Array(160)), a, 'the sequence continues');
  // 0 dBov: full scale, clipped to the 16-bit range rather than wrapping.
  const loud = new ComfortNoiseGenerator(1, 0).fill(new Int16Array(8000));
  let peak = 0;
  for (const v of loud) peak = Math.max(peak, Math.abs(v));
  t.true(peak > 30000 && frameLevelDbov(loud) > -6);
  gen.setLevel(-127);
  t.true(frameLevelDbov(gen.fill(new Int16Array(160))) <= -90);
  t.is(frameLevelDbov(new Int16Array(160)), -127);
  t.is(frameLevelDbov(new Int16Array(0)), -127);
});
