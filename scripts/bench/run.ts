// The bench proper: bundles each parser with the shared in-VM harness, loads it into its own QuickJS
// runtime, checks that every parser extracts the right transaction keys from every workload
// message, then times parsing (and quip's serializer) with loops that run inside QuickJS.
import { runMediaFigures } from './media.ts';
import type { MediaPart } from './media.ts';
import { runRobustnessBench } from './robustness.ts';
import { runFrameClockBench } from './frame-clock.ts';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../../build/bundle.ts';
import { QuickJsSession, VM_SETTINGS, engineInfo } from './quickjs-runner.ts';
import { TX_KEY_FIELDS, WORKLOADS, toBinaryString } from './workload.ts';
import { findMatchedDisagreements, sharedFields } from './matched.ts';
import type { Matched, MatchedField, MatchedRun } from './matched.ts';
import type { LoopMode } from './vm/harness.ts';
import { ratioOf } from './figures.ts';
import type { Figure } from './figures.ts';
import { measureLoop } from './measure.ts';
import type { Measurement } from './measure.ts';

export type { Measurement } from './measure.ts';
import type { TxKeys, WorkloadMessage } from './workload.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

/** A parser to bench: an entry that exports `bench` (see vm/harness.ts) and how to bundle it. */
export interface ParserSpec {
  /** Short id: quip, sipjs, jssip (others are allowed, e.g. in tests). */
  id: string;
  /** Display name. */
  label: string;
  /** Adapter entry file (absolute path). */
  entry: string;
  /** 'binary': the UTF-8 octets as a binary string (quip); 'text': a decoded JS string (peers). */
  input: 'binary' | 'text';
  /** Fail bundling on Node builtin imports (firmware code). */
  forbidNodeBuiltins: boolean;
  /** esbuild aliases (stubs for dependencies that do not run in QuickJS). */
  alias?: Record<string, string>;
  /** A file that must exist before the entry can be bundled, with advice when it does not. */
  requires?: { file: string; advice: string };
}

const debugShim = path.join(here, 'shims', 'debug.ts');

export const QUIP: ParserSpec = {
  id: 'quip',
  label: 'quip',
  entry: path.join(here, 'adapters', 'quip.ts'),
  input: 'binary',
  forbidNodeBuiltins: true,
  requires: {
    file: path.join(repoRoot, 'firmware', 'sip', 'index.ts'),
    advice: "quip's parser (firmware/sip/index.ts) does not exist yet; bench the peers with --only sipjs,jssip",
  },
};
export const SIPJS: ParserSpec = {
  id: 'sipjs',
  label: 'SIP.js',
  entry: path.join(here, 'adapters', 'sipjs.ts'),
  input: 'text',
  forbidNodeBuiltins: false,
};
export const JSSIP: ParserSpec = {
  id: 'jssip',
  label: 'JsSIP',
  entry: path.join(here, 'adapters', 'jssip.ts'),
  input: 'text',
  forbidNodeBuiltins: false,
  alias: { debug: debugShim },
};
export const PARSERS: readonly ParserSpec[] = [QUIP, SIPJS, JSSIP];

export const SIP_SDP_CORE_ENTRY = path.join(here, 'sip-sdp-core.js');

export interface RunOptions {
  /** Target duration of each timed measurement, in seconds. */
  seconds: number;
  /** Timed repetitions per measurement; the median is reported. Default 3. */
  repeats?: number;
  /** Parsers to run, in order. Default: PARSERS. */
  parsers?: readonly ParserSpec[];
  /**
   * Messages to parse, as one workload named "custom" that also carries the headline figures.
   * Default: the named WORKLOADS, headline on `realistic`.
   */
  workload?: readonly WorkloadMessage[];
  /** Progress lines (the CLI sends them to stderr). Default: discard. */
  log?: (line: string) => void;
}

/** A failure that must stop the bench from reporting numbers. */
export class BenchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchError';
  }
}

