// The phone's key state machine: which mode is current, the hook and volume keys (the same
// in every mode), the rest handed to the current mode, and the moves between modes. It is
// the context every mode sees.

import type { BoardInfo, Hal, Key } from '../../../hal/contract.ts';
import type { AudioPath } from '../../media/audio-path.ts';
import type { TonePlan } from '../../media/tone-plan.ts';
import type { Call } from '../../ua/call.ts';
import type { CallLines } from '../../ua/call-lines.ts';
import type { MessageSummary } from '../../ua/message-summary.ts';
import type { UserAgent } from '../../ua/user-agent.ts';
import type { Timers } from '../../util/timers.ts';
import type { CallHistory } from '../call-history.ts';
import type { DigitMap } from '../digit-map.ts';
import type { Screen } from '../screen.ts';
import { saveSettings } from '../settings.ts';
import type { Settings } from '../settings.ts';
import { DialingMode } from './dialing.ts';
import { HistoryMode } from './history.ts';
import { IdleMode } from './idle.ts';
import type { IdleSource } from './idle.ts';
import { InCallMode } from './in-call.ts';
import { InfoMode } from './info.ts';
import type { InfoSource } from './info.ts';
import { isDialKey } from './mode.ts';
import type { ModeContext, ModeName, PhoneParts, ScreenMode } from './mode.ts';
import { NoticeMode } from './notice.ts';
import { TransferMode } from './transfer.ts';

export class ModeSwitch implements ModeContext {
  readonly hal: Hal;
  readonly board: BoardInfo;
  readonly timers: Timers;
  readonly screen: Screen;
  readonly audio: AudioPath;
  readonly history: CallHistory;
  readonly lines: CallLines;
  /** The call mode: the phone hands it the user agent's call events. */
  readonly inCall: InCallMode;
  private current: ModeName = 'booting';
  private hookDown = false;
  private readonly modes: {
    idle: IdleMode; dialing: DialingMode; call: InCallMode; transfer: TransferMode; history: HistoryMode; info: InfoMode; notice: NoticeMode;
  };

  constructor(private readonly phone: PhoneParts & IdleSource & InfoSource) {
    this.hal = phone.hal;
    this.board = phone.board;
    this.timers = phone.timers;
    this.screen = phone.screen;
    this.audio = phone.audio;
    this.history = phone.history;
    this.lines = phone.lines;
    this.inCall = new InCallMode(this);
    this.modes = {
      idle: new IdleMode(this, phone),
      dialing: new DialingMode(this),
      call: this.inCall,
      transfer: new TransferMode(this),
      history: new HistoryMode(this),
      info: new InfoMode(this, phone),
      notice: new NoticeMode(this),
    };
  }

  // What changes over the phone's life is read from it each time.
  get settings(): Settings {
    return this.phone.settings;
  }

  get ua(): UserAgent | null {
    return this.phone.ua;
  }

  get tones(): TonePlan['tones'] {
    return this.phone.tones;
  }

  get digitMap(): DigitMap | null {
    return this.phone.digitMap;
  }

  get mwi(): MessageSummary | null {
    return this.phone.mwi;
  }

  get mode(): ModeName {
    return this.current;
  }

  get offHook(): boolean {
    return this.hookDown;
  }

  show(mode: ScreenMode): void {
    this.current = mode;
    this.modes[mode].draw();
  }

  switchTo(mode: ScreenMode): void {
    this.current = mode;
  }

  /** Draws `mode`'s screen again if it is the one showing (its content changed). */
  redraw(mode: ScreenMode): void {
    if (this.current === mode) this.modes[mode].draw();
  }

  notice(text: string, back: () => void): void {
    this.modes.notice.open(text, back);
  }

  enterIdle(): void {
    this.modes.idle.enter();
  }

  startDialing(initial: string): void {
    this.modes.dialing.start(initial);
  }

  placeCall(target: string): void {
    this.modes.dialing.place(target);
  }

  openHistory(): void {
    this.modes.history.open();
  }

  startTransfer(call: Call): void {
    this.modes.transfer.start(call);
  }

  resumeCall(call: Call, text: string): void {
    this.inCall.resume(call, text);
  }

  /** Voicemail lights the message LED; unseen missed calls make it blink. */
  updateMessageLed(): void {
    this.hal.display.led('message', this.mwi?.waiting ? 'on' : this.history.missed > 0 ? 'blink' : 'off');
  }

  key(key: Key, down: boolean): void {
    if (this.current === 'booting') {
      if (key === 'hook') this.hookDown = down; // remember the handset; other keys wait for boot
      return;
    }
    // A notice over a call still up: its keys act on the call.
    if (this.current === 'notice' && this.lines.busy) this.show('call');
    const mode = this.current;
    if (key === 'hook') {
      this.hookDown = down;
      if (mode === 'call') return this.inCall.key(down ? 'send' : 'end');
      if (down && (mode === 'idle' || mode === 'notice')) this.startDialing('');
      else if (!down && mode === 'dialing') this.enterIdle();
      return;
    }
    if (!down) {
      if (mode === 'call' && isDialKey(key)) this.lines.dtmf(key, false);
      return; // every other key acts on press
    }
    if (key === 'vol_up' || key === 'vol_down') return this.changeVolume(key === 'vol_up' ? 1 : -1);
    this.modes[mode].key(key);
  }

  private changeVolume(delta: number): void {
    const settings = this.settings;
    const v = Math.max(0, Math.min(10, settings.volume + delta));
    settings.volume = v;
    this.hal.audio.volume(v);
    saveSettings(this.hal.storage, settings);
    if (this.current === 'idle' || this.current === 'notice') {
      this.notice('Volume ' + '#'.repeat(v) + '-'.repeat(10 - v), () => this.enterIdle());
    }
  }
}
