// In a call: the call screen, the call's keys (answer, reject, hold, mute, transfer, DTMF,
// the waiting call's answer/reject, swap), and what the user agent says about calls — the
// lines decide which call is in front, this mode what the LCD, LEDs and tones say.

import type { Key } from '../../../hal/contract.ts';
import type { Call } from '../../ua/call.ts';
import { callScreen } from '../call-screen.ts';
import { isDialKey } from './mode.ts';
import type { ModeContext, PhoneMode } from './mode.ts';

export class InCallMode implements PhoneMode {
  /** Redraws the screen each second while a call is up (its duration). */
  private timer: number | null = null;

  constructor(private readonly ctx: ModeContext) {}

  key(key: Key): void {
    const ctx = this.ctx;
    const call = ctx.lines.front;
    if (call === null) return;
    const ringingIn = call.direction === 'in' && call.state === 'ringing';
    if (ringingIn) {
      if (key === 'send' || key === 'soft1' || key === 'ok') call.answer();
      else if (key === 'soft2') call.reject(603);
      else if (key === 'end' || key === 'cancel') call.reject(486);
      return;
    }
    if (key === 'end' || key === 'soft4') return call.hangup();
    const other = ctx.lines.back;
    if (other !== null && other.state === 'ringing') {
      if (key === 'send' || key === 'soft1' || key === 'ok') return this.answerWaiting();
      if (key === 'soft2') return other.reject(486);
    } else if (other !== null && key === 'soft3') {
      return this.swapCalls();
    }
    const up = call.state === 'connected' || call.state === 'held';
    if ((key === 'transfer' || key === 'soft1') && up) return ctx.startTransfer(call);
    if (key === 'hold' || key === 'soft2') {
      call.hold(!call.localHold);
      return;
    }
    if (key === 'mute' || key === 'soft3') return ctx.lines.toggleMute();
    if (isDialKey(key) && up) ctx.lines.sendDigit(key);
  }

  draw(): void {
    const ctx = this.ctx;
    const call = ctx.lines.front;
    if (call === null) return;
    ctx.screen.show(callScreen(ctx.screen, call, ctx.hal.clock.monotonic(), ctx.lines.frontStats, ctx.lines.back));
    ctx.timers.cancel(this.timer);
    if (call.state === 'connected' || call.state === 'held') {
      this.timer = ctx.timers.after(1000, () => ctx.mode === 'call' && this.draw());
    }
  }

  /** The front call's RTP statistics changed (they show on larger screens). */
  statsChanged(): void {
    if (this.ctx.mode === 'call') this.draw();
  }

  /** A new incoming call: it rings in front, or waits behind the call we are in. */
  incoming(call: Call): void {
    const ctx = this.ctx;
    ctx.hal.system.emit({ event: 'incoming', from: call.remote, call_id: call.callId });
    if (ctx.lines.incoming(call) === 'back') {
      // Call waiting: a tone in the call we are in, line 2 blinks, the LCD names the caller.
      ctx.hal.display.led('line2', 'blink');
      ctx.audio.tone(ctx.tones.callWaiting);
      if (ctx.mode === 'call') this.draw();
      return;
    }
    ctx.hal.display.ring(true);
    ctx.hal.display.led('line1', 'blink');
    ctx.show('call');
  }

  /** A call changed state: the lines follow it, then the ringer, icons, LEDs, tones and screen. */
  changed(call: Call): void {
    const ctx = this.ctx;
    const display = ctx.hal.display;
    const line = ctx.lines.changed(call);
    if (line === 'back') return this.backChanged(call);
    if (line === null) return;
    if (call.state !== 'ringing' || call.direction === 'out') display.ring(false);
    display.icon('hold', call.state === 'held');
    display.icon('mute', call.muted && call.state !== 'ended');
    this.callTone(call);
    ctx.lines.update(call);
    if (call.state === 'ended') {
      ctx.timers.cancel(this.timer);
      if (ctx.lines.back !== null) return this.promote(`Call ended: ${call.reason}`);
      // A failed transfer hands the call we were transferred from back (if its peer kept it).
      const back = call.referrer !== null ? ctx.ua?.activeCall ?? null : null;
      if (back !== null) return ctx.resumeCall(back, `Transfer failed: ${call.reason}`);
      display.led('line1', 'off');
      ctx.notice(`Call ended: ${call.reason}`, () => (ctx.offHook ? ctx.startDialing('') : ctx.enterIdle()));
      return;
    }
    display.led('line1', call.state === 'connected' || call.state === 'held' ? 'on' : 'blink');
    if (ctx.mode === 'transfer') return ctx.show('transfer'); // the hold re-INVITE finished under it
    ctx.show('call');
  }

  /** Our peer transferred us: the call we placed for it takes over the screen and the media. */
  transferred(from: Call, to: Call): void {
    if (this.ctx.lines.transferred(from, to)) this.ctx.show('call');
  }

  /** Back to a call still up (it takes the front line and the media), after a notice. */
  resume(call: Call, text: string): void {
    this.ctx.lines.resume(call);
    this.resumed(call, text);
  }

  private resumed(call: Call, text: string): void {
    const ctx = this.ctx;
    ctx.hal.display.icon('hold', call.state === 'held');
    ctx.hal.display.led('line1', 'on');
    ctx.notice(text, () => ctx.show('call'));
  }

  /** The call behind changed: it stays there; an ended one frees line 2 (and the waiting tone). */
  private backChanged(call: Call): void {
    const ctx = this.ctx;
    if (call.state === 'ended') {
      ctx.hal.display.led('line2', 'off');
      ctx.audio.tone(null); // the waiting tone, if it was still ringing
    }
    if (ctx.mode === 'call') this.draw();
  }

  /** The call in front ended: the second one comes forward, ringing or on hold. */
  private promote(text: string): void {
    const ctx = this.ctx;
    ctx.hal.display.led('line2', 'off');
    const next = ctx.lines.promote()!;
    if (next.state !== 'ringing') return this.resumed(next, text);
    ctx.audio.tone(null);
    ctx.hal.display.ring(true);
    ctx.hal.display.led('line1', 'blink');
    ctx.show('call');
  }

  /** Answers the waiting call; the one we were in goes on hold behind it. */
  private answerWaiting(): void {
    const ctx = this.ctx;
    ctx.audio.tone(null);
    const waiting = ctx.lines.swap();
    ctx.hal.display.led('line2', 'on');
    waiting.answer(); // its 'connected' brings the media up and redraws
  }

  /** Swaps the call in front with the one on hold. */
  private swapCalls(): void {
    const back = this.ctx.lines.swapHeld();
    this.ctx.hal.display.icon('hold', back.state === 'held');
    this.draw();
  }

  /** Ringback while the far end rings (unless it sends early media), busy when refused. */
  private callTone(call: Call): void {
    const ctx = this.ctx;
    const t = ctx.tones;
    const refused = call.status === 486 || call.status === 600 || call.status === 603;
    if (call.direction === 'out' && call.state === 'ringing') ctx.audio.tone(t.ringback);
    else if (call.state === 'ended' && ctx.offHook && refused) ctx.audio.tone(t.busy);
    else if (call.state === 'ended' && ctx.offHook && call.status >= 400 && call.status !== 487) ctx.audio.tone(t.congestion);
    else ctx.audio.tone(null);
  }
}
