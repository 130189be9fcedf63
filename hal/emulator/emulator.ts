// One emulated phone: boots the firmware in QuickJS on a Node HAL, feeds it events, and
// reboots it — with a fresh VM and fresh sockets, timers and audio, but the same storage —
// when the watchdog fires, memory runs out, or someone asks.

import type { AudioHal, BoardInfo, ControlCommand, Hal, HalEvent, Key, LogLevel, StorageHal, SystemHal } from '../contract.ts';
import { WavAudio } from './audio.ts';
import type { PcmSource } from './audio.ts';
import { Lcd } from './display.ts';
import type { LcdState } from './display.ts';
import { HostClock } from './host-clock.ts';
import { hostCrypto } from './host-crypto.ts';
import { ImpairmentTally, NO_IMPAIRMENT } from '../node/impairment.ts';
import type { ImpairmentSpec } from '../node/impairment.ts';
import { NodeNet } from '../node/net.ts';
import type { NetImpairment } from '../node/net.ts';
import { tapNet } from './net-tap.ts';
import type { NetTap } from './net-tap.ts';
import { FirmwareFault, FirmwareVm } from './runtime.ts';
import { DirectoryStorage } from './storage.ts';

export interface EmulatorOptions {
  board: BoardInfo;
  stackLimitBytes: number;
  watchdogMs: number;
  /** The firmware every boot runs, or a boot loader asked afresh at each boot (flash). */
  firmware: { code: string; globalName: string } | FirmwareSource;
  /** Storage directory; not used when `storage` is given. */
  dataDir?: string;
  /** The settings storage (e.g. a flash partition); default a DirectoryStorage in dataDir. */
  storage?: StorageHal;
  net?: { bindAddress?: string; advertisedAddress?: string };
  /** Test impairment, like netem: loss, duplication, reordering and jitter on every UDP
   *  datagram the phone sends or receives (SIP, RTP, RTCP); seeded, so repeatable. */
  netImpair?: ImpairmentSpec;
  /** The older, narrower impairment: drop this fraction of incoming RTP datagrams only. */
  rtpLoss?: number;
  /** Also send every speaker frame here (the computer's sound device). */
  speaker?: { write(pcm: string): void } | null;
  /** The microphone hears what the speaker played a frame earlier: an echo test line. */
  echo?: boolean;
  audio?: { input?: string; output?: string; loop?: boolean };
  /** A live microphone (the web page's): heard instead of --audio-in while it has audio. */
  microphone?: PcmSource;
  /** Reports every packet the phone sends and receives (the web page's SIP ladder). */
  netTap?: NetTap;
  /** Control events: boot, display, registered, call_state, watchdog, error, ... */
  onEvent(event: ControlEvent): void;
  /** Firmware and host log lines. */
  onLog?(level: LogLevel, message: string): void;
}

export type ControlEvent = { event: string; [k: string]: unknown };

/** What a boot loader picked for one boot. */
export interface BootedFirmware {
  code: string;
  globalName: string;
  /** The image's version: the firmware reports it as its own. */
  version: string;
  /** Added to the firmware's `boot` event (slot, slot state, ...). */
  facts: Record<string, unknown>;
  /** Events to report before the firmware starts (e.g. a rollback). */
  notices: ControlEvent[];
}

/** A boot loader: runs before every boot, so crash loops count; throws when nothing can boot. */
export interface FirmwareSource {
  boot(): BootedFirmware;
  /** The firmware confirmed a healthy boot (system.bootOk); an event to report, or null. */
  confirm(): ControlEvent | null;
}

const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 8000;
/** A boot that faults sooner than this counts as a failed boot for the back-off. */
const HEALTHY_AFTER_MS = 5000;

interface Boot {
  vm: FirmwareVm | null;
  clock: HostClock;
  net: NodeNet;
  audio: WavAudio;
  startedAt: number;
}

export class Emulator {
  readonly lcd: Lcd;
  private readonly storage: StorageHal;
  private boot: Boot | null = null;
  private queue: HalEvent[] = [];
  private draining = false;
  private backoffMs = FIRST_BACKOFF_MS;
  private rebootTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private generation = 0;
  private lastPlayed = '';
  private boots = 0;
  /** What --net-impair did to the phone's datagrams, over every boot. */
  readonly impairmentTally = new ImpairmentTally();

  constructor(private readonly options: EmulatorOptions) {
    const d = options.board.display;
    this.lcd = new Lcd(d.rows, d.cols, (st) => this.emitDisplay(st));
    if (options.storage !== undefined) this.storage = options.storage;
    else if (options.dataDir !== undefined) this.storage = new DirectoryStorage(options.dataDir);
    else throw new Error('emulator needs a storage or a data directory');
  }