export interface ParserResult {
  id: string;
  label: string;
  /** Size of the bundle as timed (harness + adapter + parser, not minified). */
  bundle_bytes: number;
  /** Keys-only parse rate on the headline workload (what a proxy needs). */
  parse: Measurement;
  /** Matched parse rate on the headline workload (every header the peers parse, read). */
  parse_full: Measurement;
  /** Every header validated (quip's validate()); null for parsers without such a mode. */
  parse_validate: Measurement | null;
  serialize: Measurement | null;
  /** QuickJS heap in use after the runs (bytes). */
  heap_used_bytes: number;
}

/** The parse figures of one workload (msgs/s; ratios are quip / peer, same run). */
export interface WorkloadFigures {
  messages: number;
  bytes: number;
  names: string[];
  parse_keys_msgs_per_s: number | null;
  parse_full_msgs_per_s: number | null;
  parse_validate_msgs_per_s: number | null;
  sipjs_parse_keys_msgs_per_s: number | null;
  sipjs_parse_full_msgs_per_s: number | null;
  jssip_parse_keys_msgs_per_s: number | null;
  jssip_parse_full_msgs_per_s: number | null;
  ratio_vs_sipjs: number | null;
  ratio_vs_jssip: number | null;
  keys_ratio_vs_sipjs: number | null;
  keys_ratio_vs_jssip: number | null;
}

/** The parser part of the report: the headline workload's figures at top level, every workload below. */
export interface ParserReport {
  /** Keys only: parse the message, read top Via branch, CSeq, Call-ID, From/To tags. */
  parse_keys_msgs_per_s: number | null;
  /** Matched: keys plus every header SIP.js/JsSIP parse eagerly, read from quip's typed views. */
  parse_full_msgs_per_s: number | null;
  /** Keys plus validate(): every header quip knows parsed. */
  parse_validate_msgs_per_s: number | null;
  /** Alias of parse_keys_msgs_per_s, kept for one release (native bench, older readers). */
  parse_msgs_per_s: number | null;
  sipjs_parse_keys_msgs_per_s: number | null;
  sipjs_parse_full_msgs_per_s: number | null;
  /** Alias of sipjs_parse_keys_msgs_per_s. */
  sipjs_parse_msgs_per_s: number | null;
  jssip_parse_keys_msgs_per_s: number | null;
  jssip_parse_full_msgs_per_s: number | null;
  /** Alias of jssip_parse_keys_msgs_per_s. */
  jssip_parse_msgs_per_s: number | null;
  /** Headline: quip matched rate / SIP.js matched rate. */
  ratio_vs_sipjs: number | null;
  /** Headline: quip matched rate / JsSIP matched rate. */
  ratio_vs_jssip: number | null;
  keys_ratio_vs_sipjs: number | null;
  keys_ratio_vs_jssip: number | null;
  /** Name of the workload the top-level figures come from. */
  headline_workload: string;
  /** Every workload's figures, by name (call-mix, realistic). */
  workloads: Record<string, WorkloadFigures>;
  /** Which Matched fields were compared between which parsers. */
  matched_compared: Record<string, string[]>;
}

export interface BenchReport extends ParserReport {
  serialize_msgs_per_s: number | null;
  sip_sdp_core_min_bytes: number | null;
  /** Media hot path (quip only): RTP packets built per second inside QuickJS. */
  rtp_packetize_per_s: number | null;
  g711_encode_samples_per_s: number | null;
  /** The textbook per-sample µ-law encoder in the same engine, and quip's speed relative to it. */
  reference_g711_encode_samples_per_s: number | null;
  g711_ratio_vs_reference: number | null;
  /** CPU share of one core the bare media loop of one full-duplex 20 ms G.711 call costs inside QuickJS. */
  call_cpu_percent: number | null;
  /** The media part as figures (with the Sun g711.c reference check); null without quip. */
  media: MediaPart | null;
  /** Worst and mean time to parse a mutated message and read every typed header, inside QuickJS (quip only). */
  parse_mutant_max_ms: number | null;
  parse_mutant_mean_ms: number | null;
  parse_mutants: number | null;
  /** Hostile dial plans (nested empty loops, backtracking shapes) matched per second inside QuickJS. */
  digit_map_match_per_s: number | null;
  /** The emulator's real-time audio frame clock: 20 ms frames per second (nominal 50), worst lag. */
  emulator_audio_frames_per_s: number | null;
  emulator_audio_frame_late_ms_max: number | null;
  engine: Record<string, string | number>;
  settings: { seconds_per_measurement: number; repeats: number; statistic: string };
  workload: { messages: number; bytes: number; names: string[] };
  parsers: Record<string, ParserResult>;
  notes: string[];
}

