// An adaptive jitter buffer for one incoming RTP stream, driven by the playout clock.
//
// push() files packets by extended sequence number into a fixed ring (bounded memory);
// pop() runs once per frame period and hands out the packet whose timestamp falls in the
// current frame, or says the frame is lost (conceal it) or idle (nothing scheduled).
//
// Delay adapts in three ways:
// - a talkspurt start (first packet, marker bit, or a timestamp gap past maxDelay) plays
//   when the packet has waited the target delay: the free moment to grow or shrink;
// - after an underrun the next packet plays on arrival and the clock re-anchors on it,
//   so a delay spike lengthens the buffer instead of making every later packet late;
// - while packets keep waiting more than a frame beyond target, one frame is dropped
//   every `shrinkAfterFrames` frames.
// The target is frameMs + 3 × the RFC 3550 A.8 jitter, within [minDelayMs, maxDelayMs].
import { InterarrivalJitter } from './interarrival-jitter.ts';
import type { RtpPacket } from './packet.ts';

export interface JitterBufferOptions {
  /** Timestamp clock in Hz (default 8000). */
  clockRate?: number;
  /** The pop() period, normally the stream's packetization time (default 20 ms). */
  frameMs?: number;
  /** Target delay bounds (defaults 20 and 200 ms). */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Target until enough arrivals have been measured (default 40 ms). */
  initialDelayMs?: number;
  /** Packets held at most (default 64; rounded up to a power of two). */
  capacity?: number;
  /** Consecutive frames over target before one frame is dropped (default 16). */
  shrinkAfterFrames?: number;
}

export interface JitterPop {
  /** The payload to decode, or null. */
  payload: Uint8Array | null;
  /** Payload type of the packet; with no packet, of the last one played (-1 before any). */
  pt: number;
  /** A frame was due and is missing: conceal it. (null and !lost: idle, play silence or comfort noise.) */
  lost: boolean;
  /** The packet played (marker, sequence, timestamp for DTMF and CN handling), or null. */
  packet: RtpPacket | null;
}

export interface JitterBufferStats {
  /** Packets pushed (duplicates and late ones included). */
  received: number;
  /** Sequence numbers never played because they were missing at their turn. */
  lost: number;
  /** Packets that arrived after their turn (played or skipped) and were discarded. */
  late: number;
  duplicates: number;
  /** Packets that arrived after a higher sequence number but in time. */
  reordered: number;
  /** Packets discarded to shrink the delay or because the ring was full. */
  dropped: number;
  /** Times pop() found the buffer empty after playing had begun. */
  underruns: number;
  /** Restarts on a new SSRC, a confirmed sequence jump or a timestamp jump backwards. */
  resyncs: number;
  /** Packets held now. */
  buffered: number;
  /** How long the last played packet waited in the buffer. */
  delayMs: number;
  targetMs: number;
  /** RFC 3550 A.8 interarrival jitter. */
  jitterMs: number;
}

/** Sequence jumps beyond these (RFC 3550 A.1) need a second packet to confirm a restart. */
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
/** Arrivals measured before the jitter estimate replaces initialDelayMs. */
const WARMUP_PACKETS = 16;

export class JitterBuffer {
  readonly clockRate: number;
  readonly frameMs: number;
  private readonly frame: number; // samples per pop
  private readonly minDelay: number;
  private readonly maxDelay: number;
  private readonly maxDelaySamples: number;
  private readonly initialDelay: number;
  private readonly shrinkAfter: number;
  private readonly mask: number;

  // The ring: slot = extended sequence & mask.
  private readonly slots: (RtpPacket | null)[];
  private readonly slotSeq: Float64Array;
  private readonly slotArrival: Float64Array;
  /** Last extended sequence filed per slot, to tell a duplicate of a played packet from a late one. */
  private readonly seenSeq: Float64Array;
  private count = 0;

