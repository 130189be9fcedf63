// The phone-process part of `quip bench`: whole phones, not loops. Boots phones against the lab
// server (started in this process) and times spawn → 'registered'; then two phones call each
// other through the lab with audio from a WAV and the CPU time and resident memory of each phone
// process are read from /proc over a window of the connected call. Run for quip-host (linux-x64
// release build, JavaScript and bytecode images) and, measured the same way, for the emulator.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../../build/host-build.ts';
import { writeWav } from '../../hal/emulator/wav.ts';
import { startLabServer } from '../../server/lab-server.ts';
import { defaultUsers } from '../../server/users.ts';
import { median } from './measure.ts';

type PhoneEvent = { event: string; at: number; [k: string]: unknown };

/** Which phone program: quip-host (argv of the binary) or the emulator (`quip emulate`). */
export interface PhoneKind {
  name: string;
  command: string[];
}

export const QUIP_CLI = path.join(REPO_ROOT, 'scripts', 'quip.mjs');
export const EMULATOR: PhoneKind = { name: 'emulator', command: [process.execPath, QUIP_CLI, 'emulate'] };

/** A phone child process with --control stdio; events carry their arrival time (performance.now). */
class BenchPhone {
  readonly events: PhoneEvent[] = [];
  readonly stderr: string[] = [];
  readonly spawnedAt: number;
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly dataDir = mkdtempSync(path.join(tmpdir(), 'quip-bench-phone-'));
  private waiters: Array<() => void> = [];