type Loop = 'parseLoop' | 'serializeLoop';

const GLOBAL = '__quipBench';

function show(v: unknown): string {
  return v === undefined ? 'undefined' : JSON.stringify(v);
}

/**
 * Compares the keys each parser extracted with the expected keys of every message, and with each
 * other. Returns one line per disagreement (empty when all agree).
 */
export function findDisagreements(
  workload: readonly WorkloadMessage[],
  extracted: ReadonlyMap<string, readonly TxKeys[]>,
): string[] {
  const problems: string[] = [];
  workload.forEach((msg, i) => {
    for (const field of TX_KEY_FIELDS) {
      const expected = msg.expect[field];
      const values = [...extracted].map(([id, keys]) => [id, keys[i]?.[field]] as const);
      if (values.every(([, v]) => v === expected)) continue;
      const got = values.map(([id, v]) => `${id}=${show(v)}`).join(', ');
      problems.push(`message #${i} (${msg.name}) ${field}: expected ${show(expected)}; ${got}`);
    }
  });
  return problems;
}

class ParserRun {
  constructor(
    readonly spec: ParserSpec,
    readonly session: QuickJsSession,
    readonly bundleBytes: number,
  ) {}

  call(method: string, arg: number | string, mode?: LoopMode): string {
    const extra = mode === undefined ? '' : `, ${JSON.stringify(mode)}`;
    return `${GLOBAL}.bench.${method}(${JSON.stringify(arg)}${extra})`;
  }

  /** Replaces the workload the session's harness cycles through. */
  load(inputsJson: string): void {
    try {
      this.session.run(this.call('load', inputsJson));
    } catch (err) {
      throw new BenchError(`${this.spec.label}: loading the workload failed: ${String(err)}`);
    }
  }

  matchedFields(): MatchedField[] {
    return this.session.runJson<MatchedField[]>(`JSON.stringify(${GLOBAL}.bench.matchedFields)`);
  }

  matched(workload: readonly WorkloadMessage[]): Matched[] {
    return workload.map((msg, i) => {
      try {
        return this.session.runJson<Matched>(this.call('matched', i));
      } catch (err) {
        throw new BenchError(
          `${this.spec.label} failed to read the matched headers of workload message #${i} (${msg.name}) in QuickJS:\n  ` +
            (err instanceof Error ? err.message : String(err)).replace(/\n/g, '\n  '),
        );
      }
    });
  }

  canValidate(): boolean {
    return this.session.run(`${GLOBAL}.bench.canValidate`) === true;
  }

  keys(workload: readonly WorkloadMessage[], method: 'keys' | 'roundTripKeys'): TxKeys[] {
    return workload.map((msg, i) => {
      try {
        return this.session.runJson<TxKeys>(this.call(method, i));
      } catch (err) {
        const what = method === 'keys' ? 'parse' : 'serialize and re-parse';
        throw new BenchError(
          `${this.spec.label} failed to ${what} workload message #${i} (${msg.name}) in QuickJS:\n  ` +
            (err instanceof Error ? err.message : String(err)).replace(/\n/g, '\n  '),
        );
      }
    });
  }

  canSerialize(): boolean {
    return this.session.run(`${GLOBAL}.bench.canSerialize`) === true;
  }

