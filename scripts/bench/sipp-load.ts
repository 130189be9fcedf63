// The SIPp part of `quip bench`: digest registrations against the lab server at a fixed rate
// for N seconds (SIPp 3.6, Debian sip-tester), with users from a generated users file and
// SIPp's injection CSV. Reports the achieved rate, successes/failures, retransmissions and
// response times (one registration = REGISTER, 401, REGISTER with Authorization, 200).
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findBinary, freePort } from '../local-programs.ts';
import { randomBytes } from 'node:crypto';
import { startLabServer } from '../../server/lab-server.ts';
import { loadUsers } from '../../server/users.ts';

const SCENARIO = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sipp-register.xml');

export interface SippLoadOptions {
  seconds: number;
  /** Registrations started per second (each is two REGISTER transactions). */
  rate: number;
  /** Users in the generated users file (SIPp cycles through them). Default 1000. */
  users?: number;
  log?: (line: string) => void;
}

export interface SippLoadReport {
  peer: string;
  target: 'quip lab';
  seconds: number;
  users: number;
  target_registrations_per_s: number;
  achieved_registrations_per_s: number;
  /** REGISTER requests answered per second (2 per registration, plus retransmissions). */
  achieved_register_requests_per_s: number;
  successful: number;
  failed: number;
  retransmissions: number;
  /** Registration time (first REGISTER sent → 200 received), milliseconds. */
  response_ms: { mean: number; p50: number; p95: number; p99: number; max: number };
  sipp_exit_code: number | null;
}

/** The sipp binary, or null when it is not installed. */
export function findSipp(): string | null {
  return findBinary('sipp');
}

