// The bench proper: bundles each parser with the shared in-VM harness, loads it into its own QuickJS
// runtime, checks that every parser extracts the right transaction keys from every workload
// message, then times parsing (and quip's serializer) with loops that run inside QuickJS.
import { runMediaBench } from './media.ts';
import { runRobustnessBench } from './robustness.ts';
import { runFrameClockBench } from './frame-clock.ts';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../../build/bundle.ts';
import { QuickJsSession, VM_SETTINGS, engineInfo } from './quickjs-runner.ts';
import { TX_KEY_FIELDS, WORKLOAD, toBinaryString } from './workload.ts';
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
  /** Messages to parse. Default: WORKLOAD. */
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
  parse: Measurement;
  serialize: Measurement | null;
  /** QuickJS heap in use after the runs (bytes). */
  heap_used_bytes: number;
}

export interface BenchReport {
  parse_msgs_per_s: number | null;
  sipjs_parse_msgs_per_s: number | null;
  jssip_parse_msgs_per_s: number | null;
  /** quip parse rate divided by SIP.js parse rate. */
  ratio_vs_sipjs: number | null;
  /** quip parse rate divided by JsSIP parse rate. */
  ratio_vs_jssip: number | null;
  serialize_msgs_per_s: number | null;
  sip_sdp_core_min_bytes: number | null;
  /** Media hot path (quip only): RTP packets built per second inside QuickJS. */
  rtp_packetize_per_s: number | null;
  g711_encode_samples_per_s: number | null;
  /** The textbook per-sample µ-law encoder in the same engine, and quip's speed relative to it. */
  reference_g711_encode_samples_per_s: number | null;
  g711_ratio_vs_reference: number | null;
  /** CPU share of one core one full-duplex 20 ms G.711 call costs inside QuickJS (target ≤ 1 %). */
  call_cpu_percent: number | null;
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

