// `quip fuzz`: mutated SIP, SDP, RTP and RTCP input fed to the firmware inside QuickJS.
import { availableParallelism } from 'node:os';
import type { Command } from './command.ts';
import { usageError, wantsHelp } from './command.ts';
import { lastValue, readArgs } from './cli-args.ts';
import { runFuzzParallel } from './fuzz/parallel.ts';
import type { FuzzReport } from './fuzz/campaign.ts';
import { formatReport } from './fuzz/format.ts';
import { fromBase64 } from './fuzz/findings.ts';
import { FUZZ_KINDS, KIND_DESCRIPTIONS, isFuzzKind } from './fuzz/kinds.ts';
import type { FuzzKind } from './fuzz/kinds.ts';
import { DEFAULT_LIMITS } from './fuzz/sandbox.ts';

export { runFuzz } from './fuzz/campaign.ts';
export type { FuzzOptions, FuzzReport } from './fuzz/campaign.ts';

const kindLines = FUZZ_KINDS.map((k) => `  ${k.padEnd(7)} ${KIND_DESCRIPTIONS[k]}`).join('\n');

const HELP = `Usage: quip fuzz [options]

Feeds mutated input to the firmware's parsers inside QuickJS, the engine the phone runs,
with the phone's limits: a ${DEFAULT_LIMITS.heapBytes / 1024 / 1024} MiB heap and a ${DEFAULT_LIMITS.watchdogMs} ms watchdog.

Seeds are the RFC 4475 torture messages (valid and invalid), the RFC 3665 and RFC 3666
call-flow messages, and generated SIP, SDP, RTP and RTCP samples. Mutations: bit flips,
octet overwrites, insertion, deletion and duplication, splicing two seeds, separators (CRLF,
NUL, quotes, <>, commas, semicolons, %-escapes, octets 0x80-0xFF), protocol tokens, numbers
replaced by huge, negative or very long ones, truncation, duplicated and swapped lines, line
folding, case changes, and oversize input up to 70 KB. The same --seed gives the same inputs.

Kinds:
${kindLines}

Inputs go to the VM in batches; the watchdog covers each call, and a call it stops (or that
runs out of heap) is bisected on fresh VMs down to the input responsible.

A finding is one of:
  crash      an exception other than the documented refusal (SipParseError; SdpParseError or
             SdpNegotiationError; RTP/RTCP readers return null and never throw), including
             parseMessage's "internal parser error" safety net
  invariant  the firmware cannot read back what it wrote, or disagrees with itself
             (serialize + reparse, formatted URIs/Via/name-addr, our digest and SDP answers,
             stream framing that depends on how TCP split the octets)
  hang       one input alone ran past the watchdog, twice (the phone would reboot)
  oom        one input alone exhausted the heap, twice

Options:
  --count <n>          Generated inputs in all, split across kinds (default 20000).
  --seed <n>           Seed of the mutation engine (default 1); 'random' picks one.
  --kinds <list>       Kinds to fuzz, comma-separated (default: ${FUZZ_KINDS.join(',')}).
  --jobs <n>           Worker threads, one QuickJS each (default: CPU count, at most 4).
  --batch <n>          Inputs per call into QuickJS (default 500).
  --watchdog-ms <ms>   Longest one call may run (default ${DEFAULT_LIMITS.watchdogMs}, the desk6 board's).
  --heap-mb <n>        QuickJS heap limit in MiB (default ${DEFAULT_LIMITS.heapBytes / 1024 / 1024}).
  --replay <k>:<b64>   Run one input (kind and base64, as a report prints them); repeatable.
                       Without --count, nothing else runs.
  --json               Print exactly one JSON object (the report) on stdout.
  -h, --help           Show this help.

Output: inputs/s overall and per QuickJS, counts per kind (accepted = parsed, rejected =
refused the documented way), crashes, invariant violations, hangs, watchdog interrupts,
memory exhaustion, the heap high-water mark and the slowest input. Each distinct finding
is printed with its count, a stack (from the TypeScript sources when the input also fails
under Node) and the reproducer: the kind and the input in base64.

Exit codes: 0 no findings, 1 any crash, invariant violation, hang or memory exhaustion,
2 usage error.

Examples:
  quip fuzz
  quip fuzz --count 1000000 --jobs 4
  quip fuzz --kinds sip,stream --seed 42 --json
  quip fuzz --replay sip:SU5WSVRFIHNpcDpib2JAZXhhbXBsZS5jb20gU0lQLzIuMA0KDQo=
`;

interface CliOptions {
  count: number | undefined;
  seed: number;
  kinds: FuzzKind[];
  jobs: number;
  batch: number;
  watchdogMs: number;
  heapMb: number;
  replay: Array<{ kind: FuzzKind; input: string }>;
  json: boolean;
}

