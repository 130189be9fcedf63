// DTMF as RTP telephone-events (RFC 4733) and as SIP INFO application/dtmf-relay bodies.
//
// Event payload (RFC 4733 §2.3):
//    0                   1                   2                   3
//   |     event     |E|R| volume    |          duration             |
// One event keeps one RTP timestamp (its start); each packet repeats the event with the
// duration so far, so a lost packet costs nothing but a little precision.

/** Event codes 0-15 in order: digits, then '*' (10), '#' (11), 'A'-'D' (12-15). */
const EVENT_DIGITS = '0123456789*#ABCD';

/** Digit → RFC 4733 event code (§3.2). */
export const DIGIT_TO_EVENT: Readonly<Record<string, number>> = (() => {
  const map: Record<string, number> = {};
  for (let i = 0; i < EVENT_DIGITS.length; i++) map[EVENT_DIGITS.charAt(i)] = i;
  return map;
})();

/** The event code of a DTMF digit ('a'-'d' accepted too), or -1. */
export function digitToEvent(digit: string): number {
  if (digit.length !== 1) return -1;
  const code = DIGIT_TO_EVENT[digit.toUpperCase()];
  return code === undefined ? -1 : code;
}

/** The digit of an event code 0-15, or null for other events. */
export function eventToDigit(event: number): string | null {
  return event >= 0 && event < 16 && event === Math.floor(event) ? EVENT_DIGITS.charAt(event) : null;
}

/** Largest duration the 16-bit field holds; longer events are split into segments (§2.5.1.3). */
const MAX_SEGMENT = 0xffff;
/** The final packet is sent three times, since it alone carries the real duration (§2.5.1.4). */
const END_REPEATS = 3;
/** Digits pressed faster than the sender can play them wait here; more are dropped. */
const QUEUE_SIZE = 16;

export interface DtmfSenderOptions {
  /** RTP clock rate of the telephone-event format (RFC 4733 §2.5.1.1: the voice codec's). */
  clockRate?: number;
  /** Power level 0-63 as -dBm0 (§2.3.4); 10 is a common default. */
  volume?: number;
  /** Shortest event sent, even for a tap of the key: receivers may miss very short ones. */
  minDurationMs?: number;
}

/** One telephone-event packet: the payload plus the RTP header fields it needs. */
export interface DtmfPacket {
  payload: Uint8Array;
  /** Set on the first packet of an event only (§2.5.1.1). */
  marker: boolean;
  /** RTP timestamp: the start of the event (or of the current long-event segment). */
  timestamp: number;
  endOfEvent: boolean;
}

/**
 * Turns key presses into RFC 4733 event packets, one per RTP frame: call start() on key
 * down, stop() on key up, and next() once per frame period while busy.
 */
export class DtmfSender {
  private readonly clockRate: number;
  private readonly volume: number;
  private readonly minSamples: number;
  // Ring of pressed digits; the head is the one playing.
  private readonly queueEvents = new Uint8Array(QUEUE_SIZE);
  private readonly queueReleased = new Uint8Array(QUEUE_SIZE);
  private queueHead = 0;
  private queueLength = 0;
  // The playing event.
  private playing = false;
  private event = 0;
  private segmentStart = 0;
  private elapsed = 0;
  private lastDuration = 0;
  private endsSent = 0;
  private firstPacket = false;
  /** RTP timestamp at the start of the next frame. */
  private clock = 0;

  constructor(options: DtmfSenderOptions = {}) {
    this.clockRate = options.clockRate ?? 8000;
    this.volume = Math.max(0, Math.min(63, Math.round(options.volume ?? 10)));
    this.minSamples = Math.round(((options.minDurationMs ?? 100) * this.clockRate) / 1000);
  }

  /** True while an event is playing or queued: the caller should call next() each frame. */
  get busy(): boolean {
    return this.playing || this.queueLength > 0;
  }

  /**
   * Queues a key press. `timestampAtStart` is the RTP timestamp of the current frame; it is
   * used when nothing is playing (a queued digit follows the one before it instead).
   * Returns false for a non-DTMF digit or a full queue.
   */
  start(digit: string, timestampAtStart: number): boolean {
    const event = digitToEvent(digit);
    if (event < 0 || this.queueLength === QUEUE_SIZE) return false;
    // A key down implies the key before it is up (one key at a time).
    this.stop();
    if (!this.busy) this.clock = timestampAtStart >>> 0;
    const slot = (this.queueHead + this.queueLength) % QUEUE_SIZE;
    this.queueEvents[slot] = event;
    this.queueReleased[slot] = 0;
    this.queueLength++;
    return true;
  }

  /** The key went up: the newest press ends, once it has lasted the minimum duration. */
  stop(): void {
    if (this.queueLength === 0) return;
    this.queueReleased[(this.queueHead + this.queueLength - 1) % QUEUE_SIZE] = 1;
  }

  /** Drops everything (call ended, stream restarted). */
  reset(): void {
    this.queueLength = 0;
    this.playing = false;
  }

