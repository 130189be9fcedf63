// The phone: boot sequence, screens and key handling. It owns the HAL and routes every
// event; the SIP user agent plugs in as a LineService.

import type { AccountConfig, BoardInfo, Hal, HalEvent, Key } from '../../hal/contract.ts';
import { formatDate, formatTime, msToNextMinute } from './clock-format.ts';
import { Screen } from './screen.ts';
import type { Layout } from './screen.ts';
import { loadSettings, saveSettings } from './settings.ts';
import type { Settings } from './settings.ts';
import { Timers } from './timers.ts';

/** What the phone needs from a SIP line (registration and calls); the SIP UA provides it. */
export interface LineService {
  /** Human-readable registration state for the idle screen, e.g. "Registered". */
  status(): string;
  /** Places a call to a number or URI; false when the line cannot call now. */
  dial(target: string): boolean;
}

type Mode = 'booting' | 'idle' | 'dialing' | 'info' | 'notice';

const DIAL_TONE = [350, 440]; // North American precise dial tone; the tone plan comes later
const MAX_DIAL = 128;
const NOTICE_MS = 2000;

export class Phone {
  readonly board: BoardInfo;
  readonly timers: Timers;
  readonly screen: Screen;
  settings: Settings;
  line: LineService | null = null;
  private mode: Mode = 'booting';
  private digits = '';
  private offHook = false;
  private clockTimer: number | null = null;
  private noticeTimer: number | null = null;
  private sipSocket = -1;
  private sipPort = 0;

  constructor(readonly hal: Hal) {
    this.board = hal.system.board();
    this.timers = new Timers(hal.clock);
    const d = this.board.display;
    this.screen = new Screen(hal.display, d.rows, d.cols, d.softkeys);
    this.settings = loadSettings(hal.storage).settings;
  }

  get account(): AccountConfig | undefined {
    return this.board.accounts[0];
  }

  /** Boot: splash, settings, network, then idle. The SIP socket binds asynchronously. */
  boot(): void {
    const hal = this.hal;
    this.screen.reset();
    this.screen.show({ lines: [this.screen.center('quip'), this.screen.center('v' + this.board.firmwareVersion)] });
    const loaded = loadSettings(hal.storage);
    if (loaded.problem !== null) hal.system.log('warn', loaded.problem);
    this.settings = loaded.settings;
    this.settings.bootCount++;
    saveSettings(hal.storage, this.settings);
    hal.audio.volume(this.settings.volume);
    this.sipSocket = hal.net.udpOpen(this.board.sip.port);
  }

  handle(ev: HalEvent): void {
    switch (ev.type) {
      case 'timer':
        this.timers.fire(ev.id);
        break;
      case 'key':
        this.onKey(ev.key, ev.down);
        break;
      case 'udp_bound':
        if (ev.socket === this.sipSocket) {
          this.sipPort = ev.port;
          this.hal.system.log('info', `SIP socket bound on port ${ev.port}`);
          this.finishBoot();
        }
        break;
      case 'udp_error':
        if (ev.socket === this.sipSocket) {
          this.hal.system.emit({ event: 'error', where: 'network', message: `SIP socket: ${ev.error}` });
          this.finishBoot();
        }
        break;
      case 'control':
        this.onControl(ev.command);
        break;
      case 'shutdown':
        saveSettings(this.hal.storage, this.settings);
        break;
      default:
        break;
    }
  }

  private finishBoot(): void {
    if (this.mode !== 'booting') return;
    this.enterIdle();
    const b = this.board;
    this.hal.system.emit({
      event: 'boot',
      version: b.firmwareVersion,
      board: b.id,
      heap_limit: b.heapLimitBytes,
      boot_ms: Math.round(this.hal.clock.monotonic()),
      boot_count: this.settings.bootCount,
      sip_port: this.sipPort,
      address: this.hal.net.localAddress(),
    });
  }

  // ---- screens ----------------------------------------------------------------------

  private enterIdle(): void {
    this.mode = 'idle';
    this.digits = '';
    this.hal.audio.tone?.([]);
    this.drawIdle();
  }

  private drawIdle(): void {
    const now = this.hal.clock.now();
    const s = this.screen;
    const who = this.account ? accountLabel(this.account) : 'No account';
    const status = this.account ? (this.line ? this.line.status() : 'Not registered') : 'Set up an account';
    const lines = s.contentRows >= 3
      ? [s.spread(who, formatTime(now)), status, '', formatDate(now)]
      : [s.spread(who, formatTime(now)), status];
    this.show({ lines, softkeys: ['Redial', 'Info', '', ''] });
    this.timers.cancel(this.clockTimer);
    this.clockTimer = this.timers.after(msToNextMinute(now), () => {
      this.clockTimer = null;
      if (this.mode === 'idle') this.drawIdle();
    });
  }

  private drawDialing(): void {
    const s = this.screen;
    const tail = this.digits.length > s.cols ? this.digits.slice(this.digits.length - s.cols) : this.digits;
    this.show({ lines: ['Dial:', tail], softkeys: ['Call', 'Delete', '', 'Cancel'] });
  }