  private started = false;
  private ssrc = 0;
  /** Timestamps are kept relative to this (| 0 gives a wrap-safe signed difference). */
  private base = 0;
  private highest = 0; // extended sequence
  private highestRel = 0;
  private nextSeq = 0;
  /** Start of the current frame in relative timestamp units. */
  private playTs = 0;
  private havePlayed = false;
  private lastExt = 0;
  private lastRel = 0;
  private lastPt = -1;
  private underrun = false;
  private overFrames = 0;
  private badSeq = -1;
  private lastPushPt = -1;
  private lastPushTs = 0;
  private measured = 0;
  private readonly jitter: InterarrivalJitter;

  private nReceived = 0;
  private nLost = 0;
  private nLate = 0;
  private nDuplicates = 0;
  private nReordered = 0;
  private nDropped = 0;
  private nUnderruns = 0;
  private nResyncs = 0;
  private lastDelayMs = 0;

  constructor(options: JitterBufferOptions = {}) {
    this.clockRate = options.clockRate ?? 8000;
    this.frameMs = options.frameMs ?? 20;
    this.frame = Math.round((this.clockRate * this.frameMs) / 1000);
    this.minDelay = options.minDelayMs ?? 20;
    this.maxDelay = Math.max(this.minDelay, options.maxDelayMs ?? 200);
    this.maxDelaySamples = Math.round((this.maxDelay * this.clockRate) / 1000);
    this.initialDelay = options.initialDelayMs ?? 40;
    this.shrinkAfter = Math.max(1, options.shrinkAfterFrames ?? 16);
    let cap = 4;
    while (cap < (options.capacity ?? 64)) cap <<= 1;
    this.mask = cap - 1;
    this.slots = new Array<RtpPacket | null>(cap).fill(null);
    this.slotSeq = new Float64Array(cap).fill(-1);
    this.slotArrival = new Float64Array(cap);
    this.seenSeq = new Float64Array(cap).fill(-1);
    this.jitter = new InterarrivalJitter(this.clockRate);
  }

  /** The delay the buffer steers toward, in ms. */
  get targetMs(): number {
    let t = this.frameMs + 3 * this.jitter.ms;
    if (this.measured < WARMUP_PACKETS && t < this.initialDelay) t = this.initialDelay;
    return t < this.minDelay ? this.minDelay : t > this.maxDelay ? this.maxDelay : t;
  }

  get stats(): JitterBufferStats {
    return {
      received: this.nReceived,
      lost: this.nLost,
      late: this.nLate,
      duplicates: this.nDuplicates,
      reordered: this.nReordered,
      dropped: this.nDropped,
      underruns: this.nUnderruns,
      resyncs: this.nResyncs,
      buffered: this.count,
      delayMs: this.lastDelayMs,
      targetMs: this.targetMs,
      jitterMs: this.jitter.ms,
    };
  }

  /** Files a packet that arrived at `arrivalMs` (the clock pop() gets). False when it was discarded. */
  push(packet: RtpPacket, arrivalMs: number): boolean {
    this.nReceived++;
    if (!this.started || packet.ssrc !== this.ssrc) {
      if (this.started) this.nResyncs++;
      this.restart(packet, arrivalMs);
      return true;
    }
    // Extend the sequence number around the highest seen (signed 16-bit distance).
    const d = ((packet.sequence - this.highest + 32768) & 0xffff) - 32768;
    if (d >= MAX_DROPOUT || d < -MAX_MISORDER) {
      // Either a stray packet or a restarted sender: restart when the next one follows it.
      if (packet.sequence === this.badSeq) {
        this.nResyncs++;
        this.restart(packet, arrivalMs);
        return true;
      }
      this.badSeq = (packet.sequence + 1) & 0xffff;
      return false;
    }
    const ext = this.highest + d;
    const rel = (packet.timestamp - this.base) | 0;
    if (d > 0 && rel < this.highestRel - this.maxDelaySamples) {
      // Later sequence, earlier time: the sender restarted its timestamps.
      this.nResyncs++;
      this.restart(packet, arrivalMs);
      return true;
    }
    const idx = ext & this.mask;
    if (this.slotSeq[idx] === ext || (ext < this.nextSeq && this.seenSeq[idx] === ext)) {
      this.nDuplicates++;
      return false;
    }
    if (ext < this.nextSeq) {
      // Before playing starts, an earlier packet moves the start back (if the ring allows).
      if (this.havePlayed || this.highest - ext > this.mask) {
        this.nLate++;
        return false;
      }
      this.nextSeq = ext;
    }
    if (ext - this.nextSeq > this.mask) this.skipTo(ext - this.mask);
    if (d < 0) this.nReordered++;
    this.slots[idx] = packet;
    this.slotSeq[idx] = ext;
    this.slotArrival[idx] = arrivalMs;
    this.seenSeq[idx] = ext;
    this.count++;
    if (d > 0) {
      this.highest = ext;
      this.highestRel = rel;
    }
    // Jitter from audio only: RFC 4733 events repeat one timestamp and a payload type
    // switch is a discontinuity, so both just move the reference.
    if (packet.payloadType !== this.lastPushPt || packet.timestamp === this.lastPushTs) {
      this.jitter.rebase(packet.timestamp, arrivalMs);
    } else {
      this.jitter.update(packet.timestamp, arrivalMs);
      this.measured++;
    }
    this.lastPushPt = packet.payloadType;
    this.lastPushTs = packet.timestamp;
    return true;
  }

