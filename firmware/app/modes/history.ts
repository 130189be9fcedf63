// The call history: up/down (or 2/8) scroll, Call/send dials back, Back/end leaves. Opening
// it marks the missed calls seen.

import type { Key } from '../../../hal/contract.ts';
import { historyLayout } from '../history-screen.ts';
import type { ModeContext, PhoneMode } from './mode.ts';

export class HistoryMode implements PhoneMode {
  private index = 0;

  constructor(private readonly ctx: ModeContext) {}

  open(): void {
    this.index = 0;
    this.ctx.history.seen();
    this.ctx.updateMessageLed();
    this.ctx.show('history');
  }

  key(key: Key): void {
    const ctx = this.ctx;
    const n = ctx.history.entries.length;
    if (key === 'down' || key === '8') this.index = Math.min(this.index + 1, Math.max(0, n - 1));
    else if (key === 'up' || key === '2') this.index = Math.max(0, this.index - 1);
    else if (key === 'send' || key === 'soft1' || key === 'ok' || key === 'redial') {
      const e = ctx.history.entries[this.index];
      if (e !== undefined) ctx.placeCall(e.address);
      return;
    } else if (key === 'end' || key === 'cancel' || key === 'soft4' || key === 'left') return ctx.enterIdle();
    else return;
    this.draw();
  }

  draw(): void {
    this.ctx.screen.show(historyLayout(this.ctx.screen, this.ctx.history.entries, this.index));
  }
}
