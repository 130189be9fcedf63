// Time as the SIP stack sees it: a millisecond clock and one-shot timers. The phone backs it
// with the HAL, the lab server with Node timers, tests with a fake clock they advance.

export interface SipClock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Calls `fn` once after `ms`; returns a handle for clearTimer. */
  setTimer(ms: number, fn: () => void): number;
  clearTimer(handle: number): void;
}
