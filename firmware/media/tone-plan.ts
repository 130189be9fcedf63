// Tone plans: which tone the phone plays for each call-progress state, as data.
//
// Sources for the built-in plans:
// - North America: the Precise Tone Plan (AT&T, "Notes on Distance Dialing", 1968; ITU-T
//   E.300-series Supplement 3), as summarized at https://en.wikipedia.org/wiki/Precise_Tone_Plan:
//   dial 350+440 Hz continuous at -13 dBm0, ringback 440+480 Hz 2 s on / 4 s off at -19,
//   busy 480+620 Hz 0.5/0.5 at -24, reorder 480+620 Hz 0.25/0.25. Call waiting 440 Hz 0.3 s
//   every 10 s and confirmation 350+440 Hz three 0.1 s bursts 0.1 s apart: Asterisk
//   configs/samples/indications.conf.sample [us], and an AT&T system manual's tone table
//   (https://manualsdump.com/en/manuals/at-and-t-at-and-t/258789/406).
// - Europe: the single 425 Hz tone of ITU-T E.180 that most ETSI countries use: dial
//   continuous, ringing 1 s on / 4 s off, busy 0.5/0.5, congestion 0.25/0.25 (Asterisk
//   indications.conf [bg], [de], [ch]; https://www.itwissen.info/en/ringing-tone.html;
//   3amsystems World Tone Database: "the most prevalent [congestion tone] is 425 Hz,
//   0.25/0.25"). Call waiting 0.2 on / 0.2 off / 0.2 on / 4 s off as in [ch] and [pl].
//   The -10 dBm0 level and the confirmation tone are our choice: no source consulted fixes them.

import type { Tone, ToneSegment } from './tones.ts';
import { MAX_TONE_SEGMENTS } from './tones.ts';

export type ToneName = 'dial' | 'ringback' | 'busy' | 'congestion' | 'callWaiting' | 'confirmation';

export const TONE_NAMES: readonly ToneName[] = ['dial', 'ringback', 'busy', 'congestion', 'callWaiting', 'confirmation'];

export interface TonePlan {
  name: string;
  tones: Readonly<Record<ToneName, Tone>>;
}

// Bounds a custom plan must respect.
export const MAX_TONE_FREQ_HZ = 4000;
export const MAX_FREQS_PER_SEGMENT = 2;
/** Two components at -3 dBm0 each just fit in 16 bits without clipping. */
export const MAX_TONE_LEVEL_DBM0 = -3;
export const MIN_TONE_LEVEL_DBM0 = -60;
export const MIN_SEGMENT_MS = 10;
export const MAX_SEGMENT_MS = 60000;

function on(freqs: readonly number[], level: number, ms: number): ToneSegment {
  return { freqs, level, ms };
}

function off(ms: number): ToneSegment {
  return { freqs: [], level: 0, ms };
}

const hold = (freqs: readonly number[], level: number): Tone => ({ segments: [on(freqs, level, 0)], repeat: false });
const cadence = (freqs: readonly number[], level: number, onMs: number, offMs: number): Tone => ({
  segments: [on(freqs, level, onMs), off(offMs)],
  repeat: true,
});

export const NORTH_AMERICAN_TONE_PLAN: TonePlan = {
  name: 'na',
  tones: {
    dial: hold([350, 440], -13),
    ringback: cadence([440, 480], -19, 2000, 4000),
    busy: cadence([480, 620], -24, 500, 500),
    congestion: cadence([480, 620], -24, 250, 250), // "reorder", "fast busy"
    callWaiting: cadence([440], -13, 300, 9700),
    confirmation: {
      segments: [on([350, 440], -13, 100), off(100), on([350, 440], -13, 100), off(100), on([350, 440], -13, 100)],
      repeat: false,
    },
  },
};

const EU_LEVEL = -10;

