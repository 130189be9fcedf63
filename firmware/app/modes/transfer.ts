// Blind transfer: the call goes on hold while the number is entered (as on desk phones).
// Digits build the number; Transfer/send/OK transfers; End/Cancel goes back to the call.

import type { Key } from '../../../hal/contract.ts';
import type { Call } from '../../ua/call.ts';
import { transferLayout } from '../dial-screen.ts';
import { MAX_DIAL, isDialKey } from './mode.ts';
import type { ModeContext, PhoneMode } from './mode.ts';

export class TransferMode implements PhoneMode {
  private digits = '';
  /** Entering the transfer put the call on hold (and takes it off hold when abandoned). */
  private held = false;

  constructor(private readonly ctx: ModeContext) {}

  start(call: Call): void {
    if (call.transfer?.state === 'requested') return;
    this.held = !call.localHold && call.hold(true);
    this.digits = '';
    this.ctx.show('transfer');
  }

  key(key: Key): void {
    const ctx = this.ctx;
    const call = ctx.lines.front;
    if (call === null) return ctx.enterIdle();
    if (isDialKey(key)) {
      if (this.digits.length < MAX_DIAL) this.digits += key;
      return this.draw();
    }
    if (key === 'soft2' || key === 'left') {
      this.digits = this.digits.slice(0, -1);
      return this.draw();
    }
    if (key === 'end' || key === 'cancel' || key === 'soft4') return this.abandon(call);
    if ((key === 'transfer' || key === 'send' || key === 'soft1' || key === 'ok') && this.digits !== '') {
      this.held = false;
      ctx.switchTo('call'); // the REFER's progress redraws the call, not this screen
      if (ctx.ua?.transfer(call, this.digits) !== true) return ctx.resumeCall(call, 'Cannot transfer to that number');
      ctx.show('call');
    }
  }

  draw(): void {
    this.ctx.screen.show(transferLayout(this.ctx.screen, this.digits, this.ctx.lines.front?.remote ?? ''));
  }

  private abandon(call: Call): void {
    if (this.held) call.hold(false);
    this.held = false;
    this.ctx.show('call');
  }
}