  constructor(kind: PhoneKind, args: string[]) {
    const [cmd, ...lead] = kind.command;
    this.spawnedAt = performance.now();
    this.child = spawn(cmd!, [...lead, '--control', 'stdio', '--bind', '127.0.0.1', '--sip-port', '0', '--data-dir', this.dataDir, ...args], {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const at = performance.now();
      try {
        this.events.push({ ...(JSON.parse(line) as { event: string }), at });
      } catch {
        this.events.push({ event: 'unparsable', line, at });
      }
      this.wake();
    });
    createInterface({ input: this.child.stderr }).on('line', (line) => {
      this.stderr.push(line);
      if (this.stderr.length > 50) this.stderr.shift();
    });
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code) => {
        this.wake();
        resolve(code);
      }),
    );
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  send(obj: object): void {
    this.child.stdin.write(JSON.stringify(obj) + '\n');
  }

  async waitFor(what: string, match: (e: PhoneEvent) => boolean, timeoutMs: number): Promise<PhoneEvent> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      if (this.child.exitCode !== null) throw new Error(`phone exited (${this.child.exitCode}) waiting for ${what}: ${this.stderr.slice(-5).join(' | ')}`);
      if (performance.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; last events ${JSON.stringify(this.events.slice(-5))}; stderr ${this.stderr.slice(-5).join(' | ')}`);
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, deadline - performance.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  async quit(): Promise<number | null> {
    if (this.child.exitCode === null) {
      this.send({ cmd: 'quit' });
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dataDir, { recursive: true, force: true });
    return this.child.exitCode;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** utime + stime of a process, in clock ticks (/proc/<pid>/stat fields 14 and 15). */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
  return Number(fields[11]) + Number(fields[12]);
}

/** VmHWM and VmRSS of a process in bytes (/proc/<pid>/status). */
export function residentBytes(pid: number): { vm_hwm_bytes: number; vm_rss_bytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { vm_hwm_bytes: kb('VmHWM'), vm_rss_bytes: kb('VmRSS') };
}

let clockTicks: number | undefined;
/** Clock ticks per second (`getconf CLK_TCK`). */
export function clkTck(): number {
  if (clockTicks === undefined) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const n = Number(r.stdout.trim());
    clockTicks = r.status === 0 && n > 0 ? n : 100;
  }
  return clockTicks;
}

/** Builds a firmware image with the quip CLI (`quip build --board <b> [--native] --out <file>`). */
export function buildImage(board: string, native: boolean, out: string): void {
  const r = spawnSync(process.execPath, [QUIP_CLI, 'build', '--board', board, ...(native ? ['--native'] : []), '--out', out], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0 || !existsSync(out)) {
    throw new Error(`quip build --board ${board}${native ? ' --native' : ''} failed (${String(r.status)}): ${(r.stderr || r.stdout).trim()}`);
  }
}

/** A few seconds of two tones at 8 kHz as a WAV (the phone loops it): there is always audio. */
export function toneWav(file: string, freqs: number[]): string {
  const rate = 8000;
  const s = new Int16Array(rate * 2);
  for (let i = 0; i < s.length; i++) s[i] = Math.round(freqs.reduce((v, f) => v + (7000 / freqs.length) * Math.sin((2 * Math.PI * f * i) / rate), 0));
  writeFileSync(file, writeWav(s, rate));
  return file;
}

export interface BootFigure {
  phone: string;
  image: 'javascript' | 'bytecode';
  image_bytes: number;
  /** Spawn → 'registered' event, each run. */
  samples_ms: number[];
  median_ms: number;
}

export interface CallPhoneFigure {
  user: string;
  pid: number;
  /** (utime + stime) over the window, as percent of one core. */
  cpu_percent: number;
  cpu_ticks: number;
  vm_hwm_bytes: number;
  vm_rss_bytes: number;
  /** RTP packets the phone reported received in the call (media_stats), after the window. */
  rtp_received: number;
}

export interface CallFigure {
  phone: string;
  image: 'javascript' | 'bytecode';
  window_s: number;
  clk_tck: number;
  phones: CallPhoneFigure[];
  /** Mean of the two phones' cpu_percent: one phone process in a call. */
  cpu_percent_per_phone: number;
  /** Largest VmHWM / VmRSS of the two phones. */
  vm_hwm_bytes: number;
  vm_rss_bytes: number;
}

const BOOT_TIMEOUT_MS = 60_000;

export class PhoneLab {
  private constructor(
    private readonly lab: Awaited<ReturnType<typeof startLabServer>>,
    private readonly dir: string,
    private readonly phones: Set<BenchPhone>,
  ) {}

  static async start(): Promise<PhoneLab> {
    const lab = await startLabServer({ port: 0, users: defaultUsers(), log: () => {} });
    return new PhoneLab(lab, mkdtempSync(path.join(tmpdir(), 'quip-bench-lab-')), new Set());
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  private phone(kind: PhoneKind, user: string, image: string, extra: string[] = []): BenchPhone {
    const p = new BenchPhone(kind, ['--board', 'desk6', '--image', image, '--account', `sip:${user}:secret@127.0.0.1:${this.lab.port}`, ...extra]);
    this.phones.add(p);
    return p;
  }

  private async quit(p: BenchPhone): Promise<void> {
    await p.quit();
    this.phones.delete(p);
  }

  /** Spawn → 'registered', `runs` times one after another (a fresh data dir each time). */
  async bootToRegistered(kind: PhoneKind, image: string, imageKind: 'javascript' | 'bytecode', runs: number): Promise<BootFigure> {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const p = this.phone(kind, 'alice', image);
      try {
        const e = await p.waitFor(`${kind.name} 'registered'`, (ev) => ev.event === 'registered', BOOT_TIMEOUT_MS);
        samples.push(Math.round((e.at - p.spawnedAt) * 10) / 10);
      } finally {
        await this.quit(p);
      }
    }
    return { phone: kind.name, image: imageKind, image_bytes: readFileSync(image).length, samples_ms: samples, median_ms: median(samples) };
  }

  /** alice calls bob through the lab, both with a WAV microphone; measures `seconds` of the connected call. */
  async call(kind: PhoneKind, image: string, imageKind: 'javascript' | 'bytecode', seconds: number): Promise<CallFigure> {
    const alice = this.phone(kind, 'alice', image, ['--audio-in', toneWav(this.file('alice-in.wav'), [400, 1000])]);
    const bob = this.phone(kind, 'bob', image, ['--audio-in', toneWav(this.file('bob-in.wav'), [600, 1400])]);
    try {
      await Promise.all([alice, bob].map((p) => p.waitFor(`${kind.name} 'registered'`, (e) => e.event === 'registered', BOOT_TIMEOUT_MS)));
      alice.send({ dial: '2002' });
      await bob.waitFor(`${kind.name} bob 'incoming'`, (e) => e.event === 'incoming', 30_000);
      bob.send({ key: 'send' });
      const connected = (e: PhoneEvent): boolean => e.event === 'call_state' && e.state === 'connected';
      await Promise.all([alice, bob].map((p) => p.waitFor(`${kind.name} connected`, connected, 30_000)));
      const tck = clkTck();
      const t0 = performance.now();
      const ticks0 = [alice, bob].map((p) => cpuTicks(p.pid));
      await new Promise((r) => setTimeout(r, seconds * 1000)); // the measurement window itself
      const ticks1 = [alice, bob].map((p) => cpuTicks(p.pid));
      const wallS = (performance.now() - t0) / 1000;
      const memory = [alice, bob].map((p) => residentBytes(p.pid));
      // Audio flowed: each phone reports RTP received in the call (media_stats come every few seconds).
      const stats = await Promise.all(
        [alice, bob].map((p) =>
          p.waitFor(`${kind.name} media_stats with RTP received`, (e) => e.event === 'media_stats' && Number(e.received) > 0, 30_000),
        ),
      );
      const phones = [alice, bob].map((p, i): CallPhoneFigure => {
        const ticks = ticks1[i]! - ticks0[i]!;
        const last = [...p.events].reverse().find((e) => e.event === 'media_stats');
        return {
          user: i === 0 ? 'alice' : 'bob',
          pid: p.pid,
          cpu_percent: Math.round((ticks / tck / wallS) * 100 * 100) / 100,
          cpu_ticks: ticks,
          ...memory[i]!,
          rtp_received: Number(last?.received ?? stats[i]!.received),
        };
      });
      alice.send({ key: 'end' });
      await alice.waitFor(`${kind.name} call ended`, (e) => e.event === 'call_state' && e.state === 'ended', 30_000);
      return {
        phone: kind.name,
        image: imageKind,
        window_s: Math.round(wallS * 100) / 100,
        clk_tck: tck,
        phones,
        cpu_percent_per_phone: Math.round(((phones[0]!.cpu_percent + phones[1]!.cpu_percent) / 2) * 100) / 100,
        vm_hwm_bytes: Math.max(...phones.map((p) => p.vm_hwm_bytes)),
        vm_rss_bytes: Math.max(...phones.map((p) => p.vm_rss_bytes)),
      };
    } finally {
      await Promise.all([this.quit(alice), this.quit(bob)]);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.phones].map((p) => p.quit()));
    this.lab.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