  /** The packet for the next frame of `frameSamples` timestamp units, or null when idle. */
  next(frameSamples: number): DtmfPacket | null {
    if (!this.playing) {
      if (this.queueLength === 0) return null;
      this.playing = true;
      this.event = this.queueEvents[this.queueHead]!;
      this.segmentStart = this.clock;
      this.elapsed = 0;
      this.endsSent = 0;
      this.firstPacket = true;
    }
    this.clock = (this.clock + frameSamples) >>> 0;

    if (this.endsSent > 0) {
      // Retransmissions of the end packet: same timestamp, same duration.
      if (++this.endsSent === END_REPEATS) this.finish();
      return this.packet(this.lastDuration, true);
    }

    this.elapsed += frameSamples;
    let duration = (this.clock - this.segmentStart) >>> 0;
    if (duration > MAX_SEGMENT) {
      // Close this segment at the largest duration, then continue in a new one that starts
      // where this one stopped (§2.5.1.3); only the event's first packet has the marker.
      const packet = this.packet(MAX_SEGMENT, false);
      this.segmentStart = (this.segmentStart + MAX_SEGMENT) >>> 0;
      return packet;
    }
    const ending = this.queueReleased[this.queueHead] === 1 && this.elapsed >= this.minSamples;
    if (ending) {
      this.endsSent = 1;
      this.lastDuration = duration;
    }
    return this.packet(duration, ending);
  }

  private packet(duration: number, end: boolean): DtmfPacket {
    const payload = new Uint8Array(4);
    payload[0] = this.event;
    payload[1] = (end ? 0x80 : 0) | this.volume;
    payload[2] = duration >> 8;
    payload[3] = duration & 0xff;
    const marker = this.firstPacket;
    this.firstPacket = false;
    return { payload, marker, timestamp: this.segmentStart, endOfEvent: end };
  }

  private finish(): void {
    this.playing = false;
    this.queueHead = (this.queueHead + 1) % QUEUE_SIZE;
    this.queueLength--;
  }
}

/**
 * Reports each received DTMF event once, however many update and end packets carry it.
 * Packets are matched by RTP timestamp (one per event, §2.5.2.1).
 */
export class DtmfReceiver {
  private hasLast = false;
  private lastTimestamp = 0;
  private lastEvent = 0;
  private lastEnded = false;

  /** The digit when `payload` starts a new event; null for repeats, other events, junk. */
  receive(payload: Uint8Array, rtpTimestamp: number, marker: boolean): string | null {
    if (payload.length < 4) return null;
    const event = payload[0]!;
    const digit = eventToDigit(event);
    if (digit === null) return null;
    const end = (payload[1]! & 0x80) !== 0;
    const timestamp = rtpTimestamp >>> 0;

    if (this.hasLast) {
      // Signed 32-bit distance copes with timestamp wrap-around.
      const delta = (timestamp - this.lastTimestamp) | 0;
      if (delta === 0) {
        // An update or a retransmitted end packet of the event already reported.
        if (end) this.lastEnded = true;
        return null;
      }
      if (delta < 0) return null; // a late packet of an older event
      const continuation = !marker && !this.lastEnded && event === this.lastEvent && delta <= MAX_SEGMENT;
      if (continuation) {
        // The next segment of a long event (§2.5.2.3), not a new key press.
        this.lastTimestamp = timestamp;
        this.lastEnded = end;
        return null;
      }
    }
    this.hasLast = true;
    this.lastTimestamp = timestamp;
    this.lastEvent = event;
    this.lastEnded = end;
    return digit;
  }

  /** Forgets the last event (new RTP stream: its timestamps start elsewhere). */
  reset(): void {
    this.hasLast = false;
  }
}

// ---- SIP INFO fallback (application/dtmf-relay, as sent by Cisco and most PBXs) ----------

export const DTMF_RELAY_CONTENT_TYPE = 'application/dtmf-relay';

/** The body "Signal=5\r\nDuration=160\r\n"; throws on a non-DTMF digit (a caller bug). */
export function dtmfRelayBody(digit: string, durationMs: number): string {
  const event = digitToEvent(digit);
  if (event < 0) throw new RangeError(`not a DTMF digit: ${JSON.stringify(digit)}`);
  const duration = Math.max(0, Math.round(durationMs));
  return `Signal=${EVENT_DIGITS.charAt(event)}\r\nDuration=${duration}\r\n`;
}

/** The digit of a dtmf-relay body, or null when it has none. Some senders write * and # as 10, 11. */
export function parseDtmfRelay(body: string): string | null {
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const equals = line.indexOf('=');
    if (equals < 0 || line.slice(0, equals).trim().toLowerCase() !== 'signal') continue;
    const value = line.slice(equals + 1).trim();
    if (value.length === 1) {
      const event = digitToEvent(value);
      return event < 0 ? null : EVENT_DIGITS.charAt(event);
    }
    return /^1[0-5]$/.test(value) ? EVENT_DIGITS.charAt(Number(value)) : null;
  }
  return null;
}
