// A notice: a short message over whatever the phone was doing, then back to it. End or
// Cancel leaves it for idle at once.

import type { Key } from '../../../hal/contract.ts';
import type { ModeContext, PhoneMode } from './mode.ts';

const NOTICE_MS = 2000;

export class NoticeMode implements PhoneMode {
  private text = '';
  private timer: number | null = null;

  constructor(private readonly ctx: ModeContext) {}

  /** Shows `text`; after a while `back` runs, if the phone is still on the notice. */
  open(text: string, back: () => void): void {
    const ctx = this.ctx;
    this.text = text;
    ctx.show('notice');
    ctx.timers.cancel(this.timer);
    this.timer = ctx.timers.after(NOTICE_MS, () => {
      this.timer = null;
      if (ctx.mode === 'notice') back();
    });
  }

  key(key: Key): void {
    if (key === 'end' || key === 'cancel') this.ctx.enterIdle();
  }

  draw(): void {
    this.ctx.screen.show({ lines: this.ctx.screen.wrap(this.text) });
  }
}
