// The stub board the whole-firmware call bench boots the phone on: the real QuickJS runtime and
// VM bridge of the emulator (FirmwareVm), but a HAL that lives in this process on simulated
// time. The network is a socket table with no sockets — udpSend is counted and handed to a
// scripted peer, the bench injects `udp` events — the audio HAL counts play() calls, and timers
// only fire when the bench advances the clock. Bookkeeping is kept to counters and a few maps
// so that what the CPU time measures is the firmware and its VM boundary.

import type { BoardInfo, Hal, HalEvent } from '../../hal/contract.ts';
import { MemoryStorage } from '../../hal/emulator/storage.ts';
import { Lcd } from '../../hal/emulator/display.ts';
import { hostCrypto } from '../../hal/emulator/host-crypto.ts';
import { FirmwareVm } from '../../hal/emulator/runtime.ts';

/** Wall clock at simulated time 0 (RTCP sender reports carry it). */
const EPOCH = Date.UTC(2026, 0, 1, 9, 0, 0);

/** A datagram the phone sent. */
export interface SentDatagram {
  socket: number;
  data: string;
  address: string;
  port: number;
}

export interface CallHostOptions {
  code: string;
  globalName: string;
  board: BoardInfo;
  stackLimitBytes: number;
  watchdogMs: number;
  localAddress: string;
  /** Each datagram the phone sends, with the local port it left from. */
  onSend(d: SentDatagram, fromPort: number): void;
}

/** What the phone did through the HAL, counted. */
export interface HalCounts {
  udpSends: number;
  plays: number;
  /** audio_frame events delivered while the frame clock ran. */
  frames: number;
}

export class CallHost {
  readonly counts: HalCounts = { udpSends: 0, plays: 0, frames: 0 };
  readonly events: Array<{ event: string; [k: string]: unknown }> = [];
  /** Simulated monotonic milliseconds. */
  private t = 0;
  private nextId = 1;
  private readonly timers = new Map<number, number>(); // id → due time
  private readonly queue: HalEvent[] = [];
  private readonly ports = new Map<number, number>(); // socket → local port
  private audioRunning = false;
  private draining = false;
  private vm: FirmwareVm | null = null;
  /** Per event type: how many were dispatched and the wall milliseconds they took (with `profile`). */
  readonly profile = new Map<string, { n: number; ms: number }>();
  /** Per HAL call (with `profile`): how many the firmware made and the host's wall ms in them. */
  readonly calls = new Map<string, { n: number; ms: number }>();
  profiling = false;

  constructor(private readonly options: CallHostOptions) {}

  async boot(): Promise<void> {
    const o = this.options;
    this.vm = await FirmwareVm.boot({
      code: o.code,
      globalName: o.globalName,
      heapLimitBytes: o.board.heapLimitBytes,
      stackLimitBytes: o.stackLimitBytes,
      watchdogMs: o.watchdogMs,
      hal: this.counted(this.hal()),
    });
    this.drain();
  }

  dispose(): void {
    this.vm?.dispose();
    this.vm = null;
  }

  now(): number {
    return this.t;
  }

  get audioOn(): boolean {
    return this.audioRunning;
  }

  /** The socket bound to a local port, or undefined. */
  socketOn(port: number): number | undefined {
    for (const [socket, p] of this.ports) if (p === port) return socket;
    return undefined;
  }

  /** Delivers one event now (and whatever it queues); from inside a HAL call it waits its turn. */
  deliver(ev: HalEvent): void {
    this.queue.push(ev);
    this.drain();
  }

  /** A datagram to the phone's local `port` (dropped when nothing is bound there). */
  datagram(port: number, data: string, address: string, fromPort: number): void {
    const socket = this.socketOn(port);
    if (socket !== undefined) this.deliver({ type: 'udp', socket, data, address, port: fromPort });
  }

  /** Moves simulated time to `until`, firing due timers in order (timers they set included). */
  advanceTo(until: number): void {
    for (;;) {
      let id = -1;
      let due = Infinity;
      for (const [tid, at] of this.timers) {
        if (at <= until && (at < due || (at === due && tid < id))) {
          due = at;
          id = tid;
        }
      }
      if (id === -1) break;
      this.timers.delete(id);
      if (due > this.t) this.t = due;
      this.deliver({ type: 'timer', id });
    }
    if (until > this.t) this.t = until;
  }