function positiveInt(v: string | undefined, allowZero = false): number | null {
  if (v === undefined || !/^[0-9]+$/.test(v)) return null;
  const x = Number(v);
  return Number.isSafeInteger(x) && (allowZero || x > 0) ? x : null;
}

/** Integer options: name on the command line, field in CliOptions, whether 0 is allowed. */
const INTEGER_OPTIONS = [
  ['count', 'count', true],
  ['jobs', 'jobs', false],
  ['batch', 'batch', false],
  ['watchdog-ms', 'watchdogMs', false],
  ['heap-mb', 'heapMb', false],
] as const;

function parseArgs(args: string[]): CliOptions | string {
  const read = readArgs(args, { values: [...INTEGER_OPTIONS.map(([name]) => name), 'seed', 'kinds', 'replay'], flags: ['json'] });
  if (typeof read === 'string') return read;
  const o: CliOptions = {
    count: undefined,
    seed: 1,
    kinds: [...FUZZ_KINDS],
    jobs: Math.min(4, availableParallelism()),
    batch: 500,
    watchdogMs: DEFAULT_LIMITS.watchdogMs,
    heapMb: DEFAULT_LIMITS.heapBytes / 1024 / 1024,
    replay: [],
    json: read.flags.has('json'),
  };
  for (const [name, field, allowZero] of INTEGER_OPTIONS) {
    const v = lastValue(read, name);
    if (v === undefined) continue;
    const n = positiveInt(v, allowZero);
    if (n === null) return `--${name} needs a ${allowZero ? 'non-negative' : 'positive'} integer, got '${v}'`;
    o[field] = n;
  }
  const seed = lastValue(read, 'seed');
  if (seed === 'random') o.seed = Math.floor(Math.random() * 2 ** 32);
  else if (seed !== undefined && /^[0-9]+$/.test(seed) && Number(seed) < 2 ** 32) o.seed = Number(seed);
  else if (seed !== undefined) return `--seed needs an integer from 0 to ${2 ** 32 - 1} or 'random', got '${seed}'`;
  const kinds = lastValue(read, 'kinds');
  if (kinds !== undefined) {
    const list = kinds.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
    const bad = list.find((k) => !isFuzzKind(k));
    if (list.length === 0 || bad !== undefined) return `--kinds: unknown kind '${bad ?? ''}' (choose from ${FUZZ_KINDS.join(', ')})`;
    o.kinds = [...new Set(list)] as FuzzKind[];
  }
  for (const v of read.values.get('replay') ?? []) {
    const colon = v.indexOf(':');
    const kind = v.slice(0, colon);
    if (colon === -1 || !isFuzzKind(kind)) return `--replay needs <kind>:<base64> with kind one of ${FUZZ_KINDS.join(', ')}`;
    o.replay.push({ kind, input: fromBase64(v.slice(colon + 1)) });
  }
  return o;
}

export interface FuzzIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Whether to draw a progress line on err. */
  progress: boolean;
}

const processIo: FuzzIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  progress: process.stderr.isTTY === true,
};

export async function runFuzzCli(args: string[], io: FuzzIo = processIo): Promise<number> {
  if (wantsHelp(args)) {
    io.out(HELP);
    return 0;
  }
  const o = parseArgs(args);
  if (typeof o === 'string') return usageError('fuzz', o);
  const count = o.count ?? (o.replay.length > 0 ? 0 : 20_000);
  let lastDraw = 0;
  const report: FuzzReport = await runFuzzParallel({
    count,
    seed: o.seed,
    kinds: o.kinds,
    jobs: count > 0 ? o.jobs : 1,
    batchSize: o.batch,
    limits: { watchdogMs: o.watchdogMs, heapBytes: o.heapMb * 1024 * 1024 },
    extraInputs: o.replay,
    onProgress: (p) => {
      if (!io.progress || p.seconds - lastDraw < 0.5) return;
      lastDraw = p.seconds;
      const rate = Math.round(p.done / p.seconds).toLocaleString('en-US');
      io.err(`\rfuzz: ${p.done.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')} inputs, ${rate}/s, ${p.failures} findings `);
    },
  });
  if (io.progress) io.err('\r\x1b[K');
  io.out(o.json ? JSON.stringify(report) + '\n' : formatReport(report));
  return report.passed ? 0 : 1;
}

export const fuzzCommand: Command = {
  name: 'fuzz',
  summary: 'fuzz the SIP, SDP, RTP and RTCP parsers inside QuickJS with mutated input',
  help: HELP,
  run: (args) => runFuzzCli(args),
};
