// Runs a phone as a child process — `quip emulate --control stdio`, or quip-host (the native
// board host) with the same control protocol — and reads its JSON events.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from './corpus.ts';
import { phoneHost } from './hosts.ts';
import type { HostName } from './hosts.ts';

export type EmuEvent = { event: string; [k: string]: unknown };

/** How long waitFor waits for an event by default (a ceiling: see waitFor). */
const DEFAULT_WAIT_MS = 60_000;

export class EmulatorProcess {
  readonly events: EmuEvent[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcessWithoutNullStreams;
  private waiters: Array<() => void> = [];

  constructor(args: string[], readonly dataDir = mkdtempSync(join(tmpdir(), 'quip-emu-')), readonly host: HostName = 'node') {
    const { cmd, args: lead, env } = phoneHost(host).command();
    this.child = spawn(cmd, [...lead, '--control', 'stdio', '--bind', '127.0.0.1', '--sip-port', '0', '--data-dir', this.dataDir, ...args], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(env ? { env } : {}),
    });
    // A phone that already quit (stdin closed, a signal) must not turn a later write into an
    // unhandled EPIPE in the test process: its exit code tells what happened.
    this.child.stdin.on('error', () => {});
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as EmuEvent);
      } catch {
        this.events.push({ event: 'unparsable', line });
      }
      this.wake();
    });
    createInterface({ input: this.child.stderr }).on('line', (line) => {
      this.stderr.push(line);
      this.wake();
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => {
      this.wake();
      resolve(code);
    }));
  }

  /** The phone's process id (for a test that pins or signals it). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  send(obj: object): void {
    this.child.stdin.write(JSON.stringify(obj) + '\n');
  }

  sendRaw(line: string): void {
    this.child.stdin.write(line + '\n');
  }

  /** Bytes as they are, no newline added (binary garbage on the control channel). */
  sendBytes(bytes: Uint8Array): void {
    this.child.stdin.write(bytes);
  }

  /** Closes the phone's stdin (the control channel's end). */
  endInput(): void {
    this.child.stdin.end();
  }

  /** Sends the phone process a signal (e.g. SIGTERM). */
  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  /**
   * Resolves with the first event (after index `from`) that matches, or rejects after `timeoutMs`.
   * The timeout is a ceiling for a hung phone, not a budget: it resolves as soon as the event
   * comes, and the default is generous because a loaded machine (or qemu) is slow.
   */
  async waitFor(match: (e: EmuEvent) => boolean, timeoutMs = DEFAULT_WAIT_MS, from = 0): Promise<EmuEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find(match);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(`timed out; events: ${JSON.stringify(this.events.slice(-8))} stderr: ${this.stderr.slice(-5).join(' | ')}`);
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** The last display event's LCD lines, right-trimmed. */
  screen(): string[] {
    const d = [...this.events].reverse().find((e) => e.event === 'display');
    return ((d?.lines as string[]) ?? []).map((l) => l.trimEnd());
  }

  async waitForScreen(match: (lines: string[]) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<string[]> {
    const e = await this.waitFor((ev) => ev.event === 'display' && match((ev.lines as string[]).map((l) => l.trimEnd())), timeoutMs);
    return (e.lines as string[]).map((l) => l.trimEnd());
  }

  async quit(): Promise<number | null> {
    this.send({ cmd: 'quit' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