export const EUROPEAN_TONE_PLAN: TonePlan = {
  name: 'eu',
  tones: {
    dial: hold([425], EU_LEVEL),
    ringback: cadence([425], EU_LEVEL, 1000, 4000),
    busy: cadence([425], EU_LEVEL, 500, 500),
    congestion: cadence([425], EU_LEVEL, 250, 250),
    callWaiting: {
      segments: [on([425], EU_LEVEL, 200), off(200), on([425], EU_LEVEL, 200), off(4000)],
      repeat: true,
    },
    confirmation: {
      segments: [on([425], EU_LEVEL, 100), off(100), on([425], EU_LEVEL, 100), off(100), on([425], EU_LEVEL, 100)],
      repeat: false,
    },
  },
};

export const TONE_PLANS: Readonly<Record<string, TonePlan>> = {
  na: NORTH_AMERICAN_TONE_PLAN,
  eu: EUROPEAN_TONE_PLAN,
};

export type TonePlanResult = { ok: true; plan: TonePlan } | { ok: false; errors: string[] };

/**
 * A plan by name ('na', 'eu') or a custom plan object, validated. A custom plan is
 * `{ name?, base?: 'na' | 'eu', tones: { busy: { segments: [...], repeat }, ... } }`;
 * tones it leaves out come from `base`, and without a base all six are required.
 */
export function resolveTonePlan(choice: unknown): TonePlanResult {
  if (typeof choice === 'string') {
    const plan = Object.prototype.hasOwnProperty.call(TONE_PLANS, choice) ? TONE_PLANS[choice] : undefined;
    return plan ? { ok: true, plan } : { ok: false, errors: [`unknown tone plan ${JSON.stringify(choice)} (known: ${knownPlans()})`] };
  }
  return validateTonePlan(choice);
}

/** Checks a custom plan object; errors name the field, e.g. "tones.busy.segments[0].ms: ...". */
export function validateTonePlan(value: unknown): TonePlanResult {
  const errors: string[] = [];
  const plan = checkPlan(value, errors);
  return plan && errors.length === 0 ? { ok: true, plan } : { ok: false, errors };
}

function knownPlans(): string {
  return Object.keys(TONE_PLANS).join(', ');
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(value) ?? String(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], path: string, errors: string[]): void {
  for (const key of Object.keys(obj)) {
    if (allowed.indexOf(key) < 0) errors.push(`${path}${key}: unknown field (expected ${allowed.join(', ')})`);
  }
}

function checkPlan(value: unknown, errors: string[]): TonePlan | null {
  if (!isRecord(value)) {
    errors.push(`expected a tone plan name (${knownPlans()}) or a plan object, got ${describe(value)}`);
    return null;
  }
  checkKeys(value, ['name', 'base', 'tones'], '', errors);
  let name = 'custom';
  if (value['name'] !== undefined) {
    if (typeof value['name'] === 'string' && value['name'].length > 0 && value['name'].length <= 32) name = value['name'];
    else errors.push(`name: expected text of 1 to 32 characters, got ${describe(value['name'])}`);
  }
  let base: TonePlan | null = null;
  if (value['base'] !== undefined) {
    const b = value['base'];
    base = typeof b === 'string' && Object.prototype.hasOwnProperty.call(TONE_PLANS, b) ? TONE_PLANS[b]! : null;
    if (!base) errors.push(`base: expected one of ${knownPlans()}, got ${describe(b)}`);
  }
  const tonesValue = value['tones'];
  if (!isRecord(tonesValue)) {
    errors.push(`tones: expected an object of tone name → tone, got ${describe(tonesValue)}`);
    return null;
  }
  checkKeys(tonesValue, TONE_NAMES, 'tones.', errors);
  const tones = {} as Record<ToneName, Tone>;
  for (const toneName of TONE_NAMES) {
    const path = `tones.${toneName}`;
    const given = tonesValue[toneName];
    if (given !== undefined) {
      const tone = checkTone(given, path, errors);
      if (tone) tones[toneName] = tone;
    } else if (base) {
      tones[toneName] = base.tones[toneName];
    } else if (value['base'] === undefined) {
      errors.push(`${path}: missing (give every tone, or a "base" plan to take the others from)`);
    }
  }
  return { name, tones };
}

