// RFC 3550 §6.4.1 / A.8 interarrival jitter: a running mean of |D(i-1, i)|, the change in
// transit time between consecutive arrivals, with gain 1/16. Shared by the receiver
// statistics (RTCP reports) and the jitter buffer (target delay).

export class InterarrivalJitter {
  /** The estimate in timestamp units (fractional; RTCP reports its integer part). */
  jitter = 0;
  private lastArrivalMs = 0;
  private lastTimestamp = 0;
  private primed = false;

  constructor(readonly clockRate: number) {}

  /** Adds one arrival; returns the estimate in timestamp units. */
  update(timestamp: number, arrivalMs: number): number {
    if (this.primed) {
      // Transit difference without absolute transit times: the timestamp difference wraps
      // mod 2^32 via | 0, the arrival difference is exact in ms.
      let d = ((arrivalMs - this.lastArrivalMs) * this.clockRate) / 1000 - ((timestamp - this.lastTimestamp) | 0);
      if (d < 0) d = -d;
      this.jitter += (d - this.jitter) / 16;
    }
    this.primed = true;
    this.lastArrivalMs = arrivalMs;
    this.lastTimestamp = timestamp;
    return this.jitter;
  }

  /** Takes this arrival as the reference for the next without a jitter sample (a stream discontinuity). */
  rebase(timestamp: number, arrivalMs: number): void {
    this.primed = true;
    this.lastArrivalMs = arrivalMs;
    this.lastTimestamp = timestamp;
  }

  /** The estimate in milliseconds. */
  get ms(): number {
    return (this.jitter * 1000) / this.clockRate;
  }

  reset(): void {
    this.jitter = 0;
    this.primed = false;
  }
}
