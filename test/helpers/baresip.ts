// baresip (Debian package `baresip`, 1.0.x) as the far end of real calls: a child process with a
// private config dir, no sound card, driven over its ctrl_tcp JSON interface.
//
// Audio without a sound card: `aufile` is the microphone (a WAV, 8 kHz mono S16). baresip 1.0's
// aufile has no player, so the speaker is an `aubridge` device nobody listens to, and the
// `sndfile` audio filter records each call: dump-<time>-dec.wav is what baresip heard (after
// G.711 decoding), dump-<time>-enc.wav what it sent. sndfile closes (finalizes) them when the
// call's audio stops, so the files are complete once the call has ended.
import type { ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { freePort } from './interop.ts';

export interface BaresipOptions {
  /** The `accounts` line, e.g. `<sip:bob@127.0.0.1:5060>;auth_pass=secret;answermode=auto`. */
  account: string;
  /** WAV (8 kHz mono 16-bit) that baresip sends as its microphone, once: longer than the call. */
  audioIn: string;
  /** Extra config lines. */
  config?: string[];
}

/** A ctrl_tcp event: {event:true, type:'CALL_ESTABLISHED', class:'call', peeruri, param, ...}. */
export type BaresipEvent = { type: string; class?: string; param?: string; peeruri?: string; [k: string]: unknown };

export class Baresip {
  readonly events: BaresipEvent[] = [];
  /** stdout and stderr lines, interleaved. */
  readonly output: string[] = [];
  readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;
  private waiters: Array<() => void> = [];
  private responses = new Map<string, (r: { ok: boolean; data: string }) => void>();
  private socket: net.Socket | null = null;
  private buf = Buffer.alloc(0);
  private nextToken = 1;

  private constructor(
    readonly dir: string,
    readonly sipPort: number,
    private readonly ctrlPort: number,
    private readonly child: ChildProcessByStdio<null, Readable, Readable>,
  ) {
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (raw) => {
        const l = raw.replace(/\x1b\[[0-9;]*m/g, '').trim(); // no colours
        if (l === '' || /^\[\d+:\d\d:\d\d\] audio=/.test(l)) return; // the call status line, 10 times a second
        this.output.push(l);
        this.wake();
      });
    }
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => {
      this.exitCode = code ?? (signal === null ? null : -1);
      this.wake();
      resolve(code);
    }));
  }

  /** Starts baresip, connects to its control port and registers teardown (quit, then kill). */
  static async start(t: ExecutionContext, path: string, o: BaresipOptions): Promise<Baresip> {
    const dir = mkdtempSync(join(tmpdir(), 'quip-baresip-'));
    const [sipPort, ctrlPort] = [await freePort(), await freePort()];
    writeFileSync(join(dir, 'config'), [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${sipPort}`,
      'net_interface 127.0.0.1', // SDP c= and Contact on 127.0.0.1, never the host's public address
      `audio_source aufile,${o.audioIn}`,
      'audio_player aubridge,nobody',
      'audio_alert aubridge,nobody',
      'ausrc_srate 8000',
      'auplay_srate 8000',
      'ausrc_channels 1',
      'auplay_channels 1',
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module aufile.so',
      'module aubridge.so',
      'module sndfile.so',
      `snd_path ${dir}`,
      'module_app account.so',
      'module_app menu.so',
      'module_app ctrl_tcp.so',
      `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
      ...(o.config ?? []),
      '',
    ].join('\n'));
    writeFileSync(join(dir, 'accounts'), `${o.account}\n`);
    // `-f dir` keeps it away from ~/.baresip; no console UI module is loaded, stdin is unused.
    const child = spawn(path, ['-f', dir], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const b = new Baresip(dir, sipPort, ctrlPort, child);
    // Should the test worker die before teardown, take baresip with it: no orphans.
    const reap = (): void => void child.kill('SIGKILL');
    process.once('exit', reap);
    void b.exited.then(() => process.off('exit', reap));
    t.teardown(async () => {
      await b.stop();
      if (!t.passed) for (const l of b.output.slice(-80)) t.log(`baresip: ${l}`);
      else rmSync(dir, { recursive: true, force: true }); // kept after a failure: config and recordings
    });
    await b.waitOutput((l) => l.includes('baresip is ready'), 15000);
    await b.connect();
    return b;
  }

  /** Sends a ctrl_tcp command (a menu command such as `dial`, `accept`, `hangup`, `quit`). */
  command(command: string, params = ''): Promise<{ ok: boolean; data: string }> {
    const token = String(this.nextToken++);
    const json = Buffer.from(JSON.stringify({ command, params, token }));
    return new Promise((resolve, reject) => {
      if (this.socket === null) return reject(new Error('baresip: control socket closed'));
      this.responses.set(token, resolve);
      // ctrl_tcp frames JSON as netstrings: "<length>:<json>,".
      this.socket.write(Buffer.concat([Buffer.from(`${json.length}:`), json, Buffer.from(',')]));
    });
  }

  /** The first event (after index `from`) that matches; rejects on timeout. */
  waitEvent(match: (e: BaresipEvent) => boolean, timeoutMs = 15000, from = 0): Promise<BaresipEvent> {
    return this.until(() => this.events.slice(from).find(match), timeoutMs, 'event');
  }

  waitOutput(match: (line: string) => boolean, timeoutMs = 15000): Promise<string> {
    return this.until(() => this.output.find(match), timeoutMs, 'output');
  }

  /**
   * Waits for the account's registration. From the log, not an event: baresip may register
   * before the control connection is up, and then the REGISTER_OK event is gone.
   */
  registered(timeoutMs = 15000): Promise<string> {
    return this.waitOutput((l) => / 200 OK .*\[\d+ bindings?\]/.test(l), timeoutMs);
  }

  /** The recordings of the calls so far (sndfile): `dec` = what baresip heard, `enc` = what it sent. */
  recordings(kind: 'dec' | 'enc'): string[] {
    return readdirSync(this.dir).filter((f) => f.startsWith('dump-') && f.endsWith(`-${kind}.wav`)).sort().map((f) => join(this.dir, f));
  }

  /**
   * Quits through the control port (calls end, files close), then SIGTERM, then SIGKILL.
   * Resolves with the exit code: 0 after a clean quit, null when a signal was needed.
   */
  async stop(): Promise<number | null> {
    if (this.exitCode !== undefined) return this.exitCode;
    const escalate = [
      setTimeout(() => this.child.kill('SIGTERM'), 5000),
      setTimeout(() => this.child.kill('SIGKILL'), 10000),
    ];
    if (this.socket !== null) this.command('quit').catch(() => {});
    else this.child.kill('SIGTERM');
    const code = await this.exited;
    for (const e of escalate) clearTimeout(e);
    this.socket?.destroy();
    return code;
  }

  private async connect(): Promise<void> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(this.ctrlPort, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    this.socket = socket;
    socket.on('data', (d) => this.receive(d));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.socket = null;
      for (const r of this.responses.values()) r({ ok: false, data: 'control socket closed' });
      this.responses.clear();
    });
  }

  private receive(data: Buffer): void {
    this.buf = Buffer.concat([this.buf, data]);
    for (;;) {
      const colon = this.buf.indexOf(0x3a);
      if (colon <= 0) return;
      const len = Number(this.buf.subarray(0, colon).toString());
      if (this.buf.length < colon + 1 + len + 1) return;
      const body = this.buf.subarray(colon + 1, colon + 1 + len).toString();
      this.buf = this.buf.subarray(colon + 2 + len);
      const msg = JSON.parse(body) as { event?: boolean; response?: boolean; ok?: boolean; data?: string; token?: string } & BaresipEvent;
      if (msg.response === true) {
        const r = this.responses.get(String(msg.token));
        this.responses.delete(String(msg.token));
        r?.({ ok: msg.ok === true, data: msg.data ?? '' });
      } else if (msg.event === true) {
        this.events.push(msg);
      }
      this.wake();
    }
  }

  private async until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline || this.exitCode !== undefined) {
        const why = this.exitCode !== undefined ? `baresip exited (${String(this.exitCode)})` : 'timed out';
        throw new Error(`baresip: ${why} waiting for ${what}; events: ${JSON.stringify(this.events.slice(-6).map((e) => e.type))} output: ${this.output.slice(-8).join(' | ')}`);
      }
      await new Promise<void>((r) => {
        const timer = setTimeout(r, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          r();
        });
      });
    }
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