  private drawInfo(): void {
    const b = this.board;
    this.show({
      lines: [`quip v${b.firmwareVersion}`, `IP ${this.hal.net.localAddress() ?? 'no link'}`, `Board ${b.id}`, `SIP port ${this.sipPort}`, `Boots ${this.settings.bootCount}`],
      softkeys: ['', '', '', 'Back'],
    });
  }

  /** A short message, then back to where the phone was. */
  private notice(text: string, back: () => void): void {
    this.mode = 'notice';
    this.show({ lines: this.screen.wrap(text) });
    this.timers.cancel(this.noticeTimer);
    this.noticeTimer = this.timers.after(NOTICE_MS, () => {
      this.noticeTimer = null;
      if (this.mode === 'notice') back();
    });
  }

  private show(layout: Layout): void {
    this.screen.show(layout);
  }

  // ---- keys -------------------------------------------------------------------------

  private onKey(key: Key, down: boolean): void {
    if (this.mode === 'booting') {
      if (key === 'hook') this.offHook = down; // remember the handset; other keys wait for boot
      return;
    }
    if (key === 'hook') {
      this.offHook = down;
      if (down && (this.mode === 'idle' || this.mode === 'notice')) this.startDialing('');
      else if (!down && this.mode === 'dialing') this.enterIdle();
      return;
    }
    if (!down) return; // every other key acts on press
    if (key === 'vol_up' || key === 'vol_down') return this.changeVolume(key === 'vol_up' ? 1 : -1);
    switch (this.mode) {
      case 'idle':
        return this.idleKey(key);
      case 'dialing':
        return this.dialingKey(key);
      case 'info':
        if (key === 'end' || key === 'cancel' || key === 'soft4' || key === 'left') this.enterIdle();
        return;
      case 'notice':
        if (key === 'end' || key === 'cancel') this.enterIdle();
        return;
      default:
        return;
    }
  }

  private idleKey(key: Key): void {
    if (isDialKey(key)) return this.startDialing(key);
    if (key === 'redial' || key === 'soft1' || key === 'send') {
      if (this.settings.lastDialed) this.startDialing(this.settings.lastDialed);
      else this.notice('No number to redial', () => this.enterIdle());
      return;
    }
    if (key === 'soft2' || key === 'ok') {
      this.mode = 'info';
      this.drawInfo();
    }
  }

  private startDialing(initial: string): void {
    this.mode = 'dialing';
    this.digits = initial;
    if (initial === '' && this.offHook) this.hal.audio.tone?.(DIAL_TONE);
    this.drawDialing();
  }

  private dialingKey(key: Key): void {
    if (isDialKey(key)) {
      if (this.digits.length >= MAX_DIAL) return;
      if (this.digits === '') this.hal.audio.tone?.([]); // first digit stops the dial tone
      this.digits += key;
      return this.drawDialing();
    }
    if (key === 'soft2' || key === 'left' || key === 'cancel') {
      this.digits = this.digits.slice(0, -1);
      if (this.digits === '' && !this.offHook && key !== 'soft2') return this.enterIdle();
      return this.drawDialing();
    }
    if (key === 'end' || key === 'soft4') return this.enterIdle();
    if (key === 'send' || key === 'soft1' || key === 'ok') this.placeCall(this.digits);
  }

  private placeCall(target: string): void {
    if (target === '') return;
    this.settings.lastDialed = target;
    saveSettings(this.hal.storage, this.settings);
    if (this.line === null || !this.line.dial(target)) {
      this.notice('Cannot call: no line', () => (this.offHook ? this.startDialing('') : this.enterIdle()));
    }
  }

  private changeVolume(delta: number): void {
    const v = Math.max(0, Math.min(10, this.settings.volume + delta));
    this.settings.volume = v;
    this.hal.audio.volume(v);
    saveSettings(this.hal.storage, this.settings);
    const back = this.mode === 'dialing' ? () => this.drawDialing() : () => this.enterIdle();
    if (this.mode === 'idle' || this.mode === 'notice') {
      this.notice('Volume ' + '#'.repeat(v) + '-'.repeat(10 - v), back);
    }
  }

  // ---- control channel ----------------------------------------------------------------

  private onControl(command: { [k: string]: unknown }): void {
    if (this.mode === 'booting') {
      this.hal.system.emit({ event: 'error', where: 'control', message: 'the phone is still booting' });
      return;
    }
    if (typeof command.dial === 'string') {
      const target = command.dial.slice(0, MAX_DIAL);
      this.startDialing(target);
      this.placeCall(target);
      return;
    }
    this.hal.system.emit({ event: 'error', where: 'control', message: `unknown command ${JSON.stringify(command).slice(0, 200)}` });
  }
}

function isDialKey(key: Key): boolean {
  return key.length === 1; // 0-9, *, #
}

/** "Alice" or "alice@lab.example" for the idle screen. */
function accountLabel(a: AccountConfig): string {
  if (a.displayName) return a.displayName;
  const colon = a.uri.indexOf(':');
  return colon === -1 ? a.uri : a.uri.slice(colon + 1);
}
