// `quip bench`: SIP parsing throughput of quip, SIP.js and JsSIP, each running inside QuickJS.
import type { Command } from './command.ts';
import { usageError, wantsHelp } from './command.ts';
import { lastValue, readArgs } from './cli-args.ts';
import type { ReadArgs } from './cli-args.ts';
import { BenchError, PARSERS, runBench } from './bench/run.ts';
import type { BenchReport, ParserSpec } from './bench/run.ts';
import { findSipp, formatSippLoad, runSippLoad } from './bench/sipp-load.ts';
import type { SippLoadReport } from './bench/sipp-load.ts';
import { runNativeBench } from './bench/native-bench.ts';
import type { NativeReport } from './bench/native-bench.ts';

export { BenchError, runBench } from './bench/run.ts';
export type { BenchReport, RunOptions, ParserSpec } from './bench/run.ts';

const HELP = `Usage: quip bench [options]

Measures how fast SIP messages are parsed inside QuickJS, the engine the phone runs, by
quip's parser (firmware/sip) and, in the same run, by the SIP.js and JsSIP parsers.

Each parser is bundled with esbuild together with the same timing harness and loaded
into its own QuickJS runtime (quickjs-emscripten; same heap and stack limits for all).
The timed loops run inside QuickJS. The workload is one realistic call flow: REGISTER,
401 with WWW-Authenticate, INVITE with SDP, 180 Ringing, 200 OK with SDP, ACK, BYE.

"Parse" means: parse the whole message and read the transaction keys (top Via branch,
CSeq number and method, Call-ID, From tag, To tag). Before timing, every parser must
extract the expected keys from every message, and all parsers must agree; otherwise
the bench stops with exit code 1 and reports no numbers. quip's serializer is timed too
(parse once, serialize many times); SIP.js and JsSIP have no comparable serializer.

Each measurement is calibrated to run about --seconds and repeated 3 times; the median
is reported. The minified size of firmware/sip + firmware/sdp bundled together is
reported as well, and so is the media hot path inside QuickJS: RTP packets built per
second, G.711 encoding against a textbook per-sample encoder, and the CPU share of one
full-duplex 20 ms G.711 call (target <= 1 %). Robustness figures the tests do not assert:
the slowest of ~2000 mutated SIP messages per --seconds (parse + every typed accessor),
hostile dial plans matched per second, and the emulator's real-time audio frame clock.

Native figures, same run: the same parser workload, harness and media loops run inside
quip-host's own QuickJS C engine (dist/host/linux-x64/quip-host --run, the release build;
built first when missing), and under qemu-arm for dist/host/linux-armhf/quip-host (emulated:
not a board's speed). Whole phones: spawn to 'registered' against the lab server for quip-host
with a JavaScript and a bytecode image (quip build --native) and for the emulator; two phones
in a call with G.711 media through the lab, each process's CPU time (/proc/<pid>/stat) over
--call-seconds of the connected call as percent of one core and its VmHWM/VmRSS, for quip-host
and the emulator; the size of each built quip-host binary.

Options:
  --json               Print exactly one JSON object on stdout (progress goes to stderr).
                       Fields: parse_msgs_per_s, sipjs_parse_msgs_per_s,
                       jssip_parse_msgs_per_s, ratio_vs_sipjs, ratio_vs_jssip (quip / peer),
                       serialize_msgs_per_s, sip_sdp_core_min_bytes, rtp_packetize_per_s,
                       g711_encode_samples_per_s, reference_g711_encode_samples_per_s,
                       g711_ratio_vs_reference, call_cpu_percent, parse_mutant_max_ms,
                       parse_mutant_mean_ms, parse_mutants, digit_map_match_per_s,
                       emulator_audio_frames_per_s, emulator_audio_frame_late_ms_max,
                       engine, settings,
                       workload, parsers (per-parser samples), notes. Fields for parsers
                       not run are null. Native: native_parse_msgs_per_s,
                       native_ratio_vs_wasm, native_armhf_parse_msgs_per_s,
                       native_armhf_ratio_vs_wasm, native_armhf_note,
                       native_rtp_packetize_per_s, native_g711_encode_samples_per_s,
                       native_media_call_cpu_percent (and native_armhf_ of these three),
                       native_call_cpu_percent, native_call_vm_hwm_bytes,
                       native_call_vm_rss_bytes, emulator_call_cpu_percent,
                       emulator_call_vm_hwm_bytes, emulator_call_vm_rss_bytes,
                       native_boot_to_registered_ms, native_bytecode_boot_to_registered_ms,
                       emulator_boot_to_registered_ms, native_binary_bytes (per target),
                       native (details; native.skipped says what was skipped and why).
  --seconds <s>        Time per measurement in seconds (default 1).
  --only <parsers>     Run only these parsers: quip, sipjs, jssip (comma-separated).
  --call-seconds <s>   Measured window of each call (quip-host, emulator; default 10;
                       0 skips the call figures).
  --skip-native        No native figures (their fields are null).
  --sipp-seconds <s>   Then load the lab server with SIPp (Debian sip-tester) for this long:
                       digest registrations at --sipp-rate per second, users from a
                       generated users file (default 30; 0 skips it). JSON field sipp_load:
                       achieved rate, successful, failed, retransmissions, response_ms
                       (mean, p50, p95, p99, max); null when skipped or sipp is absent.
  --sipp-rate <n>      Registrations started per second (2 REGISTER transactions each;
                       default 200).
  -h, --help           Show this help.

Exit codes: 0 success, 1 a parser failed or disagreed (no numbers reported), 2 usage error.

Examples:
  quip bench
  quip bench --json --seconds 0.5
  quip bench --only sipjs,jssip
  quip bench --sipp-seconds 0             (no SIPp load)
`;