  /** Boots the phone. Resolves once the firmware's start() has returned (or faulted). */
  async start(): Promise<void> {
    await this.bootOnce();
  }

  /** A key press (down, then up) or one edge when `down` is given. */
  key(key: Key, down?: boolean): void {
    if (down === undefined) {
      this.deliver({ type: 'key', key, down: true });
      this.deliver({ type: 'key', key, down: false });
    } else {
      this.deliver({ type: 'key', key, down });
    }
  }

  command(command: ControlCommand): void {
    this.deliver({ type: 'control', command });
  }

  /** Reboots now, as the reset button would. */
  reboot(reason: string): void {
    this.options.onEvent({ event: 'reboot', reason });
    this.teardown();
    void this.bootOnce();
  }

  /** Orderly stop: the firmware hears 'shutdown' (to unregister, save), then everything closes. */
  async shutdown(graceMs = 300): Promise<void> {
    if (this.stopped) return;
    this.deliver({ type: 'shutdown' });
    await new Promise((r) => setTimeout(r, graceMs));
    this.stopped = true;
    if (this.rebootTimer !== null) clearTimeout(this.rebootTimer);
    this.teardown();
  }

  memoryUsed(): number {
    return this.boot?.vm?.memoryUsed() ?? 0;
  }

  /** Another phone set up like this one but for `changes` (the web UI's --phones N). */
  sibling(changes: Partial<EmulatorOptions>): Emulator {
    return new Emulator({ ...this.options, ...changes });
  }

  private async bootOnce(): Promise<void> {
    if (this.stopped) return;
    const generation = ++this.generation;
    const loaded = this.loadFirmware();
    if (loaded === null) return;
    const { firmware, board, facts } = loaded;
    let tapped: ReturnType<typeof tapNet> | null = null;
    const deliver = (ev: HalEvent): void => {
      if (generation !== this.generation) return;
      tapped?.incoming(ev);
      if (this.options.echo === true && ev.type === 'audio_frame') {
        this.deliver({ type: 'audio_frame', pcm: this.lastPlayed || ev.pcm.replace(/[\s\S]/g, '\0') });
        return;
      }
      this.deliver(ev);
    };
    const clock = new HostClock(deliver);
    const impair = this.impairment();
    const net = new NodeNet(deliver, { ...this.options.net, ...(impair !== null ? { impair } : {}) });
    tapped = this.options.netTap ? tapNet(net, this.options.netTap) : null;
    // Later boots append to the recording, so --audio-out covers the whole session.
    const mic = this.options.microphone;
    const audio = new WavAudio(deliver, { ...this.options.audio, ...(mic ? { source: mic } : {}), appendOutput: this.boots++ > 0 });
    const boot: Boot = { vm: null, clock, net, audio, startedAt: Date.now() };
    this.boot = boot;
    this.queue = [];
    this.lcd.clear();
    const speaker = this.options.speaker ?? null;
    const tap = this.options.echo === true ? { write: (pcm: string) => void (this.lastPlayed = pcm) } : speaker;
    const hal: Hal = {
      net: tapped?.net ?? net,
      audio: tap === null ? audio : withSpeaker(audio, tap),
      display: this.lcd,
      storage: this.storage,
      clock,
      crypto: hostCrypto,
      system: this.system(generation, board, facts),
    };
    try {
      const vm = await FirmwareVm.boot({
        code: firmware.code,
        globalName: firmware.globalName,
        heapLimitBytes: board.heapLimitBytes,
        stackLimitBytes: this.options.stackLimitBytes,
        watchdogMs: this.options.watchdogMs,
        hal,
      });
      if (generation !== this.generation || this.stopped) {
        vm.dispose();
        return;
      }
      boot.vm = vm;
      this.drain();
    } catch (e) {
      if (generation === this.generation) this.fault(e);
    }
  }

  /** This boot's firmware: the fixed one, or what the boot loader picks (null: nothing boots). */
  private loadFirmware(): { firmware: { code: string; globalName: string }; board: BoardInfo; facts: Record<string, unknown> } | null {
    const source = this.options.firmware;
    if (!('boot' in source)) return { firmware: source, board: this.options.board, facts: {} };
    try {
      const booted = source.boot();
      for (const notice of booted.notices) this.options.onEvent(notice);
      return { firmware: booted, board: { ...this.options.board, firmwareVersion: booted.version }, facts: booted.facts };
    } catch (e) {
      // A board with nothing to boot stays halted, as hardware would, until someone reflashes it.
      const message = (e as Error)?.message ?? String(e);
      this.options.onEvent({ event: 'error', where: 'bootloader', message });
      this.options.onLog?.('error', `boot loader: ${message}`);
      this.lcd.clear();
      this.lcd.write(0, 0, 'Boot failed');
      this.lcd.write(1, 0, 'No valid firmware');
      this.lcd.flush();
      return null;
    }
  }

