// Dialling: digits build the number (a key tone each), Delete takes one back, Call/send/OK
// dials it. Off-hook the board's digit map may dial by itself. Placing a call — from here,
// Redial, the history or the control channel — is this mode's too.

import type { Key } from '../../../hal/contract.ts';
import { dtmfTone } from '../../media/tones.ts';
import { dialingLayout } from '../dial-screen.ts';
import { saveSettings } from '../settings.ts';
import { MAX_DIAL, isDialKey } from './mode.ts';
import type { ModeContext, PhoneMode } from './mode.ts';

/** How long a key tone sounds when a digit is pressed while dialling. */
const KEY_TONE_MS = 120;

export class DialingMode implements PhoneMode {
  private digits = '';
  private interDigitTimer: number | null = null;
  private keyToneTimer: number | null = null;

  constructor(private readonly ctx: ModeContext) {}

  /** Dial tone when the handset is up and nothing is typed yet. */
  start(initial: string): void {
    const ctx = this.ctx;
    this.digits = initial;
    if (initial === '' && ctx.offHook) ctx.audio.tone(ctx.tones.dial);
    ctx.show('dialing');
  }

  key(key: Key): void {
    const ctx = this.ctx;
    if (isDialKey(key)) {
      if (this.digits.length >= MAX_DIAL) return;
      this.keyTone(key); // the first digit also ends the dial tone
      this.digits += key;
      this.draw();
      return this.applyDialPlan();
    }
    if (key === 'soft2' || key === 'left' || key === 'cancel') {
      this.digits = this.digits.slice(0, -1);
      if (this.digits === '' && !ctx.offHook && key !== 'soft2') return ctx.enterIdle();
      return this.draw();
    }
    if (key === 'end' || key === 'soft4') return ctx.enterIdle();
    if (key === 'send' || key === 'soft1' || key === 'ok' || key === 'redial') this.place(key === 'redial' ? ctx.settings.lastDialed : this.digits);
  }

  draw(): void {
    this.ctx.screen.show(dialingLayout(this.ctx.screen, this.digits));
  }

  /** Calls `target` (remembered for redial), or says why it cannot. */
  place(target: string): void {
    const ctx = this.ctx;
    ctx.timers.cancel(this.interDigitTimer);
    this.interDigitTimer = null;
    const ua = ctx.ua;
    if (target === '' || ua === null) return;
    if (ua.activeCall !== null) return this.cannotCall(target, 'in_call', 'Already in a call');
    ctx.settings.lastDialed = target;
    saveSettings(ctx.hal.storage, ctx.settings);
    ctx.audio.tone(null);
    const call = ua.dial(target);
    if ('cause' in call) return this.cannotCall(target, call.cause, call.reason);
    ctx.lines.dialed(call);
    ctx.show('call');
  }

  /** A short DTMF tone as feedback for a pressed digit. */
  private keyTone(key: Key): void {
    const ctx = this.ctx;
    ctx.timers.cancel(this.keyToneTimer);
    ctx.audio.tone(dtmfTone(key));
    this.keyToneTimer = ctx.timers.after(KEY_TONE_MS, () => {
      this.keyToneTimer = null;
      if (ctx.mode === 'dialing') ctx.audio.tone(null);
    });
  }

  /**
   * Off-hook, the board's digit map decides when a number is complete: dial at once, or
   * after the inter-digit timeout when a longer number is still possible.
   */
  private applyDialPlan(): void {
    const ctx = this.ctx;
    ctx.timers.cancel(this.interDigitTimer);
    this.interDigitTimer = null;
    const map = ctx.digitMap;
    if (!ctx.offHook || map === null) return;
    const verdict = map.match(this.digits);
    if (verdict === 'complete') return this.place(this.digits);
    if (verdict === 'none') return;
    this.interDigitTimer = ctx.timers.after(ctx.board.dialPlan.interDigitTimeoutMs, () => {
      this.interDigitTimer = null;
      const now = ctx.digitMap; // provisioning may have replaced the map meanwhile
      if (ctx.mode !== 'dialing' || now === null) return;
      if (now.onTimeout(this.digits) === 'dial') this.place(this.digits);
      else this.cannotCall(this.digits, 'invalid_number', 'Invalid number');
    });
  }

  /** A call that cannot be placed says why: a call_failed event, and the LCD for a moment. */
  private cannotCall(target: string, cause: string, reason: string): void {
    const ctx = this.ctx;
    ctx.hal.system.emit({ event: 'call_failed', target, cause, reason });
    if (ctx.lines.busy) {
      return ctx.notice(reason, () => ctx.show('call'));
    }
    ctx.notice(reason, () => (ctx.offHook ? this.start('') : ctx.enterIdle()));
  }
}
