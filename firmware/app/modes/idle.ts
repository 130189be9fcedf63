// Idle: the clock and line status on screen; digits start dialling, Redial dials the last
// number, Info and History open their screens.

import type { AccountConfig, Key } from '../../../hal/contract.ts';
import { msToNextMinute } from '../clock-format.ts';
import { idleLayout, lineStatus } from '../idle-screen.ts';
import { isDialKey } from './mode.ts';
import type { ModeContext, PhoneMode } from './mode.ts';

/** What the idle screen needs besides the mode context. */
export interface IdleSource {
  readonly account: AccountConfig | undefined;
  /** Provisioning may hold registration back. */
  readonly provisioning: { readonly pending: boolean };
}

export class IdleMode implements PhoneMode {
  private clockTimer: number | null = null;

  constructor(
    private readonly ctx: ModeContext,
    private readonly source: IdleSource,
  ) {}

  enter(): void {
    this.ctx.audio.tone(null);
    this.ctx.show('idle');
  }

  key(key: Key): void {
    const ctx = this.ctx;
    if (isDialKey(key)) return ctx.startDialing(key);
    if (key === 'redial' || key === 'soft1' || key === 'send') {
      if (ctx.settings.lastDialed) ctx.placeCall(ctx.settings.lastDialed);
      else ctx.notice('No number to redial', () => ctx.enterIdle());
      return;
    }
    if (key === 'soft2' || key === 'ok') return ctx.show('info');
    // Boards without softkeys (small2) open the history with the end key.
    if (key === 'soft3' || key === 'down' || (key === 'end' && ctx.screen.softkeys === 0)) ctx.openHistory();
  }

  /** Redrawn on the minute, and when the line, voicemail or missed calls change. */
  draw(): void {
    const ctx = this.ctx;
    const now = ctx.hal.clock.now();
    const account = this.source.account;
    const status = lineStatus(this.source.provisioning.pending, account, ctx.ua?.primary);
    ctx.screen.show(idleLayout(ctx.screen, { account, status, mwi: ctx.mwi, missed: ctx.history.missed, now }));
    ctx.timers.cancel(this.clockTimer);
    this.clockTimer = ctx.timers.after(msToNextMinute(now), () => {
      this.clockTimer = null;
      if (ctx.mode === 'idle') this.draw();
    });
  }
}
