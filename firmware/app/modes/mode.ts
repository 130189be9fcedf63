// What the phone's key modes share: the interface each mode implements, and the context the
// phone gives them — its parts, the state every mode reads, and the ways to change mode.

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
import type { Settings } from '../settings.ts';

/** What the keypad and the LCD are doing; 'booting' until the SIP sockets are bound. */
export type ModeName = 'booting' | ScreenMode;
export type ScreenMode = 'idle' | 'dialing' | 'info' | 'notice' | 'call' | 'history' | 'transfer';

/** The longest number the keypad builds (dialling or transferring). */
export const MAX_DIAL = 128;

/** One key mode: its keys and its screen. */
export interface PhoneMode {
  /** A key pressed in this mode (the hook and volume keys are the phone's). */
  key(key: Key): void;
  /** Draws the mode's screen. */
  draw(): void;
}

/** The parts of the phone the modes use; the phone builds them (the UA and settings at boot). */
export interface PhoneParts {
  readonly hal: Hal;
  readonly board: BoardInfo;
  readonly timers: Timers;
  readonly screen: Screen;
  readonly audio: AudioPath;
  readonly settings: Settings;
  readonly history: CallHistory;
  readonly lines: CallLines;
  readonly ua: UserAgent | null;
  /** The board's tones (provisioning may change the plan). */
  readonly tones: TonePlan['tones'];
  /** The board's dial plan; null when it did not compile. */
  readonly digitMap: DigitMap | null;
  /** The last voicemail summary. */
  readonly mwi: MessageSummary | null;
}

/** What a mode sees: the phone's parts, the current mode, and the moves between modes. */
export interface ModeContext extends PhoneParts {
  readonly mode: ModeName;
  readonly offHook: boolean;

  /** Makes `mode` current and draws its screen. */
  show(mode: ScreenMode): void;
  /** Makes `mode` current without drawing: what happens next draws it. */
  switchTo(mode: ScreenMode): void;
  /** A short message, then `back` (unless the phone left the notice meanwhile). */
  notice(text: string, back: () => void): void;
  enterIdle(): void;
  startDialing(initial: string): void;
  placeCall(target: string): void;
  openHistory(): void;
  startTransfer(call: Call): void;
  /** Back to a call still up, after a notice saying why. */
  resumeCall(call: Call, text: string): void;
  /** The message LED after voicemail or the missed-call count changed. */
  updateMessageLed(): void;
}

/** 0-9, * and #. */
export function isDialKey(key: Key): boolean {
  return key.length === 1;
}
