// `quip bench`: every figure of the firmware measured against a peer in the same run — parsing,
// a call's CPU, footprint, many phones, the lab server against Kamailio, quip-host natively.
import { writeFileSync } from 'node:fs';
import type { Command } from './command.ts';
import { usageError, wantsHelp } from './command.ts';
import { lastValue, readArgs } from './cli-args.ts';
import type { ReadArgs } from './cli-args.ts';
import { reportInput, runAllParts } from './bench/all-parts.ts';
import type { BenchParts } from './bench/all-parts.ts';
import { formatFigureTable, renderHtmlReport, renderMarkdownReport } from './bench/report.ts';
import { BenchError, PARSERS } from './bench/run.ts';

export { BenchError, runBench } from './bench/run.ts';
export type { BenchReport, RunOptions, ParserSpec } from './bench/run.ts';

const HELP = `Usage: quip bench [options]

Measures the firmware against peers measured in the same run, and prints a table: figure,
value, peer, ratio, target, and whether the target is met. No figure is asserted anywhere;
the targets say what the phone should reach on this kind of machine.

SIP parsing inside QuickJS (the engine the phone runs): quip's parser and, in the same engine
with the same harness, the SIP.js and JsSIP parsers. Workloads: "call-mix" (REGISTER, 401,
INVITE with SDP, 180, 200 with SDP, ACK, BYE) and "realistic" (call-mix plus a 200 to
REGISTER with 3 Contacts, a NOTIFY with a message-summary body, a re-INVITE with
Session-Expires and an INVITE through a 5-hop proxy chain: the headline). Keys only = what
a proxy needs (top Via branch, CSeq, Call-ID, tags); matched = every header the peers parse
eagerly, read from quip's typed views (the headline ratios); validate = every header quip
knows. Before timing, every parser must extract the same values; otherwise exit code 1.

Media: one call's CPU share with the whole firmware bundle in the emulator's runtime on a
stub host (audio_frame and RTP events in, udpSend and audio.play out, RTCP, the display),
beside the bare media harness; G.711 encoding against the Sun g711.c algorithm.
Footprint per board: minified bundle, QuickJS heap idle and during a call, boot to
registered on loopback (in-process phones and lab server).
Many phones (--phones N): N emulated phones in worker processes on every core, registered
to the lab, --phone-calls concurrent calls with media; RSS per phone, CPU per call.
Lab vs Kamailio (--load-seconds): the same SIPp scenarios (digest REGISTER; INVITE, 200,
ACK, BYE through the proxy) at doubling rates on each server; the highest rate sustained
for a step with 0 failed and p99 < 50 ms, and the ratio.
Native: the same parser workload and media loops inside quip-host's QuickJS C engine
(linux-x64, and linux-armhf under qemu-arm: not a board's speed); phone processes of
quip-host and the emulator booting and in a call (CPU, VmHWM); quip-host binary sizes.

Options:
  --json                     Print exactly one JSON object on stdout (progress goes to
                             stderr): one field per figure (parse_full_msgs_per_s,
                             ratio_vs_jssip, call_cpu_percent, footprint_desk6_bundle_bytes,
                             ...; null when not measured, with a note in "figures"), the
                             list "figures" (field, label, value, unit, peer, ratio, target,
                             note), "details" per part, and the parser run's fields
                             (workloads, parsers, engine, settings, notes, native).
  --report <file>            Also write a self-contained report with charts: Markdown for
                             .md, HTML for .html.
  --seconds <s>              Time per measurement in seconds (default 1).
  --only <parsers>           Run only these parsers: quip, sipjs, jssip (comma-separated).
  --firmware-call-seconds <s>  Simulated seconds of the whole-firmware call per timed run
                             (default 10; 0 skips it).
  --footprint-boots <n>      Timed boots per board for the footprint (default 5; 0 skips).
  --footprint-call-seconds <s>  Call over which the heap is sampled (default 3; 0 skips).
  --phones <n>               Emulated phones for the scale run (default 0: skipped).
  --phone-calls <n>          Concurrent calls among them (default and at most n/2).
  --phone-call-seconds <s>   How long those calls are held (default 10).
  --load-seconds <s>         Seconds per step of the lab vs Kamailio ramps (default 30;
                             0 skips them). Needs sipp and kamailio (npm test installs them).
  --call-seconds <s>         Measured window of each native phone call (quip-host,
                             emulator; default 10; 0 skips the call figures).
  --skip-native              No native figures (their fields are null).
  --sipp-seconds <s>         A fixed-rate SIPp registration load on the lab for this long
                             (default 0: the ramps above measure the lab).
  --sipp-rate <n>            Its registrations per second (default 200).
  -h, --help                 Show this help.

Exit codes: 0 success, 1 a parser failed or disagreed, or a part could not run, 2 usage error.

Examples:
  quip bench
  quip bench --json --seconds 0.5 --load-seconds 0
  quip bench --phones 500 --phone-calls 100 --report bench.html
  quip bench --only sipjs,jssip
`;

