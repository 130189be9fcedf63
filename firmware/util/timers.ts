// Callback timers over the HAL's one-shot id timers: the HAL reports "timer N fired",
// this maps N back to the code that asked.

import type { ClockHal } from '../../hal/contract.ts';

export class Timers {
  private readonly callbacks = new Map<number, () => void>();

  constructor(private readonly clock: ClockHal) {}

  /** Runs `fn` once after `ms`; returns a handle for cancel(). */
  after(ms: number, fn: () => void): number {
    const id = this.clock.setTimer(Math.max(0, Math.round(ms)));
    this.callbacks.set(id, fn);
    return id;
  }

  cancel(id: number | null | undefined): void {
    if (id === null || id === undefined) return;
    if (this.callbacks.delete(id)) this.clock.clearTimer(id);
  }

  /** Called for each timer event; unknown ids (already cancelled) are ignored. */
  fire(id: number): void {
    const fn = this.callbacks.get(id);
    if (fn === undefined) return;
    this.callbacks.delete(id);
    fn();
  }

  get pending(): number {
    return this.callbacks.size;
  }
}
