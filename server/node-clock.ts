// SipClock on Node timers, for the lab server and test endpoints.
import type { SipClock } from '../firmware/sip/index.ts';

export class NodeClock implements SipClock {
  private next = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return performance.now();
  }

  setTimer(ms: number, fn: () => void): number {
    const id = this.next++;
    this.timers.set(id, setTimeout(() => {
      this.timers.delete(id);
      fn();
    }, Math.max(0, ms)));
    return id;
  }

  clearTimer(handle: number): void {
    const t = this.timers.get(handle);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(handle);
  }

  /** Cancels every timer (shutdown). */
  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