export interface BenchIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const processIo: BenchIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

interface CliOptions {
  json: boolean;
  seconds: number;
  parsers: ParserSpec[];
  sippSeconds: number;
  sippRate: number;
  callSeconds: number;
  native: boolean;
}

/** A number option's value when `ok` accepts it; otherwise the usage error. */
function numberOption(read: ReadArgs, name: string, fallback: number, ok: (n: number) => boolean, what: string): number | string {
  const v = lastValue(read, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  return Number.isFinite(n) && ok(n) ? n : `--${name} needs ${what}, got '${v}'`;
}

function parseArgs(args: string[]): CliOptions | string {
  const read = readArgs(args, { values: ['seconds', 'sipp-seconds', 'sipp-rate', 'only', 'call-seconds'], flags: ['json', 'skip-native'] });
  if (typeof read === 'string') return read;
  const seconds = numberOption(read, 'seconds', 1, (n) => n > 0, 'a positive number');
  if (typeof seconds === 'string') return seconds;
  const sippSeconds = numberOption(read, 'sipp-seconds', 30, (n) => n >= 0, 'a number >= 0');
  if (typeof sippSeconds === 'string') return sippSeconds;
  const sippRate = numberOption(read, 'sipp-rate', 200, (n) => n > 0, 'a positive number');
  if (typeof sippRate === 'string') return sippRate;
  const callSeconds = numberOption(read, 'call-seconds', 10, (n) => n >= 0, 'a number >= 0');
  if (typeof callSeconds === 'string') return callSeconds;
  let parsers = [...PARSERS];
  const only = lastValue(read, 'only');
  if (only !== undefined) {
    const ids = only.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
    const unknown = ids.find((id) => !PARSERS.some((p) => p.id === id));
    if (ids.length === 0 || unknown !== undefined) return `--only: unknown parser '${unknown ?? ''}' (choose from quip, sipjs, jssip)`;
    parsers = PARSERS.filter((p) => ids.includes(p.id));
  }
  return { json: read.flags.has('json'), seconds, parsers, sippSeconds, sippRate, callSeconds, native: !read.flags.has('skip-native') };
}

function fmtRate(n: number | null | undefined): string {
  return n === null || n === undefined ? 'n/a' : Math.round(n).toLocaleString('en-US');
}

function fmtBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

/** The human-readable report. */
export function formatTable(report: BenchReport): string {
  const rows = Object.values(report.parsers);
  const quip = report.parsers['quip'];
  const header = ['parser', 'parse msgs/s', 'best', 'serialize msgs/s', 'quip / parser', 'QuickJS heap'];
  const body = rows.map((r) => [
    r.label,
    fmtRate(r.parse.median),
    fmtRate(r.parse.best),
    fmtRate(r.serialize?.median),
    quip && r.id !== 'quip' ? `${(quip.parse.median / r.parse.median).toFixed(2)}x` : '-',
    fmtBytes(r.heap_used_bytes),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c]!.length)));
  const line = (cells: string[]): string =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   ');
  const e = report.engine;
  const out = [
    `SIP parsing inside QuickJS (quickjs-emscripten ${e['quickjs_emscripten_version']}, ` +
      `heap limit ${fmtBytes(Number(e['memory_limit_bytes']))}, stack ${fmtBytes(Number(e['max_stack_bytes']))})`,
    `workload: ${report.workload.messages} messages, ${report.workload.bytes} bytes per cycle; ` +
      `${report.settings.seconds_per_measurement} s per measurement, median of ${report.settings.repeats}`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    '',
  ];
  if (report.ratio_vs_sipjs !== null) out.push(`quip vs SIP.js: ${report.ratio_vs_sipjs.toFixed(2)}x`);
  if (report.ratio_vs_jssip !== null) out.push(`quip vs JsSIP:  ${report.ratio_vs_jssip.toFixed(2)}x`);
  if (quip) {
    out.push(
      `SIP+SDP core, minified: ${report.sip_sdp_core_min_bytes === null ? 'n/a' : `${report.sip_sdp_core_min_bytes} bytes`}`,
    );
  }
  if (report.call_cpu_percent !== null) {
    out.push(
      `RTP packetize: ${report.rtp_packetize_per_s?.toLocaleString('en-US')} packets/s`,
      `G.711 encode: ${report.g711_encode_samples_per_s?.toLocaleString('en-US')} samples/s (${report.g711_ratio_vs_reference}x the textbook encoder)`,
      `One full-duplex 20 ms G.711 call: ${report.call_cpu_percent} % of one core (target <= 1 %)`,
    );
  }
  if (report.parse_mutant_max_ms !== null) {
    out.push(
      `Mutated SIP messages: slowest ${report.parse_mutant_max_ms} ms of ${report.parse_mutants} (mean ${report.parse_mutant_mean_ms} ms), parse + every accessor`,
      `Hostile dial plans: ${fmtRate(report.digit_map_match_per_s)} matches/s`,
      `Emulator audio frame clock: ${report.emulator_audio_frames_per_s} frames/s of 20 ms (nominal 50), worst lag ${report.emulator_audio_frame_late_ms_max} ms`,
    );
  }
  out.push('Serialization: SIP.js and JsSIP have no serializer for parsed messages (n/a).', '');
  return out.join('\n');
}