  loop(loop: Loop, n: number, mode?: LoopMode): number {
    const r = this.session.runJson<{ ms: number; sink: number }>(this.call(loop, n, mode));
    if (!(r.sink > 0)) throw new BenchError(`${this.spec.label} ${loop} produced no output (sink ${r.sink})`);
    return r.ms;
  }

  /** Calibrated, repeated timing of `loop` inside this QuickJS session (see measure.ts). */
  measure(loop: Loop, seconds: number, repeats: number, cycle: number, mode?: LoopMode): Measurement {
    return measureLoop((n) => this.loop(loop, n, mode), seconds, repeats, cycle);
  }
}

async function openParser(spec: ParserSpec): Promise<ParserRun> {
  if (spec.requires && !existsSync(spec.requires.file)) throw new BenchError(spec.requires.advice);
  let built;
  try {
    built = await bundle({
      entry: spec.entry,
      globalName: GLOBAL,
      minify: false,
      forbidNodeBuiltins: spec.forbidNodeBuiltins,
      ...(spec.alias ? { alias: spec.alias } : {}),
    });
  } catch (err) {
    throw new BenchError(`cannot bundle ${spec.label}: ${err instanceof Error ? err.message : String(err)}`);
  }
  let session: QuickJsSession;
  try {
    session = await QuickJsSession.open(spec.id, built.code);
  } catch (err) {
    throw new BenchError(
      `${spec.label} bundle does not load in QuickJS: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return new ParserRun(spec, session, built.bytes);
}

/** Minified size of firmware/sip + firmware/sdp bundled together, or null if either is missing. */
export async function sipSdpCoreMinBytes(log: (line: string) => void): Promise<number | null> {
  const missing = ['sip', 'sdp']
    .map((m) => path.join(repoRoot, 'firmware', m, 'index.ts'))
    .filter((f) => !existsSync(f));
  if (missing.length > 0) {
    log(`warning: cannot size the SIP+SDP core, missing ${missing.map((f) => path.relative(repoRoot, f)).join(', ')}`);
    return null;
  }
  try {
    const built = await bundle({ entry: SIP_SDP_CORE_ENTRY, globalName: 'quip', minify: true, forbidNodeBuiltins: true });
    return built.bytes;
  } catch (err) {
    throw new BenchError(`cannot bundle the SIP+SDP core: ${err instanceof Error ? err.message : String(err)}`);
  }
}

const PEER_SERIALIZE_NOTE =
  'SIP.js and JsSIP have no serializer for a parsed message (IncomingMessage.toString() returns the ' +
  'received text), so serialization is measured for quip only.';

/** One workload's parser runs: keys and matched values checked, then the loops timed. */
interface WorkloadRun {
  name: string;
  figures: WorkloadFigures;
  /** Per parser id: keys, matched and validate measurements. */
  rates: Map<string, { keys: Measurement; full: Measurement; validate: Measurement | null }>;
  compared: Record<string, string[]>;
}

function inputsOf(workload: readonly WorkloadMessage[]): { binary: string; text: string } {
  const texts = workload.map((m) => m.text);
  return { text: JSON.stringify(texts), binary: JSON.stringify(texts.map(toBinaryString)) };
}

/** Checks every parser on `workload` (keys against the expected ones, matched values against each other). */
function checkWorkload(runs: readonly ParserRun[], name: string, workload: readonly WorkloadMessage[], log: (line: string) => void): Record<string, string[]> {
  const inputs = inputsOf(workload);
  const extracted = new Map<string, TxKeys[]>();
  const matched = new Map<string, MatchedRun>();
  for (const run of runs) {
    run.load(run.spec.input === 'binary' ? inputs.binary : inputs.text);
    extracted.set(run.spec.id, run.keys(workload, 'keys'));
    matched.set(run.spec.id, { fields: run.matchedFields(), values: run.matched(workload) });
  }
  const problems = findDisagreements(workload, extracted);
  if (problems.length > 0) {
    throw new BenchError(`parsers disagree on transaction keys; refusing to report numbers:\n  ${problems.join('\n  ')}`);
  }
  log(`${name}: transaction keys agree for all ${workload.length} messages: ${runs.map((r) => r.spec.label).join(', ')}`);
  const mismatched = findMatchedDisagreements(workload, matched);
  if (mismatched.length > 0) {
    throw new BenchError(`parsers disagree on matched headers; refusing to report numbers:\n  ${mismatched.join('\n  ')}`);
  }
  const compared: Record<string, string[]> = {};
  for (let x = 0; x < runs.length; x++) {
    for (let y = x + 1; y < runs.length; y++) {
      const a = runs[x]!.spec.id;
      const b = runs[y]!.spec.id;
      compared[`${a}~${b}`] = sharedFields(matched.get(a)!.fields, matched.get(b)!.fields);
    }
  }
  if (runs.length > 1) log(`${name}: matched headers agree (${Object.entries(compared).map(([k, f]) => `${k}: ${f.length} fields`).join('; ')})`);
  for (const run of runs) {
    if (!run.canSerialize()) continue;
    const roundTrip = findDisagreements(workload, new Map([[run.spec.id, run.keys(workload, 'roundTripKeys')]]));
    if (roundTrip.length > 0) {
      throw new BenchError(`${run.spec.label}: re-parsing serialized messages gives different keys:\n  ${roundTrip.join('\n  ')}`);
    }
  }
  return compared;
}

function timeWorkload(
  runs: readonly ParserRun[],
  name: string,
  workload: readonly WorkloadMessage[],
  seconds: number,
  repeats: number,
  log: (line: string) => void,
): WorkloadRun {
  const compared = checkWorkload(runs, name, workload, log);
  const inputs = inputsOf(workload);
  const rates: WorkloadRun['rates'] = new Map();
  for (const run of runs) {
    run.load(run.spec.input === 'binary' ? inputs.binary : inputs.text);
    const n = workload.length;
    const keys = run.measure('parseLoop', seconds, repeats, n, 'keys');
    const full = run.measure('parseLoop', seconds, repeats, n, 'full');
    const validate = run.canValidate() ? run.measure('parseLoop', seconds, repeats, n, 'validate') : null;
    const fmt = (m: Measurement): string => m.median.toLocaleString('en-US');
    log(`${name}: ${run.spec.label}: parse keys ${fmt(keys)}, matched ${fmt(full)}${validate ? `, validate ${fmt(validate)}` : ''} msgs/s`);
    rates.set(run.spec.id, { keys, full, validate });
  }
  const rate = (id: string, mode: 'keys' | 'full' | 'validate'): number | null => rates.get(id)?.[mode]?.median ?? null;
  const figures: WorkloadFigures = {
    messages: workload.length,
    bytes: workload.reduce((n, m) => n + Buffer.byteLength(m.text, 'utf8'), 0),
    names: workload.map((m) => m.name),
    parse_keys_msgs_per_s: rate(QUIP.id, 'keys'),
    parse_full_msgs_per_s: rate(QUIP.id, 'full'),
    parse_validate_msgs_per_s: rate(QUIP.id, 'validate'),
    sipjs_parse_keys_msgs_per_s: rate(SIPJS.id, 'keys'),
    sipjs_parse_full_msgs_per_s: rate(SIPJS.id, 'full'),
    jssip_parse_keys_msgs_per_s: rate(JSSIP.id, 'keys'),
    jssip_parse_full_msgs_per_s: rate(JSSIP.id, 'full'),
    ratio_vs_sipjs: ratioOf(rate(QUIP.id, 'full'), rate(SIPJS.id, 'full')),
    ratio_vs_jssip: ratioOf(rate(QUIP.id, 'full'), rate(JSSIP.id, 'full')),
    keys_ratio_vs_sipjs: ratioOf(rate(QUIP.id, 'keys'), rate(SIPJS.id, 'keys')),
    keys_ratio_vs_jssip: ratioOf(rate(QUIP.id, 'keys'), rate(JSSIP.id, 'keys')),
  };
  return { name, figures, rates, compared };
}

const PARSE_NOTES = [
  'Each parser runs in its own QuickJS runtime with the same memory and stack limits; loops run inside QuickJS.',
  '"keys" = parse the whole message and read top Via branch, CSeq number and method, Call-ID, From tag, To tag.',
  '"matched" (parse_full) = keys plus the headers SIP.js and JsSIP parse eagerly, read from each parser\'s parsed ' +
    'objects: Contact (URI, expires), Record-Route URIs, Content-Type, Content-Length, Max-Forwards, the ' +
    'WWW-/Proxy-Authenticate challenge (realm, nonce, algorithm), Refer-To; JsSIP also Session-Expires ' +
    '(delta, refresher) and Event. quip parses them on first use, so its matched figure includes that work.',
  'SIP.js and JsSIP parse those headers inside parseMessage whatever is read afterwards, so their keys and matched ' +
    'figures are the same parsing work (matched adds only reading the cached objects).',
  'Matched values are compared on the fields both parsers parse: quip~SIP.js on the SIP.js set, quip~JsSIP and ' +
    'SIP.js~JsSIP on their common sets (see matched_compared). Replaces (JsSIP) is not in the workload.',
  '"validate" = keys plus SipMessage.validate() (every header quip knows parsed); quip only.',
];

/** The parser part of the bench: every workload checked and timed, headline figures on top. */
export async function runParserBench(options: RunOptions): Promise<{ report: ParserReport; results: Record<string, ParserResult>; notes: string[] }> {
  const seconds = options.seconds;
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new BenchError(`seconds must be a positive number`);
  const repeats = options.repeats ?? 3;
  const specs = options.parsers ?? PARSERS;
  const log = options.log ?? (() => {});
  if (specs.length === 0) throw new BenchError('no parsers selected');
  const workloads: Array<[string, readonly WorkloadMessage[]]> = options.workload
    ? [['custom', options.workload]]
    : Object.entries(WORKLOADS);
  if (workloads.some(([, w]) => w.length === 0)) throw new BenchError('empty workload');
  const headline = options.workload ? 'custom' : 'realistic';
  const headlineWorkload = workloads.find(([n]) => n === headline)![1];

  const runs: ParserRun[] = [];
  try {
    // 1. Load every parser and check it on every workload before timing any of them.
    for (const spec of specs) {
      log(`${spec.label}: bundling and loading into QuickJS`);
      runs.push(await openParser(spec));
    }
    for (const [name, w] of workloads) {
      log(`workload ${name}: ${w.length} messages (${w.map((m) => m.name).join(', ')})`);
      checkWorkload(runs, name, w, log);
    }

    // 2. Time them, one at a time, per workload; the headline workload last so serialize follows it.
    const timed = new Map<string, WorkloadRun>();
    for (const [name, w] of [...workloads.filter(([n]) => n !== headline), [headline, headlineWorkload] as const]) {
      timed.set(name, timeWorkload(runs, name, w, seconds, repeats, log));
    }
    const top = timed.get(headline)!;
    const results: Record<string, ParserResult> = {};
    for (const run of runs) {
      let serialize: Measurement | null = null;
      if (run.canSerialize()) {
        serialize = run.measure('serializeLoop', seconds, repeats, headlineWorkload.length);
        log(`${run.spec.label}: serialize ${serialize.median.toLocaleString('en-US')} msgs/s`);
      }
      const r = top.rates.get(run.spec.id)!;
      results[run.spec.id] = {
        id: run.spec.id,
        label: run.spec.label,
        bundle_bytes: run.bundleBytes,
        parse: r.keys,
        parse_full: r.full,
        parse_validate: r.validate,
        serialize,
        heap_used_bytes: run.session.memoryUsedBytes(),
      };
    }
    const f = top.figures;
    const report: ParserReport = {
      parse_keys_msgs_per_s: f.parse_keys_msgs_per_s,
      parse_full_msgs_per_s: f.parse_full_msgs_per_s,
      parse_validate_msgs_per_s: f.parse_validate_msgs_per_s,
      parse_msgs_per_s: f.parse_keys_msgs_per_s,
      sipjs_parse_keys_msgs_per_s: f.sipjs_parse_keys_msgs_per_s,
      sipjs_parse_full_msgs_per_s: f.sipjs_parse_full_msgs_per_s,
      sipjs_parse_msgs_per_s: f.sipjs_parse_keys_msgs_per_s,
      jssip_parse_keys_msgs_per_s: f.jssip_parse_keys_msgs_per_s,
      jssip_parse_full_msgs_per_s: f.jssip_parse_full_msgs_per_s,
      jssip_parse_msgs_per_s: f.jssip_parse_keys_msgs_per_s,
      ratio_vs_sipjs: f.ratio_vs_sipjs,
      ratio_vs_jssip: f.ratio_vs_jssip,
      keys_ratio_vs_sipjs: f.keys_ratio_vs_sipjs,
      keys_ratio_vs_jssip: f.keys_ratio_vs_jssip,
      headline_workload: headline,
      workloads: Object.fromEntries([...timed].map(([n, t]) => [n, t.figures])),
      matched_compared: top.compared,
    };
    return { report, results, notes: PARSE_NOTES };
  } finally {
    for (const run of runs) run.session.dispose();
  }
}

const PARSE_TARGETS = { full: 10_000, vsJssip: 10, vsSipjs: 100 } as const;
const MISSING = 'not measured: a parser it needs is not in this run (--only)';

/** The parser figures as the shared Figure list: the matched ones (headline, with targets) first. */
export function parserFigures(report: ParserReport): Figure[] {
  const out: Figure[] = [];
  const w = report.headline_workload;
  const rate = (field: string, label: string, value: number | null, peer: Figure['peer'], note?: string, target?: Figure['target']): void => {
    const why = value === null ? MISSING : note;
    out.push({
      field, label, value, unit: 'msgs/s', peer: peer ?? null,
      ratio: peer ? ratioOf(value, peer.value) : null, target: target ?? null, ...(why ? { note: why } : {}),
    });
  };
  const ratio = (field: string, label: string, value: number | null, target: number | null): void => {
    out.push({
      field, label, value, unit: 'x', target: target === null ? null : { op: '>=', value: target },
      ...(value === null ? { note: MISSING } : {}),
    });
  };
  rate('parse_full_msgs_per_s', `parse, matched work (${w})`, report.parse_full_msgs_per_s,
    { name: 'JsSIP', value: report.jssip_parse_full_msgs_per_s },
    'keys + every header the peers parse eagerly, read from the typed views', { op: '>=', value: PARSE_TARGETS.full });
  ratio('ratio_vs_jssip', 'quip / JsSIP, matched work', report.ratio_vs_jssip, PARSE_TARGETS.vsJssip);
  ratio('ratio_vs_sipjs', 'quip / SIP.js, matched work', report.ratio_vs_sipjs, PARSE_TARGETS.vsSipjs);
  rate('parse_keys_msgs_per_s', `parse, keys only (${w})`, report.parse_keys_msgs_per_s,
    { name: 'JsSIP', value: report.jssip_parse_keys_msgs_per_s }, 'what a proxy needs: Via, CSeq, Call-ID, tags');
  ratio('keys_ratio_vs_jssip', 'quip / JsSIP, keys only', report.keys_ratio_vs_jssip, null);
  ratio('keys_ratio_vs_sipjs', 'quip / SIP.js, keys only', report.keys_ratio_vs_sipjs, null);
  rate('parse_validate_msgs_per_s', `parse + validate() (${w})`, report.parse_validate_msgs_per_s, null,
    'every header quip knows parsed; the peers have no such mode');
  const same = 'the peer parses eagerly: keys and matched are the same parsing work';
  rate('sipjs_parse_full_msgs_per_s', 'SIP.js parse, matched', report.sipjs_parse_full_msgs_per_s, null, same);
  rate('sipjs_parse_keys_msgs_per_s', 'SIP.js parse, keys', report.sipjs_parse_keys_msgs_per_s, null, same);
  rate('jssip_parse_full_msgs_per_s', 'JsSIP parse, matched', report.jssip_parse_full_msgs_per_s, null, same);
  rate('jssip_parse_keys_msgs_per_s', 'JsSIP parse, keys', report.jssip_parse_keys_msgs_per_s, null, same);
  for (const [name, f] of Object.entries(report.workloads)) {
    if (name === w) continue;
    rate(`${name}.parse_full_msgs_per_s`, `parse, matched work (${name})`, f.parse_full_msgs_per_s,
      { name: 'JsSIP', value: f.jssip_parse_full_msgs_per_s });
    rate(`${name}.parse_keys_msgs_per_s`, `parse, keys only (${name})`, f.parse_keys_msgs_per_s,
      { name: 'JsSIP', value: f.jssip_parse_keys_msgs_per_s });
    ratio(`${name}.ratio_vs_sipjs`, `quip / SIP.js, matched (${name})`, f.ratio_vs_sipjs, null);
    ratio(`${name}.keys_ratio_vs_sipjs`, `quip / SIP.js, keys (${name})`, f.keys_ratio_vs_sipjs, null);
  }
  return out;
}

/** The parser part in the shared shape: its figures, and the parser report as details. */
export async function parserBench(options: RunOptions): Promise<{ figures: Figure[]; details: ParserReport & { parsers: Record<string, ParserResult>; notes: string[] } }> {
  const { report, results, notes } = await runParserBench(options);
  return { figures: parserFigures(report), details: { ...report, parsers: results, notes } };
}

export async function runBench(options: RunOptions): Promise<BenchReport> {
  const seconds = options.seconds;
  const repeats = options.repeats ?? 3;
  const specs = options.parsers ?? PARSERS;
  const log = options.log ?? (() => {});
  const { report: parse, results, notes } = await runParserBench(options);
  const headline = parse.workloads[parse.headline_workload]!;

  const hasQuip = specs.some((s) => s.id === QUIP.id);
  const coreBytes = hasQuip ? await sipSdpCoreMinBytes(log) : null;
  const mediaPart = hasQuip ? await runMediaFigures(seconds, repeats, log) : null;
  const media = mediaPart?.details.report ?? null;
  const robust = hasQuip ? await runRobustnessBench(seconds, repeats, log) : null;
  const frameClock = hasQuip ? await runFrameClockBench(seconds, log) : null;
  return {
    ...parse,
    serialize_msgs_per_s: results[QUIP.id]?.serialize?.median ?? null,
    sip_sdp_core_min_bytes: coreBytes,
    rtp_packetize_per_s: media?.rtp_packetize_per_s ?? null,
    g711_encode_samples_per_s: media?.g711_encode_samples_per_s ?? null,
    reference_g711_encode_samples_per_s: media?.reference_g711_encode_samples_per_s ?? null,
    g711_ratio_vs_reference: media?.g711_ratio_vs_reference ?? null,
    call_cpu_percent: media?.call_cpu_percent ?? null,
    media: mediaPart,
    parse_mutant_max_ms: robust?.parse_mutant_max_ms ?? null,
    parse_mutant_mean_ms: robust?.parse_mutant_mean_ms ?? null,
    parse_mutants: robust?.parse_mutants ?? null,
    digit_map_match_per_s: robust?.digit_map_match_per_s ?? null,
    emulator_audio_frames_per_s: frameClock?.emulator_audio_frames_per_s ?? null,
    emulator_audio_frame_late_ms_max: frameClock?.emulator_audio_frame_late_ms_max ?? null,
    engine: engineInfo(VM_SETTINGS),
    settings: { seconds_per_measurement: seconds, repeats, statistic: 'median of repeats' },
    workload: { messages: headline.messages, bytes: headline.bytes, names: headline.names },
    parsers: results,
    notes: [...notes, PEER_SERIALIZE_NOTE],
  };
}