  /** Called once per frame period: the frame to play now. */
  pop(nowMs: number): JitterPop {
    if (!this.started) return this.idle();
    if (this.playTs > 0x40000000) this.rebase(); // ~37 h at 8 kHz: keep | 0 differences exact
    const F = this.frame;
    const h = this.head();
    if (h < 0) {
      if (!this.havePlayed) return this.idle();
      if (!this.underrun) {
        this.underrun = true;
        this.nUnderruns++;
        this.overFrames = 0; // a new stretch: the delay is measured afresh
      }
      this.playTs += F;
      return { payload: null, pt: this.lastPt, lost: true, packet: null };
    }
    const idx = h & this.mask;
    const pkt = this.slots[idx]!;
    const rel = (pkt.timestamp - this.base) | 0;
    const waited = nowMs - this.slotArrival[idx]!;

    if (!this.havePlayed || (h === this.nextSeq && (pkt.marker || rel - this.lastRel > this.maxDelaySamples))) {
      // Talkspurt start: play once it has waited the target (±half a frame), then follow its clock.
      if (waited < this.targetMs - this.frameMs / 2) {
        this.playTs += F;
        return this.idle();
      }
      this.nLost += h - this.nextSeq;
      this.playTs = rel;
      return this.play(h, nowMs);
    }
    if (h === this.nextSeq) {
      if (rel < this.playTs + F) {
        // Recovering from an underrun: re-anchor on the late packet (the delay grows by the
        // spike). Never before the last played start: RFC 4733 events repeat timestamps.
        if (this.underrun && rel < this.playTs && rel > this.lastRel) this.playTs = rel;
        return this.play(h, nowMs);
      }
      this.playTs += F;
      return this.idle();
    }
    // A gap: sequence numbers nextSeq..h-1 are missing.
    if (rel < this.playTs + F || waited >= this.targetMs + this.frameMs) {
      // h is due (or can wait no longer): the missing ones had their turn.
      this.nLost += h - this.nextSeq;
      if (rel > this.playTs) this.playTs = rel;
      else if (this.underrun && rel < this.playTs && rel > this.lastRel) this.playTs = rel;
      return this.play(h, nowMs);
    }
    // When was the first missing one due? Interpolate between the last played and h.
    const missingRel = this.lastRel + ((rel - this.lastRel) * (this.nextSeq - this.lastExt)) / (h - this.lastExt);
    this.playTs += F;
    if (missingRel < this.playTs) {
      this.nLost++;
      this.nextSeq++;
      return { payload: null, pt: this.lastPt, lost: true, packet: null };
    }
    return this.idle();
  }

  /** Empties the buffer and forgets the stream (statistics are kept). */
  reset(): void {
    this.nDropped += this.count;
    this.clearRing();
    this.started = false;
    this.havePlayed = false;
    this.underrun = false;
    this.lastPt = -1;
  }

