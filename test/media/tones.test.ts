import test from 'ava';
import {
  DTMF_TONE_LEVEL_DBM0,
  ToneGenerator,
  dbfsToDbm0,
  dbm0ToAmplitude,
  dbm0ToDbfs,
  dtmfFrequencies,
  dtmfTone,
  type Tone,
} from '../../firmware/media/tones.ts';
import {
  EUROPEAN_TONE_PLAN,
  NORTH_AMERICAN_TONE_PLAN,
  TONE_NAMES,
  resolveTonePlan,
  validateTonePlan,
  type TonePlan,
} from '../../firmware/media/tone-plan.ts';

const RATE = 8000;
const FRAME = 160; // 20 ms

/** Plays `frames` frames of `tone`; returns all samples and each frame's nextFrame() result. */
function render(tone: Tone, frames: number, rate = RATE, frame = FRAME): { samples: Int16Array; sounding: boolean[] } {
  const gen = new ToneGenerator(rate);
  gen.start(tone);
  const samples = new Int16Array(frames * frame);
  const out = new Int16Array(frame);
  const sounding: boolean[] = [];
  for (let i = 0; i < frames; i++) {
    sounding.push(gen.nextFrame(out));
    samples.set(out, i * frame);
  }
  return { samples, sounding };
}

/** Amplitude of the `freq` component of `x` (Goertzel; exact when the window holds whole cycles). */
function goertzel(x: Int16Array, freq: number, rate = RATE): number {
  const coeff = 2 * Math.cos((2 * Math.PI * freq) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s = x[i]! + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (2 * Math.sqrt(Math.max(0, power))) / x.length;
}

function amplitudeToDbm0(amplitude: number): number {
  return dbfsToDbm0(20 * Math.log10(amplitude / 32767));
}

/** Which frames should sound, computed from the tone's segments in samples. */
function expectedSounding(tone: Tone, frames: number, rate = RATE, frame = FRAME): boolean[] {
  const bounds: { start: number; end: number; on: boolean }[] = [];
  let t = 0;
  const total = frames * frame;
  while (t < total) {
    for (const seg of tone.segments) {
      const len = seg.ms === 0 ? Infinity : Math.round((seg.ms * rate) / 1000);
      bounds.push({ start: t, end: t + len, on: seg.freqs.length > 0 });
      t += len;
    }
    if (!tone.repeat) break;
  }
  return Array.from({ length: frames }, (_, i) =>
    bounds.some((b) => b.on && b.start < (i + 1) * frame && b.end > i * frame),
  );
}

test('dial tone (NA) has energy at 350 and 440 Hz, not at 1000 Hz, at -13 dBm0 each', (t) => {
  const { samples, sounding } = render(NORTH_AMERICAN_TONE_PLAN.tones.dial, 50); // 1 s
  t.true(sounding.every(Boolean));
  const a350 = goertzel(samples, 350);
  const a440 = goertzel(samples, 440);
  t.true(Math.abs(amplitudeToDbm0(a350) - -13) < 1, `350 Hz at ${amplitudeToDbm0(a350)} dBm0`);
  t.true(Math.abs(amplitudeToDbm0(a440) - -13) < 1, `440 Hz at ${amplitudeToDbm0(a440)} dBm0`);
  for (const other of [1000, 480, 620, 425]) {
    t.true(goertzel(samples, other) < a350 / 100, `no energy at ${other} Hz`);
  }
});

test('dial tone (EU) is 425 Hz alone at -10 dBm0', (t) => {
  const { samples } = render(EUROPEAN_TONE_PLAN.tones.dial, 50);
  const a425 = goertzel(samples, 425);
  t.true(Math.abs(amplitudeToDbm0(a425) - -10) < 1);
  for (const other of [350, 440, 1000]) t.true(goertzel(samples, other) < a425 / 100);
});

test('levels are within 1 dB of the plan for every sounding tone of both plans', (t) => {
  for (const plan of [NORTH_AMERICAN_TONE_PLAN, EUROPEAN_TONE_PLAN]) {
    for (const name of TONE_NAMES) {
      const tone = plan.tones[name];
      const first = tone.segments[0]!;
      // The first (sounding) segment, up to 1 s: at least 100 ms, so the Goertzel bins are
      // 10 Hz wide or less and every plan frequency sits on (or near) a bin.
      const window = Math.round((Math.min(first.ms || 1000, 1000) * RATE) / 1000);
      const { samples } = render(tone, Math.ceil(window / FRAME));
      for (const freq of first.freqs) {
        const dbm0 = amplitudeToDbm0(goertzel(samples.subarray(0, window), freq));
        t.true(Math.abs(dbm0 - first.level) < 1, `${plan.name} ${name} ${freq} Hz: ${dbm0.toFixed(2)} vs ${first.level}`);
      }
    }
  }
});

test('busy (NA) cadence: 25 frames on, 25 off, repeating', (t) => {
  const { sounding } = render(NORTH_AMERICAN_TONE_PLAN.tones.busy, 150);
  const cycle = [...Array(25).fill(true), ...Array(25).fill(false)];
  t.deepEqual(sounding, [...cycle, ...cycle, ...cycle]);
});

test('ringback (NA) cadence: 2 s on, 4 s off = 100 frames on, 200 off', (t) => {
  const { sounding } = render(NORTH_AMERICAN_TONE_PLAN.tones.ringback, 600);
  const cycle = [...Array(100).fill(true), ...Array(200).fill(false)];
  t.deepEqual(sounding, [...cycle, ...cycle]);
});

test('ringback (EU) cadence: 1 s on, 4 s off = 50 frames on, 200 off', (t) => {
  const { sounding } = render(EUROPEAN_TONE_PLAN.tones.ringback, 500);
  const cycle = [...Array(50).fill(true), ...Array(200).fill(false)];
  t.deepEqual(sounding, [...cycle, ...cycle]);
});

test('every tone of both plans follows its cadence exactly, frame by frame', (t) => {
  for (const plan of [NORTH_AMERICAN_TONE_PLAN, EUROPEAN_TONE_PLAN]) {
    for (const name of TONE_NAMES) {
      const tone = plan.tones[name];
      const cycleMs = tone.segments.reduce((sum, s) => sum + s.ms, 0);
      const frames = Math.max(100, Math.ceil((2 * cycleMs) / 20) + 10);
      t.deepEqual(render(tone, frames).sounding, expectedSounding(tone, frames), `${plan.name} ${name}`);
    }
  }
});

test('cadence edges fall on exact samples, even mid-frame (reorder 250 ms = 12.5 frames)', (t) => {
  const { samples, sounding } = render(NORTH_AMERICAN_TONE_PLAN.tones.congestion, 50);
  t.deepEqual(sounding.slice(0, 25), [...Array(13).fill(true), ...Array(12).fill(false)]);
  const off = samples.subarray(2000, 4000);
  t.true(off.every((s) => s === 0), 'silent from sample 2000 to 3999');
  t.true(samples.subarray(1990, 2000).some((s) => s !== 0), 'sounding up to sample 1999');
  t.true(samples.subarray(4000, 4010).some((s) => s !== 0), 'sounding again from sample 4000');
  t.true(samples.subarray(6000, 8000).every((s) => s === 0));
});

test('confirmation tone plays three bursts once, then the generator goes idle', (t) => {
  const gen = new ToneGenerator();
  gen.start(NORTH_AMERICAN_TONE_PLAN.tones.confirmation);
  const out = new Int16Array(FRAME);
  const sounding: boolean[] = [];
  for (let i = 0; i < 40; i++) sounding.push(gen.nextFrame(out));
  const burst = Array(5).fill(true);
  const gap = Array(5).fill(false);
  t.deepEqual(sounding, [...burst, ...gap, ...burst, ...gap, ...burst, ...Array(15).fill(false)]);
  t.false(gen.active);
  t.true(out.every((s) => s === 0));
});

test('phase runs on across back-to-back sounding segments (no click at the seam)', (t) => {
  const held = render({ segments: [{ freqs: [350, 440], level: -13, ms: 0 }], repeat: false }, 10).samples;
  const looped = render({ segments: [{ freqs: [350, 440], level: -13, ms: 30 }], repeat: true }, 10).samples;
  t.deepEqual(looped, held);
});

test('stop() silences the generator at once', (t) => {
  const gen = new ToneGenerator();
  const out = new Int16Array(FRAME);
  t.false(gen.nextFrame(out), 'silent before any start');
  gen.start(NORTH_AMERICAN_TONE_PLAN.tones.dial);
  t.true(gen.nextFrame(out));
  t.true(gen.active);
  gen.stop();
  t.false(gen.active);
  t.false(gen.nextFrame(out));
  t.true(out.every((s) => s === 0));
});

test('DTMF key tone "5" is 770 + 1336 Hz', (t) => {
  t.deepEqual(dtmfFrequencies('5'), [770, 1336]);
  const { samples } = render(dtmfTone('5')!, 50);
  const a770 = goertzel(samples, 770);
  const a1336 = goertzel(samples, 1336);
  t.true(Math.abs(amplitudeToDbm0(a770) - DTMF_TONE_LEVEL_DBM0) < 1);
  t.true(Math.abs(amplitudeToDbm0(a1336) - DTMF_TONE_LEVEL_DBM0) < 1);
  for (const other of [697, 852, 941, 1209, 1477, 1633]) t.true(goertzel(samples, other) < a770 / 30, `not ${other} Hz`);
});

test('DTMF key tones: every key has its row and column frequency', (t) => {
  const low = [697, 770, 852, 941];
  const high = [1209, 1336, 1477, 1633];
  const keypad = ['123A', '456B', '789C', '*0#D'];
  keypad.forEach((row, r) => {
    row.split('').forEach((digit, c) => {
      t.deepEqual(dtmfFrequencies(digit), [low[r], high[c]]);
      const { samples } = render(dtmfTone(digit)!, 50);
      const lowAmp = goertzel(samples, low[r]!);
      const highAmp = goertzel(samples, high[c]!);
      const wrongLow = goertzel(samples, low[(r + 1) % 4]!);
      const wrongHigh = goertzel(samples, high[(c + 1) % 4]!);
      t.true(lowAmp > 30 * wrongLow && highAmp > 30 * wrongHigh, digit);
    });
  });
  t.is(dtmfTone('x'), null);
  t.is(dtmfFrequencies('send'), null);
  t.is(dtmfTone('a'), dtmfTone('A'));
});

test('works at other rates and frame sizes (16 kHz, 10 ms)', (t) => {
  const { samples, sounding } = render(NORTH_AMERICAN_TONE_PLAN.tones.busy, 200, 16000, 160);
  const cycle = [...Array(50).fill(true), ...Array(50).fill(false)];
  t.deepEqual(sounding, [...cycle, ...cycle]);
  const on = samples.subarray(0, 8000);
  t.true(Math.abs(amplitudeToDbm0(goertzel(on, 480, 16000)) - -24) < 1);
  t.true(Math.abs(amplitudeToDbm0(goertzel(on, 620, 16000)) - -24) < 1);
});

test('level conversions: 0 dBm0 is 3.14 dB below a full-scale sine', (t) => {
  t.is(dbm0ToDbfs(0), -3.14);
  t.is(dbfsToDbm0(-3.14), 0);
  t.is(Math.round(dbm0ToAmplitude(3.14)), 32767);
  t.is(Math.round(dbm0ToAmplitude(0)), 22826);
});

test('loud dual tones do not wrap around: samples stay within 16 bits', (t) => {
  const loud: Tone = { segments: [{ freqs: [1000, 1001], level: 3.14, ms: 0 }], repeat: false };
  const { samples } = render(loud, 50);
  let max = 0;
  for (const s of samples) max = Math.max(max, Math.abs(s));
  t.true(max >= 32767 - 1, 'clipped at full scale rather than wrapped');
  // Every sample is the clipped ideal sum (a wrapped one would be off by about 65536).
  let worst = 0;
  for (let i = 0; i < samples.length; i++) {
    const ideal = 32767 * (Math.sin((2 * Math.PI * 1000 * i) / RATE) + Math.sin((2 * Math.PI * 1001 * i) / RATE));
    worst = Math.max(worst, Math.abs(samples[i]! - Math.max(-32768, Math.min(32767, ideal))));
  }
  t.true(worst < 500, `worst error ${worst}`);
});

// ---- tone plans -------------------------------------------------------------------------

test('the built-in plans hold the standard values', (t) => {
  const na = NORTH_AMERICAN_TONE_PLAN.tones;
  t.deepEqual(na.dial.segments, [{ freqs: [350, 440], level: -13, ms: 0 }]);
  t.deepEqual(na.ringback.segments.map((s) => [s.freqs, s.ms]), [[[440, 480], 2000], [[], 4000]]);
  t.deepEqual(na.busy.segments.map((s) => [s.freqs, s.ms]), [[[480, 620], 500], [[], 500]]);
  t.deepEqual(na.congestion.segments.map((s) => [s.freqs, s.ms]), [[[480, 620], 250], [[], 250]]);
  t.deepEqual(na.callWaiting.segments[0], { freqs: [440], level: -13, ms: 300 });
  const eu = EUROPEAN_TONE_PLAN.tones;
  t.deepEqual(eu.dial.segments.map((s) => [s.freqs, s.ms]), [[[425], 0]]);
  t.deepEqual(eu.ringback.segments.map((s) => [s.freqs, s.ms]), [[[425], 1000], [[], 4000]]);
  t.deepEqual(eu.busy.segments.map((s) => [s.freqs, s.ms]), [[[425], 500], [[], 500]]);
  t.deepEqual(eu.congestion.segments.map((s) => [s.freqs, s.ms]), [[[425], 250], [[], 250]]);
  // And they pass their own validation.
  for (const plan of [NORTH_AMERICAN_TONE_PLAN, EUROPEAN_TONE_PLAN]) {
    t.true(validateTonePlan(JSON.parse(JSON.stringify(plan))).ok, plan.name);
  }
});

test('choosing a plan by name', (t) => {
  const na = resolveTonePlan('na');
  t.true(na.ok && na.plan === NORTH_AMERICAN_TONE_PLAN);
  const eu = resolveTonePlan('eu');
  t.true(eu.ok && eu.plan === EUROPEAN_TONE_PLAN);
  const unknown = resolveTonePlan('uk');
  t.false(unknown.ok);
  if (!unknown.ok) t.deepEqual(unknown.errors, ['unknown tone plan "uk" (known: na, eu)']);
  const proto = resolveTonePlan('toString');
  t.false(proto.ok, 'no prototype keys');
});

test('a custom plan: complete, or with a base plan for the tones it leaves out', (t) => {
  const full = JSON.parse(JSON.stringify({ ...EUROPEAN_TONE_PLAN, name: 'lab' }));
  const result = resolveTonePlan(full);
  t.true(result.ok);
  if (result.ok) {
    t.is(result.plan.name, 'lab');
    t.deepEqual(result.plan.tones, EUROPEAN_TONE_PLAN.tones);
  }

  const partial = resolveTonePlan({
    base: 'na',
    tones: { busy: { segments: [{ freqs: [1000], level: -20, ms: 300 }, { freqs: [], ms: 700 }], repeat: true } },
  });
  t.true(partial.ok);
  if (!partial.ok) return;
  const plan: TonePlan = partial.plan;
  t.is(plan.name, 'custom');
  t.is(plan.tones.dial, NORTH_AMERICAN_TONE_PLAN.tones.dial);
  // The custom busy tone plays as written: 1000 Hz at -20 dBm0, 15 frames on, 35 off.
  const { samples, sounding } = render(plan.tones.busy, 100);
  t.deepEqual(sounding, [...Array(15).fill(true), ...Array(35).fill(false), ...Array(15).fill(true), ...Array(35).fill(false)]);
  t.true(Math.abs(amplitudeToDbm0(goertzel(samples.subarray(0, 2400), 1000)) - -20) < 1);
});

function errorsOf(value: unknown): string[] {
  const result = resolveTonePlan(value);
  return result.ok ? [] : result.errors;
}

function withBusy(busy: unknown): unknown {
  return { base: 'eu', tones: { busy } };
}

test('custom plan validation: frequencies, levels, cadence lengths', (t) => {
  t.deepEqual(errorsOf(withBusy({ segments: [{ freqs: [5000], level: -10, ms: 500 }], repeat: true })), [
    'tones.busy.segments[0].freqs[0]: expected a frequency above 0 and at most 4000 Hz, got 5000',
  ]);
  t.deepEqual(errorsOf(withBusy({ segments: [{ freqs: [0], level: -10, ms: 500 }], repeat: true })), [
    'tones.busy.segments[0].freqs[0]: expected a frequency above 0 and at most 4000 Hz, got 0',
  ]);
  t.deepEqual(errorsOf(withBusy({ segments: [{ freqs: [400, 500, 600], level: -10, ms: 500 }], repeat: true })), [
    'tones.busy.segments[0].freqs: expected an array of at most 2 frequencies ([] for silence), got an array',
  ]);
  t.deepEqual(errorsOf(withBusy({ segments: [{ freqs: [425], level: -80, ms: 500 }], repeat: true })), [
    'tones.busy.segments[0].level: expected a level from -60 to -3 dBm0, got -80',
  ]);
  t.deepEqual(errorsOf(withBusy({ segments: [{ freqs: [425], ms: 500 }], repeat: true })), [
    'tones.busy.segments[0].level: expected a level from -60 to -3 dBm0, got nothing',
  ]);
  t.deepEqual(errorsOf(withBusy({ segments: [{ freqs: [425], level: -10, ms: 5 }], repeat: true })), [
    'tones.busy.segments[0].ms: expected a whole number of ms from 10 to 60000, got 5',
  ]);
  t.deepEqual(errorsOf(withBusy({ segments: [{ freqs: [425], level: -10, ms: 120000 }], repeat: false })), [
    'tones.busy.segments[0].ms: expected a whole number of ms from 10 to 60000 (or 0: hold), got 120000',
  ]);
  t.deepEqual(errorsOf(withBusy({ segments: [{ freqs: [425], level: -10, ms: 0 }], repeat: true })), [
    'tones.busy.segments[0].ms: 0 (hold until stopped) is allowed only in the last segment of a tone that does not repeat',
  ]);
  t.deepEqual(errorsOf(withBusy({ segments: [{ freqs: [], ms: 500 }], repeat: true })), [
    'tones.busy.segments: expected at least one segment with a frequency',
  ]);
  t.deepEqual(errorsOf(withBusy({ segments: [], repeat: true })), [
    'tones.busy.segments: expected an array of 1 to 16 segments, got an array of 0',
  ]);
  const tooMany = Array.from({ length: 17 }, () => ({ freqs: [425], level: -10, ms: 100 }));
  t.deepEqual(errorsOf(withBusy({ segments: tooMany, repeat: true })), [
    'tones.busy.segments: expected an array of 1 to 16 segments, got an array of 17',
  ]);
  t.deepEqual(errorsOf(withBusy({ segments: [{ freqs: [425], level: -10, ms: 100 }], repeat: 'yes' })), [
    'tones.busy.repeat: expected true or false, got "yes"',
  ]);
});

test('custom plan validation: structure, names, every error at once', (t) => {
  t.deepEqual(errorsOf(42), ['expected a tone plan name (na, eu) or a plan object, got 42']);
  t.deepEqual(errorsOf({ tones: [] }), ['tones: expected an object of tone name → tone, got an array']);
  t.deepEqual(errorsOf({ base: 'xx', tones: {} }), ['base: expected one of na, eu, got "xx"']);
  t.deepEqual(errorsOf({ base: 'na', name: '', tones: { ringing: {} } }), [
    'name: expected text of 1 to 32 characters, got ""',
    'tones.ringing: unknown field (expected dial, ringback, busy, congestion, callWaiting, confirmation)',
  ]);
  const missing = errorsOf({ tones: { dial: EUROPEAN_TONE_PLAN.tones.dial } });
  t.deepEqual(missing, [
    'tones.ringback: missing (give every tone, or a "base" plan to take the others from)',
    'tones.busy: missing (give every tone, or a "base" plan to take the others from)',
    'tones.congestion: missing (give every tone, or a "base" plan to take the others from)',
    'tones.callWaiting: missing (give every tone, or a "base" plan to take the others from)',
    'tones.confirmation: missing (give every tone, or a "base" plan to take the others from)',
  ]);
  t.deepEqual(
    errorsOf({
      base: 'na',
      colour: 'red',
      tones: {
        dial: { segments: [{ freqs: [350, 'x'], level: -13, ms: 0, gain: 2 }] },
        busy: 'beep',
      },
    }),
    [
      'colour: unknown field (expected name, base, tones)',
      'tones.dial.segments[0].gain: unknown field (expected freqs, level, ms)',
      'tones.dial.segments[0].freqs[1]: expected a frequency above 0 and at most 4000 Hz, got "x"',
      'tones.busy: expected an object { segments, repeat }, got "beep"',
    ],
  );
});
