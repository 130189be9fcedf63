// Tells the host's boot loader this firmware works (system.bootOk), once per boot: when the
// primary account registers, or after the board's confirmAfterS seconds without a crash — a
// registrar that is down is not a firmware fault, and rolling back would not bring it back. A
// crash or hang before then reboots the phone, and the boot loader counts the failed attempt.

import type { Hal } from '../../hal/contract.ts';
import type { Timers } from '../util/timers.ts';

const DEFAULT_CONFIRM_AFTER_S = 30;

export class BootConfirmation {
  private done = false;
  private timer: number | null = null;

  constructor(
    private readonly hal: Hal,
    private readonly timers: Timers,
    /** The board's confirmAfterS (BoardInfo); absent on boards without A/B flash. */
    private readonly afterS: number | undefined,
  ) {}

  /** Starts the healthy-for-N-seconds countdown (at the end of boot). */
  start(): void {
    this.timers.cancel(this.timer);
    this.timer = this.timers.after((this.afterS ?? DEFAULT_CONFIRM_AFTER_S) * 1000, () => {
      this.timer = null;
      this.confirm();
    });
  }

  confirm(): void {
    if (this.done) return;
    this.done = true;
    this.timers.cancel(this.timer);
    this.timer = null;
    this.hal.system.bootOk?.();
  }
}
