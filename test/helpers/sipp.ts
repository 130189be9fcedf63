// Runs SIPp (Debian package sip-tester) as a child process on a free port, with its message,
// error and screen traces in a temp dir, so a failing scenario explains itself. Never `-bg`:
// the child is ours, is killed in teardown, and cannot outlive the test.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, sleep } from './interop.ts';
import { ROOT } from './corpus.ts';

export const SCENARIOS = join(ROOT, 'test', 'interop', 'sipp');

export interface SippOptions {
  /** The sipp binary (withPeer's path). */
  binary: string;
  /** Scenario file name in test/interop/sipp/, or an absolute path. */
  scenario: string;
  /** host:port to send to (a UAC, or a UAS that starts requests); none for a pure UAS. */
  remote?: string;
  /** Calls to run before exiting (-m); default 1. */
  calls?: number;
  /** -key name value pairs, usable as [name] in the scenario. */
  keys?: Record<string, string>;
  /** -s: the user part of [service]. */
  service?: string;
  /** More arguments (e.g. -inf, -r, -l). */
  args?: string[];
  /** SIPp's own global timeout in seconds (-timeout, counted as an error); default 45. */
  timeoutS?: number;
}

export interface SippResult {
  /** 0: every call succeeded; 1: some failed; 97/99/255/254: SIPp aborted. null: killed. */
  code: number | null;
  /** stderr, the error log, the last screen and the message trace, for failure messages. */
  report: string;
  /** The message trace (every message sent and received). */
  messages: string;
  /** Path of the trace dir (screen, stats, logs). */
  dir: string;
}

export interface SippRun {
  readonly port: number;
  readonly dir: string;
  readonly done: Promise<SippResult>;
  kill(): void;
}

/** Starts SIPp on 127.0.0.1 and a free port; resolves once its socket is bound. */
export async function startSipp(o: SippOptions): Promise<SippRun> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'quip-sipp-'));
  const scenario = o.scenario.startsWith('/') ? o.scenario : join(SCENARIOS, o.scenario);
  const args = [
    ...(o.remote !== undefined ? [o.remote] : []),
    '-sf', scenario,
    '-i', '127.0.0.1', '-p', String(port),
    '-m', String(o.calls ?? 1),
    '-nostdin',
    '-timeout', `${o.timeoutS ?? 45}s`, '-timeout_error',
    '-trace_err', '-error_file', join(dir, 'errors.log'),
    '-trace_msg', '-message_file', join(dir, 'messages.log'),
    '-trace_screen', '-screen_file', join(dir, 'screen.log'),
    '-trace_logs', '-log_file', join(dir, 'logs.log'),
    ...(o.service !== undefined ? ['-s', o.service] : []),
    ...Object.entries(o.keys ?? {}).flatMap(([k, v]) => ['-key', k, v]),
    ...(o.args ?? []),
  ];
  const child = spawn(o.binary, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8000)));
  child.stdout!.resume(); // the live screen: not needed, -trace_screen keeps the last one
  const done = new Promise<SippResult>((resolve) => {
    const finish = (code: number | null): void => {
      const messages = readIf(join(dir, 'messages.log'));
      const report = [
        `sipp ${args.join(' ')}`,
        `exit code ${code}`,
        stderr && `stderr:\n${stderr}`,
        section('errors', join(dir, 'errors.log')),
        section('log actions', join(dir, 'logs.log')),
        section('last screen', join(dir, 'screen.log'), 4000),
        messages && `messages (tail):\n${messages.slice(-12000)}`,
      ].filter(Boolean).join('\n');
      resolve({ code, report, messages, dir });
    };
    child.once('exit', (code, signal) => finish(signal !== null ? null : code));
    child.once('error', (e) => {
      stderr += String(e);
      finish(null);
    });
  });
  await waitBound(port, child);
  return { port, dir, done, kill: () => void kill(child) };
}

/** Starts SIPp, kills it in teardown (if it is still running) and attaches its report on failure. */
export async function sippInTest(t: { teardown(fn: () => void | Promise<void>): void; log(...v: unknown[]): void; readonly passed: boolean }, o: SippOptions): Promise<SippRun> {
  const run = await startSipp(o);
  t.teardown(async () => {
    run.kill();
    const r = await run.done;
    if (!t.passed) t.log(`${o.scenario}:\n${r.report}`);
  });
  return run;
}

function kill(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** SIPp binds its UDP socket at startup: wait until our probe cannot bind the port. */
async function waitBound(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline && child.exitCode === null) {
    const free = await new Promise<boolean>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (!free) return;
    await sleep(25);
  }
}

function readIf(file: string): string {
  return existsSync(file) ? readFileSync(file, 'latin1') : '';
}

function section(title: string, file: string, tail = 6000): string {
  const text = readIf(file).trim();
  return text ? `${title}:\n${text.slice(-tail)}` : '';
}
