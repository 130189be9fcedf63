// A SipClock that only moves when a test advances it: timer tests run in microseconds and
// never sleep for real RFC durations.
import type { SipClock } from '../../firmware/sip/index.ts';

export class FakeClock implements SipClock {
  private t = 0;
  private next = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): number {
    const id = this.next++;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }

  clearTimer(handle: number): void {
    this.timers.delete(handle);
  }

  /** Moves time forward, firing due timers in order (timers set while firing included). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let dueId = -1;
      let due = Infinity;
      for (const [id, tm] of this.timers) {
        if (tm.at <= end && (tm.at < due || (tm.at === due && id < dueId))) {
          due = tm.at;
          dueId = id;
        }
      }
      if (dueId === -1) break;
      const tm = this.timers.get(dueId)!;
      this.timers.delete(dueId);
      this.t = tm.at;
      tm.fn();
    }
    this.t = end;
  }

  get pending(): number {
    return this.timers.size;
  }
}