  /** One 20 ms microphone frame, as the frame clock delivers it while audio runs. */
  audioFrame(pcm: string): void {
    if (!this.audioRunning) return;
    this.counts.frames++;
    this.deliver({ type: 'audio_frame', pcm });
  }

  private drain(): void {
    const vm = this.vm;
    if (vm === null || this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const ev = this.queue.shift()!;
        if (!this.profiling) {
          vm.dispatch(ev);
          continue;
        }
        const t0 = performance.now();
        vm.dispatch(ev);
        const p = this.profile.get(ev.type) ?? { n: 0, ms: 0 };
        p.n++;
        p.ms += performance.now() - t0;
        this.profile.set(ev.type, p);
      }
    } finally {
      this.draining = false;
    }
  }

  /** The HAL with every call tallied into `calls` while profiling. */
  private counted(hal: Hal): Hal {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [group, fns] of Object.entries(hal) as Array<[string, Record<string, unknown>]>) {
      const wrapped: Record<string, unknown> = {};
      for (const [name, fn] of Object.entries(fns)) {
        if (typeof fn !== 'function') continue;
        const op = `${group}.${name}`;
        wrapped[name] = (...args: unknown[]): unknown => {
          if (!this.profiling) return (fn as (...a: unknown[]) => unknown).apply(fns, args);
          const t0 = performance.now();
          const r = (fn as (...a: unknown[]) => unknown).apply(fns, args);
          const c = this.calls.get(op) ?? { n: 0, ms: 0 };
          c.n++;
          c.ms += performance.now() - t0;
          this.calls.set(op, c);
          return r;
        };
      }
      out[group] = wrapped;
    }
    return out as unknown as Hal;
  }

  private hal(): Hal {
    const o = this.options;
    const later = (ev: HalEvent): void => void this.queue.push(ev);
    return {
      net: {
        udpOpen: (port) => {
          const socket = this.nextId++;
          const real = port === 0 ? 40000 + socket * 2 : port;
          this.ports.set(socket, real);
          later({ type: 'udp_bound', socket, port: real });
          return socket;
        },
        udpSend: (socket, data, address, port) => {
          const from = this.ports.get(socket);
          if (from === undefined) return false;
          this.counts.udpSends++;
          o.onSend({ socket, data, address, port }, from);
          return true;
        },
        udpClose: (socket) => void this.ports.delete(socket),
        tcpConnect: () => {
          const conn = this.nextId++;
          later({ type: 'tcp_closed', conn, error: 'no TCP on the stub board' });
          return conn;
        },
        tcpListen: () => {
          const listener = this.nextId++;
          later({ type: 'tcp_listen_error', listener, error: 'no TCP on the stub board' });
          return listener;
        },
        tcpStopListening: () => {},
        tcpWrite: () => false,
        tcpClose: () => {},
        dnsQuery: () => {
          const query = this.nextId++;
          later({ type: 'dns', query, records: [], error: 'no DNS on the stub board' });
          return query;
        },
        localAddress: () => o.localAddress,
      },
      audio: {
        start: () => void (this.audioRunning = true),
        stop: () => void (this.audioRunning = false),
        play: () => void this.counts.plays++,
        route: () => {},
        volume: () => {},
      },
      display: new Lcd(o.board.display.rows, o.board.display.cols, () => {}),
      storage: new MemoryStorage(),
      clock: {
        now: () => EPOCH + this.t,
        monotonic: () => this.t,
        setTimer: (ms) => {
          const id = this.nextId++;
          this.timers.set(id, this.t + Math.max(0, Number(ms) || 0));
          return id;
        },
        clearTimer: (id) => void this.timers.delete(id),
      },
      crypto: hostCrypto,
      system: {
        board: () => o.board,
        log: () => {},
        emit: (event) => void this.events.push(event),
        reboot: () => {},
      },
    };
  }
}
