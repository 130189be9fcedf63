// An emulated phone in this Node process: the firmware bundle in its own QuickJS runtime on the
// emulator's HAL (hal/emulator/emulator.ts), as `quip emulate` runs it but without spawning Node,
// so a boot is timed from the VM's creation and not from Node's start-up. Events carry their
// arrival time; incoming RTP is counted off a tap on the network HAL (media really flowed).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAccountUri, toBoardInfo } from '../../hal/board-config.ts';
import type { BoardConfig } from '../../hal/board-config.ts';
import type { Key } from '../../hal/contract.ts';
import { Emulator } from '../../hal/emulator/emulator.ts';
import type { ControlEvent } from '../../hal/emulator/emulator.ts';
import type { TappedPacket } from '../../hal/emulator/net-tap.ts';

export type TimedEvent = ControlEvent & { at: number };

export interface InProcessPhoneOptions {
  config: BoardConfig;
  /** The firmware bundle (JavaScript) and the global its exports land on. */
  code: string;
  globalName: string;
  /** `sip:user:password@host:port`. */
  account: string;
  /** Tones the microphone hears (Hz, summed); silence when empty. */
  toneHz?: number[];
}

export class InProcessPhone {
  readonly events: TimedEvent[] = [];
  /** performance.now() just before the emulator was created: t0 of boot timings. */
  readonly createdAt: number;
  /** RTP datagrams the phone received (RTCP not counted). */
  rtpReceived = 0;
  private readonly emulator: Emulator;
  private readonly dataDir = mkdtempSync(path.join(tmpdir(), 'quip-bench-inproc-'));
  private waiters: Array<() => void> = [];

  private constructor(o: InProcessPhoneOptions) {
    const { config } = o;
    // One account, any free SIP port: several phones share the loopback address.
    const board = { ...toBoardInfo(config), accounts: [parseAccountUri(o.account)], sip: { port: 0, transport: 'udp' as const } };
    this.createdAt = performance.now();
    this.emulator = new Emulator({
      board,
      stackLimitBytes: config.memory.stackKB * 1024,
      watchdogMs: config.watchdogMs,
      firmware: { code: o.code, globalName: o.globalName },
      dataDir: this.dataDir,
      net: { bindAddress: '127.0.0.1', advertisedAddress: '127.0.0.1' },
      microphone: toneSource(o.toneHz ?? []),
      netTap: (p) => this.tap(p),
      onEvent: (e) => {
        this.events.push({ ...e, at: performance.now() });
        this.wake();
      },
    });
  }

  /** Creates the phone and boots it; resolves once the firmware's start() has returned. */
  static async boot(o: InProcessPhoneOptions): Promise<InProcessPhone> {
    const p = new InProcessPhone(o);
    await p.emulator.start();
    return p;
  }

  /** Bytes the firmware's QuickJS heap uses now (the figure the emulator holds to the board's limit). */
  heapBytes(): number {
    return this.emulator.memoryUsed();
  }

  key(key: Key): void {
    this.emulator.key(key);
  }

  dial(target: string): void {
    this.emulator.command({ dial: target });
  }

  async waitFor(what: string, match: (e: TimedEvent) => boolean, timeoutMs: number): Promise<TimedEvent> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last events ${JSON.stringify(this.events.slice(-4).map(brief))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Orderly stop (the firmware unregisters), then the data directory goes. */
  async close(): Promise<void> {
    await this.emulator.shutdown(50);
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private tap(p: TappedPacket): void {
    if (p.direction === 'in' && p.transport === 'udp' && isRtp(p.data)) this.rtpReceived++;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** RTP version 2 with a payload type outside RTCP's range (RFC 5761 §4). */
function isRtp(data: string): boolean {
  if (data.length < 12 || (data.charCodeAt(0) & 0xc0) !== 0x80) return false;
  const pt = data.charCodeAt(1) & 0x7f;
  return pt < 64 || pt > 95;
}

/** A live microphone playing summed sine tones, continuous across frames; null (silence) without tones. */
function toneSource(freqs: number[]): ((samples: number, rate: number) => Int16Array | null) | undefined {
  if (freqs.length === 0) return undefined;
  let n = 0;
  return (samples, rate) => {
    const out = new Int16Array(samples);
    for (let i = 0; i < samples; i++, n++) {
      let v = 0;
      for (const f of freqs) v += Math.sin((2 * Math.PI * f * n) / rate);
      out[i] = Math.round((7000 / freqs.length) * v);
    }
    return out;
  };
}

/** An event without its bulky fields, for error messages. */
function brief(e: TimedEvent): string {
  return e.event === 'display' ? 'display' : `${e.event}${e.state !== undefined ? `:${String(e.state)}` : ''}`;
}