  private system(generation: number, board: BoardInfo, facts: Record<string, unknown>): SystemHal {
    const source = this.options.firmware;
    return {
      board: () => board,
      log: (level, message) => this.options.onLog?.(level, String(message)),
      emit: (event) => {
        if (generation !== this.generation || typeof event !== 'object' || event === null) return;
        if (event.event === 'boot') {
          this.backoffMs = FIRST_BACKOFF_MS;
          event = { ...event, ...facts };
        }
        this.options.onEvent(event);
      },
      bootOk: () => {
        if (generation !== this.generation || !('confirm' in source)) return;
        const confirmed = source.confirm();
        if (confirmed !== null) this.options.onEvent(confirmed);
      },
      reboot: (reason) => {
        // Not from inside the VM call that asked: finish it first.
        setImmediate(() => generation === this.generation && this.reboot(`firmware: ${String(reason)}`));
      },
    };
  }

  private deliver(ev: HalEvent): void {
    if (this.stopped) return;
    this.queue.push(ev);
    if (!this.draining) setImmediate(() => this.drain());
  }

  /** Hands queued events to the firmware one at a time, never re-entrantly. */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const vm = this.boot?.vm;
        if (!vm || !vm.alive) return;
        const ev = this.queue.shift()!;
        try {
          vm.dispatch(ev);
        } catch (e) {
          this.fault(e);
          return;
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private fault(e: unknown): void {
    const boot = this.boot;
    const quick = boot !== null && Date.now() - boot.startedAt < HEALTHY_AFTER_MS;
    const delay = this.backoffMs;
    this.backoffMs = quick ? Math.min(this.backoffMs * 2, MAX_BACKOFF_MS) : FIRST_BACKOFF_MS;
    if (e instanceof FirmwareFault) {
      this.options.onEvent({
        event: e.kind === 'watchdog' ? 'watchdog' : 'error',
        where: 'firmware',
        kind: e.kind,
        during: e.during,
        message: e.message,
        reboot_in_ms: delay,
      });
    } else {
      this.options.onEvent({ event: 'error', where: 'host', message: (e as Error)?.message ?? String(e), reboot_in_ms: delay });
    }
    this.teardown();
    if (this.stopped) return;
    this.rebootTimer = setTimeout(() => {
      this.rebootTimer = null;
      this.options.onEvent({ event: 'reboot', reason: e instanceof FirmwareFault ? e.kind : 'host error' });
      void this.bootOnce();
    }, delay);
  }

  private teardown(): void {
    const boot = this.boot;
    this.boot = null;
    this.generation++;
    this.queue = [];
    if (boot === null) return;
    boot.vm?.dispose();
    boot.clock.close();
    boot.net.close();
    void boot.audio.close();
  }

  /** --net-impair as given, or --rtp-loss as the same impairment narrowed to arriving RTP. */
  private impairment(): NetImpairment | null {
    if (this.options.netImpair !== undefined) return { spec: this.options.netImpair, tally: this.impairmentTally };
    const loss = this.options.rtpLoss ?? 0;
    if (loss <= 0) return null;
    return { spec: { ...NO_IMPAIRMENT, loss, seed: 0x2545f491 }, applies: (direction, data) => direction === 'in' && isRtp(data) };
  }

  private emitDisplay(st: LcdState): void {
    this.options.onEvent({ event: 'display', ...st });
  }
}

/** RTP version 2 with a payload type that is not RTCP (RFC 5761 §4). */
function isRtp(data: string): boolean {
  if (data.length < 12 || (data.charCodeAt(0) & 0xc0) !== 0x80) return false;
  const pt = data.charCodeAt(1) & 0x7f;
  return pt < 64 || pt > 95;
}

/** The same AudioHal, with every played frame also going to the sound device. */
function withSpeaker(audio: WavAudio, speaker: { write(pcm: string): void }): AudioHal {
  return {
    start: (rate, ms) => audio.start(rate, ms),
    stop: () => audio.stop(),
    play: (pcm) => {
      audio.play(pcm);
      speaker.write(pcm);
    },
    route: (r) => audio.route(r),
    volume: (v) => audio.volume(v),
    tone: (f) => audio.tone(f),
  };
}