export async function runSippLoad(o: SippLoadOptions): Promise<SippLoadReport> {
  const sipp = findSipp();
  if (sipp === null) throw new Error('sipp is not installed (Debian package sip-tester)');
  const log = o.log ?? (() => {});
  const userCount = o.users ?? 1000;
  const dir = mkdtempSync(path.join(tmpdir(), 'quip-sipp-load-'));
  // The lab's own users file format, generated; SIPp gets the same users as its injection CSV.
  const users = Array.from({ length: userCount }, (_, i) => ({ user: `load${String(i).padStart(5, '0')}`, password: randomBytes(6).toString('hex') }));
  writeFileSync(path.join(dir, 'users.json'), JSON.stringify({ users }));
  writeFileSync(path.join(dir, 'users.csv'), ['SEQUENTIAL', ...users.map((u) => `${u.user};[authentication username=${u.user} password=${u.password}]`)].join('\n') + '\n');
  copyFileSync(SCENARIO, path.join(dir, 'register.xml'));

  // SIPp 3.6 answers only the first challenge and cannot do SHA-256: offer MD5 alone. The lab
  // runs with its shipped limits (a full transaction table evicts answered REGISTERs).
  const lab = await startLabServer({ port: 0, users: loadUsers(path.join(dir, 'users.json')), digestAlgorithms: ['MD5'] });
  try {
    log(`sipp: ${Math.max(1, Math.round(o.rate * o.seconds))} digest registrations at ${o.rate}/s against the lab (${userCount} users)`);
    const step = await runSippStep({
      sipp, cwd: dir, scenario: path.join(dir, 'register.xml'), remote: `127.0.0.1:${lab.port}`, rate: o.rate, seconds: o.seconds, args: ['-inf', path.join(dir, 'users.csv')], log,
    });
    const { successful, failed, retransmissions, rtts, elapsed, code } = step;
    const report: SippLoadReport = {
      peer: `SIPp ${sippVersion(sipp)}`,
      target: 'quip lab',
      seconds: round(elapsed, 2),
      users: userCount,
      target_registrations_per_s: o.rate,
      achieved_registrations_per_s: round(successful / elapsed, 1),
      achieved_register_requests_per_s: round((2 * successful + retransmissions) / elapsed, 1),
      successful,
      failed,
      retransmissions,
      response_ms: summarizeRtts(rtts),
      sipp_exit_code: code,
    };
    log(`sipp: ${report.successful} registered, ${report.failed} failed, ${report.achieved_registrations_per_s}/s, p95 ${report.response_ms.p95} ms`);
    return report;
  } finally {
    lab.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface SippStepOptions {
  sipp: string;
  /** SIPp writes each step's traces in a new directory under this one. */
  cwd: string;
  /** Absolute paths, like any file in `args`. */
  scenario: string;
  /** host:port of the server under test. */
  remote: string;
  /** Calls started per second, for `seconds`. */
  rate: number;
  seconds: number;
  /** More SIPp arguments (-inf, -s, -key ...). */
  args?: string[];
  /** SIPp's own port (default any free one). */
  localPort?: number;
  log?: (line: string) => void;
}

export interface SippStepResult {
  successful: number;
  failed: number;
  retransmissions: number;
  /** Wall time SIPp ran the calls, seconds. */
  elapsed: number;
  /** Every traced response time (ms), sorted. */
  rtts: number[];
  code: number | null;
}

/** One SIPp run of `rate × seconds` calls of a scenario against a server: its statistics and response times. */
export async function runSippStep(o: SippStepOptions): Promise<SippStepResult> {
  const total = Math.max(1, Math.round(o.rate * o.seconds));
  const port = o.localPort ?? (await freePort());
  const dir = mkdtempSync(path.join(o.cwd, 'step-')); // each step its own trace files
  const args = [
    o.remote, '-sf', o.scenario, ...(o.args ?? []),
    '-i', '127.0.0.1', '-p', String(port),
    '-r', String(o.rate), '-m', String(total), '-l', String(Math.max(100, o.rate * 5)),
    '-nostdin', '-timeout', `${Math.ceil(o.seconds) + 60}s`, '-timeout_error',
    '-trace_stat', '-stf', 'stat.csv', '-fd', '1',
    '-trace_rtt', '-rtt_freq', '1',
    '-trace_err', '-error_file', 'errors.log',
  ];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(o.sipp, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const killer = setTimeout(() => child.kill('SIGKILL'), (o.seconds + 90) * 1000);
    child.once('error', reject);
    child.once('exit', (c) => {
      clearTimeout(killer);
      if (c !== 0 && c !== 1) o.log?.(`sipp exited ${c}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
      resolve(c);
    });
  });
  const stats = lastRow(path.join(dir, 'stat.csv'));
  const num = (k: string): number => Number(stats[k] ?? NaN);
  const elapsed = seconds(stats['ElapsedTime(C)'] ?? '');
  const successful = num('SuccessfulCall(C)');
  if (!Number.isFinite(successful) || !(elapsed > 0)) throw new Error(`sipp left no statistics (exit ${code})${errorsTail(dir)}`);
  return { successful, failed: num('FailedCall(C)'), retransmissions: num('Retransmissions(C)'), elapsed, rtts: readRtts(dir), code };
}

/** Mean and percentiles of sorted response times, ms. */
export function summarizeRtts(rtts: number[]): SippLoadReport['response_ms'] {
  return {
    mean: round(rtts.reduce((a, b) => a + b, 0) / Math.max(1, rtts.length), 2),
    p50: pct(rtts, 0.5), p95: pct(rtts, 0.95), p99: pct(rtts, 0.99), max: round(rtts[rtts.length - 1] ?? 0, 2),
  };
}

/** The human-readable lines. */
export function formatSippLoad(r: SippLoadReport): string {
  const ms = r.response_ms;
  return [
    `SIPp load against the lab (${r.peer}): digest REGISTER, ${r.users} users, ${r.seconds} s`,
    `  registrations: ${r.achieved_registrations_per_s}/s achieved of ${r.target_registrations_per_s}/s ` +
      `(${r.achieved_register_requests_per_s} REGISTER requests/s); ${r.successful} succeeded, ${r.failed} failed, ${r.retransmissions} retransmissions`,
    `  registration time (ms): mean ${ms.mean}, p50 ${ms.p50}, p95 ${ms.p95}, p99 ${ms.p99}, max ${ms.max}`,
    '',
  ].join('\n');
}

function lastRow(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const lines = readFileSync(file, 'latin1').trim().split('\n');
  const head = (lines[0] ?? '').split(';');
  const last = (lines[lines.length - 1] ?? '').split(';');
  return Object.fromEntries(head.map((h, i) => [h, last[i] ?? '']));
}

/** SIPp durations are HH:MM:SS:uuuuuu (or HH:MM:SS). */
function seconds(t: string): number {
  const p = t.split(':').map(Number);
  if (p.length < 3 || p.some((x) => !Number.isFinite(x))) return NaN;
  return p[0]! * 3600 + p[1]! * 60 + p[2]! + (p[3] ?? 0) / 1e6;
}

/** Every response time SIPp traced (-trace_rtt -rtt_freq 1): Date_ms;response_time_ms;rtd_no (whole ms). */
function readRtts(dir: string): number[] {
  const file = readdirSync(dir).find((f) => f.endsWith('_rtt.csv'));
  if (file === undefined) return [];
  return readFileSync(path.join(dir, file), 'latin1').trim().split('\n').slice(1)
    .map((l) => Number(l.split(';')[1]))
    .filter((v) => Number.isFinite(v))
    .sort((a, b) => a - b);
}

function pct(sorted: number[], q: number): number {
  return sorted.length === 0 ? 0 : round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!, 2);
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function errorsTail(dir: string): string {
  const f = path.join(dir, 'errors.log');
  return existsSync(f) ? `: ${readFileSync(f, 'latin1').trim().split('\n').slice(-3).join(' | ')}` : '';
}

export function sippVersion(sipp: string): string {
  // `sipp -v` prints " SIPp v3.6.1-SCTP-PCAP-RTPSTREAM." and exits 99: read the text only.
  const m = /SIPp v([0-9.]+)/.exec(spawnText(sipp, ['-v']));
  return m ? m[1]! : 'unknown';
}

function spawnText(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'latin1', timeout: 5000 });
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? '');
  }
}