  call(method: string, arg: number | string): string {
    return `${GLOBAL}.bench.${method}(${JSON.stringify(arg)})`;
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

  loop(loop: Loop, n: number): number {
    const r = this.session.runJson<{ ms: number; sink: number }>(this.call(loop, n));
    if (!(r.sink > 0)) throw new BenchError(`${this.spec.label} ${loop} produced no output (sink ${r.sink})`);
    return r.ms;
  }

  /** Calibrated, repeated timing of `loop` inside this QuickJS session (see measure.ts). */
  measure(loop: Loop, seconds: number, repeats: number, cycle: number): Measurement {
    return measureLoop((n) => this.loop(loop, n), seconds, repeats, cycle);
  }
}

async function openParser(spec: ParserSpec, inputs: { binary: string; text: string }): Promise<ParserRun> {
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
  const run = new ParserRun(spec, session, built.bytes);
  try {
    session.run(run.call('load', spec.input === 'binary' ? inputs.binary : inputs.text));
  } catch (err) {
    session.dispose();
    throw new BenchError(`${spec.label}: loading the workload failed: ${String(err)}`);
  }
  return run;
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

export async function runBench(options: RunOptions): Promise<BenchReport> {
  const seconds = options.seconds;
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new BenchError(`seconds must be a positive number`);
  const repeats = options.repeats ?? 3;
  const specs = options.parsers ?? PARSERS;
  const workload = options.workload ?? WORKLOAD;
  const log = options.log ?? (() => {});
  if (specs.length === 0) throw new BenchError('no parsers selected');
  if (workload.length === 0) throw new BenchError('empty workload');

  const texts = workload.map((m) => m.text);
  const inputs = {
    text: JSON.stringify(texts),
    binary: JSON.stringify(texts.map(toBinaryString)),
  };
  const workloadBytes = texts.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0);
  log(`workload: ${workload.length} messages (${workload.map((m) => m.name).join(', ')}), ${workloadBytes} bytes`);

  const runs: ParserRun[] = [];
  try {
    // 1. Load every parser and check it before timing any of them.
    const extracted = new Map<string, TxKeys[]>();
    for (const spec of specs) {
      log(`${spec.label}: bundling and loading into QuickJS`);
      const run = await openParser(spec, inputs);
      runs.push(run);
      extracted.set(spec.id, run.keys(workload, 'keys'));
    }
    const problems = findDisagreements(workload, extracted);
    if (problems.length > 0) {
      throw new BenchError(
        `parsers disagree on transaction keys; refusing to report numbers:\n  ${problems.join('\n  ')}`,
      );
    }
    log(`transaction keys agree for all ${workload.length} messages: ${specs.map((s) => s.label).join(', ')}`);
    for (const run of runs) {
      if (!run.canSerialize()) continue;
      const roundTrip = findDisagreements(workload, new Map([[run.spec.id, run.keys(workload, 'roundTripKeys')]]));
      if (roundTrip.length > 0) {
        throw new BenchError(
          `${run.spec.label}: re-parsing serialized messages gives different keys:\n  ${roundTrip.join('\n  ')}`,
        );
      }
    }

    // 2. Time them, one at a time.
    const results: Record<string, ParserResult> = {};
    for (const run of runs) {
      const parse = run.measure('parseLoop', seconds, repeats, workload.length);
      log(`${run.spec.label}: parse ${parse.median.toLocaleString('en-US')} msgs/s`);
      let serialize: Measurement | null = null;
      if (run.canSerialize()) {
        serialize = run.measure('serializeLoop', seconds, repeats, workload.length);
        log(`${run.spec.label}: serialize ${serialize.median.toLocaleString('en-US')} msgs/s`);
      }
      results[run.spec.id] = {
        id: run.spec.id,
        label: run.spec.label,
        bundle_bytes: run.bundleBytes,
        parse,
        serialize,
        heap_used_bytes: run.session.memoryUsedBytes(),
      };
    }

    const coreBytes = specs.some((s) => s.id === QUIP.id) ? await sipSdpCoreMinBytes(log) : null;
    const media = specs.some((s) => s.id === QUIP.id) ? await runMediaBench(seconds, repeats, log) : null;
    const robust = specs.some((s) => s.id === QUIP.id) ? await runRobustnessBench(seconds, repeats, log) : null;
    const frameClock = specs.some((s) => s.id === QUIP.id) ? await runFrameClockBench(seconds, log) : null;
    const rate = (id: string): number | null => results[id]?.parse.median ?? null;
    const ratio = (a: number | null, b: number | null): number | null =>
      a !== null && b !== null && b > 0 ? Math.round((a / b) * 1000) / 1000 : null;
    const quipRate = rate(QUIP.id);
    return {
      parse_msgs_per_s: quipRate,
      sipjs_parse_msgs_per_s: rate(SIPJS.id),
      jssip_parse_msgs_per_s: rate(JSSIP.id),
      ratio_vs_sipjs: ratio(quipRate, rate(SIPJS.id)),
      ratio_vs_jssip: ratio(quipRate, rate(JSSIP.id)),
      serialize_msgs_per_s: results[QUIP.id]?.serialize?.median ?? null,
      sip_sdp_core_min_bytes: coreBytes,
      rtp_packetize_per_s: media?.rtp_packetize_per_s ?? null,
      g711_encode_samples_per_s: media?.g711_encode_samples_per_s ?? null,
      reference_g711_encode_samples_per_s: media?.reference_g711_encode_samples_per_s ?? null,
      g711_ratio_vs_reference: media?.g711_ratio_vs_reference ?? null,
      call_cpu_percent: media?.call_cpu_percent ?? null,
      parse_mutant_max_ms: robust?.parse_mutant_max_ms ?? null,
      parse_mutant_mean_ms: robust?.parse_mutant_mean_ms ?? null,
      parse_mutants: robust?.parse_mutants ?? null,
      digit_map_match_per_s: robust?.digit_map_match_per_s ?? null,
      emulator_audio_frames_per_s: frameClock?.emulator_audio_frames_per_s ?? null,
      emulator_audio_frame_late_ms_max: frameClock?.emulator_audio_frame_late_ms_max ?? null,
      engine: engineInfo(VM_SETTINGS),
      settings: { seconds_per_measurement: seconds, repeats, statistic: 'median of repeats' },
      workload: { messages: workload.length, bytes: workloadBytes, names: workload.map((m) => m.name) },
      parsers: results,
      notes: [
        'Each parser runs in its own QuickJS runtime with the same memory and stack limits; loops run inside QuickJS.',
        '"parse" = parse the whole message and read top Via branch, CSeq number and method, Call-ID, From tag, To tag.',
        PEER_SERIALIZE_NOTE,
      ],
    };
  } finally {
    for (const run of runs) run.session.dispose();
  }
}
