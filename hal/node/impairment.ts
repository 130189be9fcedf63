// A netem-like impairment of the emulated phone's network interface, in user space (the
// kernel's sch_netem is not always there). Pure: for each datagram, `decide()` says how many
// copies arrive and after how long, from a seeded PRNG, so a failing run can be replayed.
//
//   loss     share of datagrams dropped
//   dup      share of the surviving datagrams delivered twice (each copy timed on its own)
//   reorder  share held back an extra `hold` ms, so the ones behind overtake them
//   jitter   each copy waits a uniform 0..jitter ms more (this alone reorders, as netem does)
//   delay    a fixed delay added to every copy
//   seed     the PRNG seed (default 1): the same seed gives the same decisions

export interface ImpairmentSpec {
  loss: number;
  dup: number;
  reorder: number;
  jitterMs: number;
  delayMs: number;
  holdMs: number;
  seed: number;
}

/** How long a reordered datagram is held back unless `hold` says otherwise. */
export const DEFAULT_HOLD_MS = 100;

export const NO_IMPAIRMENT: Readonly<ImpairmentSpec> = Object.freeze({
  loss: 0, dup: 0, reorder: 0, jitterMs: 0, delayMs: 0, holdMs: DEFAULT_HOLD_MS, seed: 1,
});

/** Upper bound for any delay option: beyond this SIP's own timers dominate anyway. */
const MAX_DELAY_MS = 10_000;

export class ImpairmentError extends Error {}

interface KeyRule {
  field: keyof ImpairmentSpec;
  kind: 'share' | 'ms' | 'seed';
}

const KEYS: Record<string, KeyRule> = {
  loss: { field: 'loss', kind: 'share' },
  dup: { field: 'dup', kind: 'share' },
  reorder: { field: 'reorder', kind: 'share' },
  jitter: { field: 'jitterMs', kind: 'ms' },
  delay: { field: 'delayMs', kind: 'ms' },
  hold: { field: 'holdMs', kind: 'ms' },
  seed: { field: 'seed', kind: 'seed' },
};

/** Parses `loss=0.2,dup=0.05,reorder=0.1,jitter=200[,delay=ms][,hold=ms][,seed=N]`. */
export function parseImpairment(text: string): ImpairmentSpec {
  const spec: ImpairmentSpec = { ...NO_IMPAIRMENT };
  const seen = new Set<string>();
  const items = text.split(',').map((s) => s.trim());
  if (text.trim() === '') throw new ImpairmentError(`expected key=value pairs (${Object.keys(KEYS).join(', ')})`);
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ImpairmentError(`'${item}' is not key=value (keys: ${Object.keys(KEYS).join(', ')})`);
    const key = item.slice(0, eq).trim().toLowerCase();
    const raw = item.slice(eq + 1).trim();
    // Own keys only: 'constructor=1' must not find Object.prototype's.
    const rule = Object.prototype.hasOwnProperty.call(KEYS, key) ? KEYS[key] : undefined;
    if (rule === undefined) throw new ImpairmentError(`unknown key '${key}' (keys: ${Object.keys(KEYS).join(', ')})`);
    if (seen.has(key)) throw new ImpairmentError(`'${key}' given twice`);
    seen.add(key);
    const n = raw === '' ? NaN : Number(raw);
    if (rule.kind === 'share') {
      if (!(n >= 0 && n <= 1)) throw new ImpairmentError(`${key} must be a fraction from 0 to 1, not '${raw}'`);
    } else if (rule.kind === 'ms') {
      if (!(n >= 0 && n <= MAX_DELAY_MS)) throw new ImpairmentError(`${key} must be milliseconds from 0 to ${MAX_DELAY_MS}, not '${raw}'`);
    } else if (!(Number.isInteger(n) && n >= 0 && n <= 0xffffffff)) {
      throw new ImpairmentError(`seed must be an integer from 0 to 4294967295, not '${raw}'`);
    }
    spec[rule.field] = n;
  }
  return spec;
}

/** The canonical option string for a spec (for logs). */
export function formatImpairment(s: ImpairmentSpec): string {
  return `loss=${s.loss},dup=${s.dup},reorder=${s.reorder},jitter=${s.jitterMs},delay=${s.delayMs},hold=${s.holdMs},seed=${s.seed}`;
}

/** True when the spec changes nothing: every datagram arrives once, at once. */
export function isPassThrough(s: ImpairmentSpec): boolean {
  return s.loss === 0 && s.dup === 0 && s.jitterMs === 0 && s.delayMs === 0 && (s.reorder === 0 || s.holdMs === 0);
}

export class Impairment {
  private state: number;

  /** `stream` gives independent decisions from the same seed (e.g. 0 = send, 1 = receive). */
  constructor(readonly spec: ImpairmentSpec, stream = 0) {
    this.state = mix(spec.seed, stream);
  }

  /** Delays (ms) of the copies that arrive: [] = dropped, [0] = on time, two entries = duplicated. */
  decide(): number[] {
    const s = this.spec;
    if (s.loss > 0 && this.random() < s.loss) return [];
    const copies = s.dup > 0 && this.random() < s.dup ? 2 : 1;
    const delays: number[] = [];
    for (let i = 0; i < copies; i++) {
      let d = s.delayMs;
      if (s.jitterMs > 0) d += this.random() * s.jitterMs;
      if (s.reorder > 0 && this.random() < s.reorder) d += s.holdMs;
      delays.push(d);
    }
    return delays;
  }

  /** mulberry32: small, fast and well mixed enough for loss patterns. */
  random(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** Seed and stream into one 32-bit state (splitmix-style), so nearby seeds differ a lot. */
function mix(seed: number, stream: number): number {
  let z = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** What one direction of an impaired interface did, for a test's figures. */
export interface DirectionTally {
  datagrams: number;
  dropped: number;
  duplicated: number;
  /** SIP datagrams (not RTP/RTCP or CRLF keep-alives) ... */
  sip: number;
  /** ... and how many of them repeat an earlier one byte for byte: retransmissions. */
  sipRepeats: number;
}

/** Counts datagrams per direction as the impairment decides their fate. */
export class ImpairmentTally {
  readonly out: DirectionTally = emptyTally();
  readonly in: DirectionTally = emptyTally();
  private readonly seen = { out: new Set<string>(), in: new Set<string>() };

  note(direction: 'in' | 'out', data: string, delays: readonly number[]): void {
    const t = this[direction];
    t.datagrams++;
    if (delays.length === 0) t.dropped++;
    if (delays.length > 1) t.duplicated++;
    // SIP starts with a method or "SIP/2.0"; RTP/RTCP start with version bits 10.
    if (data.length < 20 || (data.charCodeAt(0) & 0xc0) === 0x80) return;
    t.sip++;
    const seen = this.seen[direction];
    if (seen.has(data)) t.sipRepeats++;
    else {
      if (seen.size >= 4096) seen.clear(); // bounded: retransmissions follow within seconds
      seen.add(data);
    }
  }

  /** One line, e.g. for stderr when the phone shuts down. */
  summary(): string {
    const one = (name: string, t: DirectionTally): string =>
      `${name} ${t.datagrams} datagrams (${t.dropped} dropped, ${t.duplicated} duplicated; SIP ${t.sip}, ${t.sipRepeats} repeated)`;
    return `${one('sent', this.out)}; ${one('received', this.in)}`;
  }
}

function emptyTally(): DirectionTally {
  return { datagrams: 0, dropped: 0, duplicated: 0, sip: 0, sipRepeats: 0 };
}
