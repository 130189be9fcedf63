// Receiver statistics for one source, as RFC 3550 Appendix A.1 (sequence validation and
// extension), A.3 (expected, lost, fraction lost) and A.8 (interarrival jitter) compute
// them, producing the report blocks of our SR/RR.
import { InterarrivalJitter } from './interarrival-jitter.ts';
import { compactNtp, msToCompact } from './ntp.ts';
import type { ReportBlock } from './rtcp.ts';

export interface ReceptionStatsOptions {
  /** Timestamp clock in Hz (default 8000). */
  clockRate?: number;
  /**
   * Sequential packets needed before a source is valid (A.1 MIN_SEQUENTIAL, default 2; the
   * first packets of the probation are not counted). 1 counts from the first packet.
   */
  minSequential?: number;
}

const SEQ_MOD = 65536;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;

export class ReceptionStats {
  /** Packets counted (A.1 `received`: duplicates included). */
  received = 0;
  private maxSeq = 0;
  /** Shifted count of sequence number wraps (A.1 keeps it as cycles << 16). */
  private cycles = 0;
  private baseSeq = 0;
  private badSeq = SEQ_MOD + 1;
  private probation = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private started = false;
  private valid = false;
  private readonly minSequential: number;
  private readonly jitterEstimate: InterarrivalJitter;
  private lastSr = 0;
  private lastSrArrivalMs = 0;
  private haveSr = false;

  constructor(options: ReceptionStatsOptions = {}) {
    this.minSequential = Math.max(1, Math.floor(options.minSequential ?? 2));
    this.jitterEstimate = new InterarrivalJitter(options.clockRate ?? 8000);
  }

  /**
   * Counts one packet of the source. Returns false while the source is on probation or for a
   * packet A.1 rejects (a large jump not yet confirmed by its successor).
   */
  update(sequence: number, timestamp: number, arrivalMs: number): boolean {
    const seq = sequence & 0xffff;
    if (!this.started) {
      this.started = true;
      this.initSeq(seq);
      this.maxSeq = (seq - 1) & 0xffff;
      this.probation = this.minSequential;
    }
    if (!this.updateSeq(seq)) return false;
    this.valid = true;
    this.jitterEstimate.update(timestamp, arrivalMs);
    return true;
  }

  /** The extended highest sequence number received (A.3 extended_max). */
  get extendedMax(): number {
    return this.cycles + this.maxSeq;
  }

  /** Packets expected from the first valid one to the highest (A.3). */
  get expected(): number {
    return this.valid ? this.extendedMax - this.baseSeq + 1 : 0;
  }

  /** Cumulative packets lost: expected - received (negative with duplicates). */
  get lost(): number {
    return this.expected - this.received;
  }

  /** Interarrival jitter in timestamp units. */
  get jitter(): number {
    return this.jitterEstimate.jitter;
  }

  get jitterMs(): number {
    return this.jitterEstimate.ms;
  }

  /** Notes an SR from this source (for LSR/DLSR in our next report about it). */
  onSenderReport(ntpSeconds: number, ntpFraction: number, arrivalMs: number): void {
    this.lastSr = compactNtp(ntpSeconds, ntpFraction);
    this.lastSrArrivalMs = arrivalMs;
    this.haveSr = true;
  }

  /**
   * The report block about this source at `nowMs` (same clock as onSenderReport's arrival).
   * Starts a new reporting interval for the fraction lost (A.3).
   */
  reportBlock(ssrc: number, nowMs: number): ReportBlock {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    this.expectedPrior = expected;
    const receivedInterval = this.received - this.receivedPrior;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fraction = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval);
    const lost = this.lost;
    return {
      ssrc: ssrc >>> 0,
      fractionLost: fraction > 255 ? 255 : fraction,
      cumulativeLost: lost > 0x7fffff ? 0x7fffff : lost < -0x800000 ? -0x800000 : lost,
      highestSeq: this.extendedMax >>> 0,
      jitter: Math.floor(this.jitterEstimate.jitter) >>> 0,
      lsr: this.haveSr ? this.lastSr : 0,
      dlsr: this.haveSr ? msToCompact(nowMs - this.lastSrArrivalMs) : 0,
    };
  }

  private initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = SEQ_MOD + 1; // so seq == badSeq is false
    this.cycles = 0;
    this.received = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }

  /** A.1 update_seq. */
  private updateSeq(seq: number): boolean {
    const udelta = (seq - this.maxSeq) & 0xffff;
    if (this.probation > 0) {
      // Source not valid until minSequential packets in sequence have arrived.
      if (seq === ((this.maxSeq + 1) & 0xffff)) {
        this.probation--;
        this.maxSeq = seq;
        if (this.probation === 0) {
          this.initSeq(seq);
          this.received++;
          return true;
        }
      } else {
        this.probation = this.minSequential - 1;
        this.maxSeq = seq;
      }
      return false;
    }
    if (udelta < MAX_DROPOUT) {
      // In order, with permissible gap.
      if (seq < this.maxSeq) this.cycles += SEQ_MOD;
      this.maxSeq = seq;
    } else if (udelta <= SEQ_MOD - MAX_MISORDER) {
      // A very large jump: the source restarted if the next packet follows this one.
      if (seq === this.badSeq) {
        this.initSeq(seq);
      } else {
        this.badSeq = (seq + 1) & 0xffff;
        return false;
      }
    }
    // else: duplicate or reordered packet, counted as A.1 does.
    this.received++;
    return true;
  }
}
