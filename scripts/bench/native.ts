// The native part of `quip bench`: the same parser and media workload run inside quip-host's own
// QuickJS C engine (`quip-host --run`), on linux-x64 and — emulated by qemu-arm — on linux-armhf,
// plus the sizes of the built quip-host binaries. The phone-process figures (boot, a call's CPU
// and memory) are in native-phones.ts.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../../build/bundle.ts';
import { HOST_TARGETS, buildHost, hostBinary } from '../../build/host-build.ts';
import type { HostTarget } from '../../build/host-build.ts';
import { findBinary } from '../local-programs.ts';
import { mediaReport } from './media.ts';
import type { MediaReport } from './media.ts';
import type { Measurement } from './measure.ts';
import type { TxKeys } from './workload.ts';

const DRIVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'vm', 'native-driver.ts');

export const ARMHF_NOTE = "emulated: qemu-arm on this x64 machine, not a board's speed";

/** A quip-host binary to run (the release builds; the ASan build is for the tests). */
export interface NativeHost {
  target: 'linux-x64' | 'linux-armhf';
  binary: string;
  /** The program and leading arguments that run `binary` here. */
  command: string[];
  emulated: boolean;
}

/** What one `--run` of the bench script measured. */
export interface NativeEngineRun {
  target: string;
  binary: string;
  emulated: boolean;
  note: string | null;
  parse: Measurement;
  media: MediaReport | null;
  /** Process CPU time / wall time over the whole script (near 1 when nothing else competed). */
  cpu_share: number;
  wall_ms: number;
  keys: TxKeys[];
}

/** The linux-x64 release quip-host, built when it is missing; or the reason it cannot be had. */
export async function ensureX64Host(log: (line: string) => void): Promise<NativeHost | string> {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `quip-host linux-x64 runs on Linux x64 only (this is ${process.platform}-${process.arch})`;
  const binary = hostBinary('linux-x64');
  if (!existsSync(binary)) {
    log('native: dist/host/linux-x64/quip-host is missing; building it (quip build-host --target linux-x64)');
    const [r] = await buildHost(['linux-x64']);
    if (!r?.ok || !existsSync(binary)) {
      return `building quip-host for linux-x64 failed: ${(r?.log ?? '').trim().split('\n').slice(-3).join(' | ') || 'no output'}`;
    }
  }
  return { target: 'linux-x64', binary, command: [binary], emulated: false };
}

/** The linux-armhf release quip-host under qemu-arm, or the reason it is skipped. */
export function armhfHost(): NativeHost | string {
  const binary = hostBinary('linux-armhf');
  if (!existsSync(binary)) return 'dist/host/linux-armhf/quip-host is not built (quip build-host --target linux-armhf)';
  const qemu = findBinary('qemu-arm');
  if (qemu === null) return 'qemu-arm is not installed (Debian package qemu-user)';
  return { target: 'linux-armhf', binary, command: [qemu, '-L', '/usr/arm-linux-gnueabihf', binary], emulated: true };
}

/** Size of each built quip-host (null: that target is not built). */
export function binarySizes(): { sizes: Record<string, number | null>; missing: string[] } {
  const sizes: Record<string, number | null> = {};
  const missing: string[] = [];
  for (const t of HOST_TARGETS) {
    const b = hostBinary(t as HostTarget);
    sizes[t] = existsSync(b) ? statSync(b).size : null;
    if (sizes[t] === null) missing.push(t);
  }
  return { sizes, missing };
}

/** The bench script for `quip-host --run`: config prelude + the bundled driver. */
export async function nativeBenchScript(o: { inputs: string; messages: number; seconds: number; repeats: number; media: boolean }): Promise<string> {
  const built = await bundle({ entry: DRIVER, globalName: '__quipNativeBench', minify: false, forbidNodeBuiltins: true });
  const prelude = [
    '"use strict";',
    'globalThis.__now = now;',
    'globalThis.console = { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {} };',
    `globalThis.__config = ${JSON.stringify(o)};`,
  ].join('\n');
  return `${prelude}\n${built.code}`;
}

function runProgram(command: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = command;
    const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(killer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the bench script (a file) inside `host`'s engine and reads its JSON line. */
export async function runNativeEngine(host: NativeHost, scriptFile: string, seconds: number): Promise<NativeEngineRun> {
  // 4 timed figures (+ calibration) of ~`seconds` each, 3 repeats; qemu is ~10x slower to start.
  const timeoutMs = Math.max(120_000, seconds * 60_000);
  const r = await runProgram([...host.command, '--run', scriptFile], timeoutMs);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || !line.startsWith('{')) {
    throw new Error(`quip-host ${host.target} --run exited ${String(r.code)}: ${r.stderr.trim() || r.stdout.trim() || 'no output'}`);
  }
  const out = JSON.parse(line) as {
    keys: TxKeys[];
    parse: Measurement;
    media: { encode: number; reference: number; packets: number; cpu: number } | null;
    wall_ms: number;
    cpu_ms: number;
  };
  return {
    target: host.target,
    binary: path.relative(process.cwd(), host.binary) || host.binary,
    emulated: host.emulated,
    note: host.emulated ? ARMHF_NOTE : null,
    parse: out.parse,
    media: out.media === null ? null : mediaReport(out.media),
    cpu_share: Math.round((out.cpu_ms / Math.max(out.wall_ms, 1)) * 1000) / 1000,
    wall_ms: Math.round(out.wall_ms),
    keys: out.keys,
  };
}

/** Writes `script` to a temporary file for `--run`; the returned function removes it. */
export function scriptFile(script: string): { file: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'quip-native-bench-'));
  const file = path.join(dir, 'bench.js');
  writeFileSync(file, script);
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