function fmtMs(n: number | null): string {
  return n === null ? 'n/a' : `${n.toFixed(1)} ms`;
}

function fmtPercent(n: number | null): string {
  return n === null ? 'n/a' : `${n} % of one core`;
}

function fmtMem(hwm: number | null, rss: number | null): string {
  return hwm === null || rss === null ? 'n/a' : `VmHWM ${fmtBytes(hwm)}, VmRSS ${fmtBytes(rss)}`;
}

/** The native part of the human-readable report. */
export function formatNative(n: NativeReport): string {
  const x = (v: number | null): string => (v === null ? 'n/a' : `${v.toFixed(2)}x`);
  const out = [
    `Native: the firmware inside quip-host (${n.native.version ?? 'quip-host not available'})`,
    `  parse inside quip-host linux-x64:      ${fmtRate(n.native_parse_msgs_per_s)} msgs/s (${x(n.native_ratio_vs_wasm)} the wasm figure)`,
    `  parse inside quip-host linux-armhf:    ${fmtRate(n.native_armhf_parse_msgs_per_s)} msgs/s (${x(n.native_armhf_ratio_vs_wasm)} the wasm figure; ${n.native_armhf_note})`,
    `  RTP packetize, linux-x64 / armhf:      ${fmtRate(n.native_rtp_packetize_per_s)} / ${fmtRate(n.native_armhf_rtp_packetize_per_s)} packets/s`,
    `  G.711 encode, linux-x64 / armhf:       ${fmtRate(n.native_g711_encode_samples_per_s)} / ${fmtRate(n.native_armhf_g711_encode_samples_per_s)} samples/s`,
    `  media frame loop of one call, x64 / armhf: ${n.native_media_call_cpu_percent ?? 'n/a'} / ${n.native_armhf_media_call_cpu_percent ?? 'n/a'} % of one core`,
    `  one phone process in a call, quip-host: ${fmtPercent(n.native_call_cpu_percent)}; ${fmtMem(n.native_call_vm_hwm_bytes, n.native_call_vm_rss_bytes)}`,
    `  one phone process in a call, emulator:  ${fmtPercent(n.emulator_call_cpu_percent)}; ${fmtMem(n.emulator_call_vm_hwm_bytes, n.emulator_call_vm_rss_bytes)}`,
    `  boot to registered, quip-host: ${fmtMs(n.native_boot_to_registered_ms)} (JavaScript image), ${fmtMs(n.native_bytecode_boot_to_registered_ms)} (bytecode image); emulator: ${fmtMs(n.emulator_boot_to_registered_ms)}`,
    `  quip-host binary: ${Object.entries(n.native_binary_bytes).map(([t, b]) => `${t} ${b === null ? 'not built' : fmtBytes(b)}`).join(', ')}`,
    ...n.native.skipped.map((s) => `  skipped: ${s}`),
    '',
  ];
  return out.join('\n');
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
    const report = await runBench({
      seconds: options.seconds,
      parsers: options.parsers,
      log: (line) => io.err(`bench: ${line}\n`),
    });
    const native = await nativePart(report, options, (line) => io.err(`bench: ${line}\n`));
    const sippLoad = await sippPart(options, (line) => io.err(`bench: ${line}\n`));
    const full: BenchReport & NativeReport & { sipp_load: SippLoadReport | null } = { ...report, ...native, sipp_load: sippLoad };
    io.out(options.json ? JSON.stringify(full) + '\n' : formatTable(report) + formatNative(native) + (sippLoad ? formatSippLoad(sippLoad) : ''));
    return 0;
  } catch (err) {
    if (err instanceof BenchError) {
      io.err(`quip bench: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

/** The native figures (quip-host), or all of them null with the reason when --skip-native. */
async function nativePart(report: BenchReport, o: CliOptions, log: (line: string) => void): Promise<NativeReport> {
  const r = await runNativeBench(report, {
    seconds: o.seconds,
    repeats: report.settings.repeats,
    callSeconds: o.callSeconds,
    engine: o.native && o.parsers.some((p) => p.id === 'quip'),
    log,
    skip: o.native ? null : '--skip-native',
  });
  return r;
}

/** The SIPp load on the lab server, or null when skipped (--sipp-seconds 0, or no sipp here). */
async function sippPart(o: CliOptions, log: (line: string) => void): Promise<SippLoadReport | null> {
  if (o.sippSeconds === 0) return null;
  if (findSipp() === null) {
    log('skipping the SIPp load: sipp is not installed (Debian package sip-tester)');
    return null;
  }
  try {
    return await runSippLoad({ seconds: o.sippSeconds, rate: o.sippRate, log });
  } catch (err) {
    throw new BenchError(`SIPp load: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmark SIP parsing inside QuickJS against SIP.js and JsSIP',
  help: HELP,
  run: (args) => runBenchCli(args),
};
