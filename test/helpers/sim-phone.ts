// The whole firmware in this process on simulated time: a HAL whose clock only moves when the
// test advances it and whose network is a virtual UDP wire to a scripted peer. Minutes of
// registrar outage then take milliseconds, and the LCD can be read at any simulated instant.
// (The firmware runs on Node's JS engine here; QuickJS-specific behaviour is the emulator's.)
import type { BoardInfo, ControlCommand, Hal, HalEvent, Key } from '../../hal/contract.ts';
import { MemoryStorage } from '../../hal/emulator/storage.ts';
import { createFirmware } from '../../firmware/firmware.ts';
import { Lcd } from '../../hal/emulator/display.ts';
import { hostCrypto } from '../../hal/emulator/host-crypto.ts';
import { loadBoardConfig, toBoardInfo } from '../../hal/board-config.ts';
import { FakeClock } from './fake-clock.ts';

/** The phone's address on the virtual wire. */
export const PHONE_ADDRESS = '10.0.0.2';
/** One-way delay of the virtual wire. */
const WIRE_MS = 1;
const EPOCH = Date.UTC(2026, 0, 1, 9, 0, 0);

/** What sits at the other end of the wire: gets each datagram the phone sends. */
export type WirePeer = (data: string, to: { address: string; port: number }, from: { address: string; port: number }) => void;

export class SimPhone {
  readonly clock = new FakeClock();
  readonly events: Array<{ event: string; [k: string]: unknown }> = [];
  readonly logs: string[] = [];
  /** false: the wire drops everything (cable pulled, registrar host down). */
  linkUp = true;
  private readonly lcd: Lcd;
  private readonly firmware = createFirmware();
  private readonly sockets = new Map<number, number>(); // socket id → local port
  private nextId = 1;

  constructor(
    readonly board: BoardInfo,
    private readonly peer: WirePeer,
  ) {
    this.lcd = new Lcd(board.display.rows, board.display.cols, () => {});
  }

  /** A shipped board with these accounts and sip settings. */
  static board(name: string, patch: Partial<BoardInfo> & { sip?: Partial<BoardInfo['sip']> }): BoardInfo {
    const base = toBoardInfo(loadBoardConfig(name));
    return { ...base, ...patch, sip: { ...base.sip, ...patch.sip } };
  }

  boot(): void {
    this.firmware.start(this.hal());
    this.advance(0);
  }

  /** Moves simulated time forward, delivering timers and datagrams as they fall due. */
  advance(ms: number): void {
    this.clock.advance(ms);
  }

  /** Advances in steps until `match` holds or `limitMs` passes; returns the simulated ms it took. */
  advanceUntil(match: () => boolean, limitMs: number, stepMs = 100): number {
    let spent = 0;
    while (!match()) {
      if (spent >= limitMs) throw new Error(`not within ${limitMs} ms of simulated time; last events ${JSON.stringify(this.events.slice(-4))}`);
      this.advance(stepMs);
      spent += stepMs;
    }
    return spent;
  }

  /** A datagram from the peer to the phone's port (dropped while the link is down). */
  deliver(data: string, from: { address: string; port: number }, toPort: number): void {
    if (!this.linkUp) return;
    this.clock.setTimer(WIRE_MS, () => {
      for (const [socket, port] of this.sockets) {
        if (port === toPort) this.dispatch({ type: 'udp', socket, data, address: from.address, port: from.port });
      }
    });
  }

  /** The LCD's text lines, right-trimmed. */
  screen(): string[] {
    return this.lcd.state().lines.map((l) => l.trimEnd());
  }

  now(): number {
    return this.clock.now();
  }

  /** A key press (down and up) or a control command, as the host would deliver it. */
  press(key: Key): void {
    this.later({ type: 'key', key, down: true });
    this.later({ type: 'key', key, down: false });
  }

  control(command: ControlCommand): void {
    this.later({ type: 'control', command });
  }

  private dispatch(ev: HalEvent): void {
    this.firmware.dispatch(ev);
  }

  private later(ev: HalEvent): void {
    this.clock.setTimer(0, () => this.dispatch(ev));
  }

  private hal(): Hal {
    const timerIds = new Map<number, number>(); // HAL timer id → FakeClock handle
    return {
      net: {
        udpOpen: (port) => {
          const socket = this.nextId++;
          const real = port === 0 ? 40000 + socket : port;
          this.sockets.set(socket, real);
          this.later({ type: 'udp_bound', socket, port: real });
          return socket;
        },
        udpSend: (socket, data, address, port) => {
          const from = this.sockets.get(socket);
          if (from === undefined) return false;
          if (this.linkUp) this.clock.setTimer(WIRE_MS, () => this.peer(data, { address, port }, { address: PHONE_ADDRESS, port: from }));
          return true;
        },
        udpClose: (socket) => void this.sockets.delete(socket),
        tcpConnect: () => {
          const conn = this.nextId++;
          this.later({ type: 'tcp_closed', conn, error: 'no TCP on the simulated wire' });
          return conn;
        },
        tcpListen: () => {
          const listener = this.nextId++;
          this.later({ type: 'tcp_listen_error', listener, error: 'no TCP on the simulated wire' });
          return listener;
        },
        tcpStopListening: () => {},
        tcpWrite: () => false,
        tcpClose: () => {},
        dnsQuery: (_name, _type) => {
          const id = this.nextId++;
          this.later({ type: 'dns', query: id, records: [], error: 'no DNS on the simulated wire' });
          return id;
        },
        localAddress: () => PHONE_ADDRESS,
      },
      audio: { start: () => {}, stop: () => {}, play: () => {}, route: () => {}, volume: () => {} },
      display: this.lcd,
      storage: new MemoryStorage(),
      clock: {
        now: () => EPOCH + this.clock.now(),
        monotonic: () => this.clock.now(),
        setTimer: (ms) => {
          const id = this.nextId++;
          timerIds.set(id, this.clock.setTimer(ms, () => {
            timerIds.delete(id);
            this.dispatch({ type: 'timer', id });
          }));
          return id;
        },
        clearTimer: (id) => {
          const h = timerIds.get(id);
          if (h !== undefined) this.clock.clearTimer(h);
          timerIds.delete(id);
        },
      },
      crypto: hostCrypto,
      system: {
        board: () => this.board,
        log: (level, message) => void this.logs.push(`${level}: ${message}`),
        emit: (event) => void this.events.push(event),
        reboot: (reason) => void this.events.push({ event: 'reboot_requested', reason }),
      },
    };
  }
}
