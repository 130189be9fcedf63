// ClockHal on Node timers. One HostClock per boot, so a reboot cancels every timer the old
// firmware had pending.

import type { ClockHal, HalEvent } from '../contract.ts';

export class HostClock implements ClockHal {
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly base = performance.now();
  private closed = false;

  constructor(private readonly deliver: (ev: HalEvent) => void) {}

  now(): number {
    return Date.now();
  }

  monotonic(): number {
    return performance.now() - this.base;
  }

  setTimer(ms: number): number {
    const id = this.nextId++;
    if (this.closed) return id;
    const delay = Number.isFinite(ms) && ms > 0 ? Math.min(ms, 2 ** 31 - 1) : 0;
    this.timers.set(id, setTimeout(() => {
      this.timers.delete(id);
      this.deliver({ type: 'timer', id });
    }, delay));
    return id;
  }

  clearTimer(id: number): void {
    const t = this.timers.get(id);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(id);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