export interface BenchIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const processIo: BenchIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

interface CliOptions extends BenchParts {
  json: boolean;
  report: string | null;
}

/** A number option's value when `ok` accepts it; otherwise the usage error. */
function numberOption(read: ReadArgs, name: string, fallback: number, ok: (n: number) => boolean, what: string): number | string {
  const v = lastValue(read, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  return Number.isFinite(n) && ok(n) ? n : `--${name} needs ${what}, got '${v}'`;
}

const NUMBER_OPTIONS = {
  seconds: { fallback: 1, ok: (n: number) => n > 0, what: 'a positive number' },
  'sipp-seconds': { fallback: 0, ok: (n: number) => n >= 0, what: 'a number >= 0' },
  'sipp-rate': { fallback: 200, ok: (n: number) => n > 0, what: 'a positive number' },
  'call-seconds': { fallback: 10, ok: (n: number) => n >= 0, what: 'a number >= 0' },
  'firmware-call-seconds': { fallback: 10, ok: (n: number) => n >= 0, what: 'a number >= 0' },
  'footprint-boots': { fallback: 5, ok: (n: number) => Number.isInteger(n) && n >= 0, what: 'a whole number >= 0' },
  'footprint-call-seconds': { fallback: 3, ok: (n: number) => n >= 0, what: 'a number >= 0' },
  phones: { fallback: 0, ok: (n: number) => Number.isInteger(n) && n >= 0, what: 'a whole number >= 0' },
  'phone-calls': { fallback: -1, ok: (n: number) => Number.isInteger(n) && n >= 0, what: 'a whole number >= 0' },
  'phone-call-seconds': { fallback: 10, ok: (n: number) => n > 0, what: 'a positive number' },
  'load-seconds': { fallback: 30, ok: (n: number) => n >= 0, what: 'a number >= 0' },
} as const;
type NumberOption = keyof typeof NUMBER_OPTIONS;

function parseArgs(args: string[]): CliOptions | string {
  const read = readArgs(args, { values: [...Object.keys(NUMBER_OPTIONS), 'only', 'report'], flags: ['json', 'skip-native'] });
  if (typeof read === 'string') return read;
  const n = {} as Record<NumberOption, number>;
  for (const name of Object.keys(NUMBER_OPTIONS) as NumberOption[]) {
    const spec = NUMBER_OPTIONS[name];
    const v = numberOption(read, name, spec.fallback, spec.ok, spec.what);
    if (typeof v === 'string') return v;
    n[name] = v;
  }
  let parsers = [...PARSERS];
  const only = lastValue(read, 'only');
  if (only !== undefined) {
    const ids = only.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
    const unknown = ids.find((id) => !PARSERS.some((p) => p.id === id));
    if (ids.length === 0 || unknown !== undefined) return `--only: unknown parser '${unknown ?? ''}' (choose from quip, sipjs, jssip)`;
    parsers = PARSERS.filter((p) => ids.includes(p.id));
  }
  const report = lastValue(read, 'report') ?? null;
  if (report !== null && !/\.(md|html?)$/i.test(report)) return `--report needs a file ending in .md or .html, got '${report}'`;
  return {
    json: read.flags.has('json'),
    report,
    seconds: n.seconds,
    parsers,
    native: !read.flags.has('skip-native'),
    callSeconds: n['call-seconds'],
    firmwareCallSeconds: n['firmware-call-seconds'],
    footprintBoots: n['footprint-boots'],
    footprintCallSeconds: n['footprint-call-seconds'],
    phones: n.phones,
    phoneCalls: n['phone-calls'] < 0 ? undefined : n['phone-calls'],
    phoneCallSeconds: n['phone-call-seconds'],
    loadSeconds: n['load-seconds'],
    sippSeconds: n['sipp-seconds'],
    sippRate: n['sipp-rate'],
  };
}

/** Runs the command with the given output streams; resolves to the exit code. */
export async function runBenchCli(args: string[], io: BenchIo = processIo): Promise<number> {
  if (wantsHelp(args)) {
    io.out(HELP);
    return 0;
  }
  const options = parseArgs(args);
  if (typeof options === 'string') return usageError('bench', options);
  try {
    const result = await runAllParts(options, (line) => io.err(`bench: ${line}\n`));
    if (options.report !== null) {
      const input = reportInput(result);
      writeFileSync(options.report, /\.md$/i.test(options.report) ? renderMarkdownReport(input) : renderHtmlReport(input));
      io.err(`bench: wrote ${options.report}\n`);
    }
    io.out(options.json ? JSON.stringify(result.json) + '\n' : formatFigureTable(result.sections) + '\n' + result.notes.map((n) => `${n}\n`).join(''));
    return 0;
  } catch (err) {
    if (err instanceof BenchError) {
      io.err(`quip bench: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmark the firmware against peers: parsing, call CPU, footprint, scale, Kamailio',
  help: HELP,
  run: (args) => runBenchCli(args),
};