function checkTone(value: unknown, path: string, errors: string[]): Tone | null {
  if (!isRecord(value)) {
    errors.push(`${path}: expected an object { segments, repeat }, got ${describe(value)}`);
    return null;
  }
  checkKeys(value, ['segments', 'repeat'], `${path}.`, errors);
  const repeatValue = value['repeat'];
  if (repeatValue !== undefined && typeof repeatValue !== 'boolean') {
    errors.push(`${path}.repeat: expected true or false, got ${describe(repeatValue)}`);
  }
  const repeat = repeatValue === true;
  const list = value['segments'];
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_TONE_SEGMENTS) {
    errors.push(`${path}.segments: expected an array of 1 to ${MAX_TONE_SEGMENTS} segments, got ${describe(list)}${Array.isArray(list) ? ` of ${list.length}` : ''}`);
    return null;
  }
  const before = errors.length;
  const segments: ToneSegment[] = [];
  for (let i = 0; i < list.length; i++) {
    const segment = checkSegment(list[i], `${path}.segments[${i}]`, i === list.length - 1 && !repeat, errors);
    if (segment) segments.push(segment);
  }
  if (errors.length > before) return null;
  if (!segments.some((s) => s.freqs.length > 0)) errors.push(`${path}.segments: expected at least one segment with a frequency`);
  return { segments, repeat };
}

function checkSegment(value: unknown, path: string, mayHold: boolean, errors: string[]): ToneSegment | null {
  if (!isRecord(value)) {
    errors.push(`${path}: expected an object { freqs, level, ms }, got ${describe(value)}`);
    return null;
  }
  checkKeys(value, ['freqs', 'level', 'ms'], `${path}.`, errors);
  const before = errors.length;

  const freqsValue = value['freqs'];
  const freqs: number[] = [];
  if (!Array.isArray(freqsValue) || freqsValue.length > MAX_FREQS_PER_SEGMENT) {
    errors.push(`${path}.freqs: expected an array of at most ${MAX_FREQS_PER_SEGMENT} frequencies ([] for silence), got ${describe(freqsValue)}`);
  } else {
    freqsValue.forEach((f: unknown, i: number) => {
      if (typeof f === 'number' && f > 0 && f <= MAX_TONE_FREQ_HZ) freqs.push(f);
      else errors.push(`${path}.freqs[${i}]: expected a frequency above 0 and at most ${MAX_TONE_FREQ_HZ} Hz, got ${describe(f)}`);
    });
  }

  const levelValue = value['level'];
  let level = 0;
  if (freqs.length > 0 || levelValue !== undefined) {
    const inRange = typeof levelValue === 'number' && levelValue >= MIN_TONE_LEVEL_DBM0 && levelValue <= MAX_TONE_LEVEL_DBM0;
    // A silent segment's level is unused; only a sounding one must be in range.
    if (inRange || (freqs.length === 0 && typeof levelValue === 'number' && Number.isFinite(levelValue))) level = levelValue as number;
    else errors.push(`${path}.level: expected a level from ${MIN_TONE_LEVEL_DBM0} to ${MAX_TONE_LEVEL_DBM0} dBm0, got ${describe(levelValue)}`);
  }

  const ms = value['ms'];
  const isInt = typeof ms === 'number' && Number.isInteger(ms);
  if (isInt && ms === 0 && !mayHold) {
    errors.push(`${path}.ms: 0 (hold until stopped) is allowed only in the last segment of a tone that does not repeat`);
  } else if (!isInt || (ms !== 0 && (ms < MIN_SEGMENT_MS || ms > MAX_SEGMENT_MS))) {
    errors.push(`${path}.ms: expected a whole number of ms from ${MIN_SEGMENT_MS} to ${MAX_SEGMENT_MS}${mayHold ? ' (or 0: hold)' : ''}, got ${describe(ms)}`);
  }
  return errors.length > before ? null : { freqs, level, ms: ms as number };
}