  /** Plays packet `h` in the frame starting at playTs (possibly dropping it for the next). */
  private play(h: number, nowMs: number): JitterPop {
    let ext = h;
    let idx = ext & this.mask;
    let pkt = this.slots[idx]!;
    let waited = nowMs - this.slotArrival[idx]!;
    this.overFrames = waited > this.targetMs + this.frameMs ? this.overFrames + 1 : 0;
    if (this.overFrames >= this.shrinkAfter) {
      const next = (ext + 1) & this.mask;
      if (this.slotSeq[next] === ext + 1 && !this.slots[next]!.marker) {
        // Too much delay for too long: drop this frame, play the next one in its place.
        this.take(idx);
        this.nDropped++;
        this.overFrames = 0;
        ext++;
        idx = next;
        pkt = this.slots[idx]!;
        waited = nowMs - this.slotArrival[idx]!;
        this.playTs = (pkt.timestamp - this.base) | 0;
      }
    }
    this.take(idx);
    const rel = (pkt.timestamp - this.base) | 0;
    this.nextSeq = ext + 1;
    this.lastExt = ext;
    this.lastRel = rel;
    this.lastPt = pkt.payloadType;
    this.lastDelayMs = waited;
    this.havePlayed = true;
    this.underrun = false;
    this.playTs += this.frame;
    return { payload: pkt.payload, pt: pkt.payloadType, lost: false, packet: pkt };
  }

  private idle(): JitterPop {
    return { payload: null, pt: this.lastPt, lost: false, packet: null };
  }

  /** Lowest buffered extended sequence >= nextSeq, or -1. */
  private head(): number {
    if (this.count === 0) return -1;
    for (let s = this.nextSeq, n = 0; s <= this.highest && n <= this.mask; s++, n++) {
      if (this.slotSeq[s & this.mask] === s) return s;
    }
    return -1;
  }

  private take(idx: number): void {
    this.slots[idx] = null;
    this.slotSeq[idx] = -1;
    this.count--;
  }

  /** Moves nextSeq forward to `seq` to make room: held packets passed are dropped, missing ones lost. */
  private skipTo(seq: number): void {
    let held = 0;
    for (let i = 0; i <= this.mask; i++) {
      const s = this.slotSeq[i]!;
      if (s >= this.nextSeq && s < seq) {
        this.take(i);
        held++;
      }
    }
    this.nDropped += held;
    this.nLost += seq - this.nextSeq - held;
    this.nextSeq = seq;
  }

  /** Keeps relative timestamps small: moves the base up to the playout point. */
  private rebase(): void {
    const shift = this.playTs;
    this.base = (this.base + shift) >>> 0;
    this.playTs = 0;
    this.lastRel -= shift;
    this.highestRel -= shift;
  }

  private clearRing(): void {
    this.slots.fill(null);
    this.slotSeq.fill(-1);
    this.seenSeq.fill(-1);
    this.count = 0;
  }

  /** Starts over on a new stream; packets of the old one still held are dropped. */
  private restart(packet: RtpPacket, arrivalMs: number): void {
    this.nDropped += this.count;
    this.clearRing();
    this.started = true;
    this.ssrc = packet.ssrc;
    this.base = packet.timestamp >>> 0;
    // Extended numbers start one cycle up so early reordered packets stay positive.
    const ext = 65536 + packet.sequence;
    this.highest = ext;
    this.highestRel = 0;
    this.nextSeq = ext;
    this.playTs = 0;
    this.havePlayed = false;
    this.underrun = false;
    this.overFrames = 0;
    this.badSeq = -1;
    this.lastExt = ext - 1;
    this.lastRel = 0;
    this.measured = 0;
    this.jitter.reset();
    this.jitter.rebase(packet.timestamp, arrivalMs);
    this.lastPushPt = packet.payloadType;
    this.lastPushTs = packet.timestamp;
    const idx = ext & this.mask;
    this.slots[idx] = packet;
    this.slotSeq[idx] = ext;
    this.slotArrival[idx] = arrivalMs;
    this.seenSeq[idx] = ext;
    this.count = 1;
  }
}
