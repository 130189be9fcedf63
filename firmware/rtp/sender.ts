// The sending side of one RTP stream (RFC 3550 §5.1): random SSRC, initial sequence number
// and timestamp, a timestamp clock advanced by the samples each packet carries, and the
// packet/octet counts an RTCP sender report needs.
//
// One send buffer and one header object are reused for every packet: on a frame clock
// of 50 packets a second nothing is allocated but the returned view, or the string and the
// copy of its octets that udpSend hands the host (util/octet-memo.ts).
import { octetsToBinary } from '../util/octet-memo.ts';
import { ntpFromMs } from './ntp.ts';
import { rtpLength, writeRtpInto } from './packet.ts';
import type { RtpHeader } from './packet.ts';
import type { SenderInfo } from './rtcp.ts';

/** Uniform random integers in [0, 2^32) (e.g. from CryptoHal.randomBytes). */
export type RandomSource = () => number;

export interface RtpSenderOptions {
  payloadType: number;
  random: RandomSource;
  /** Timestamp clock in Hz (default 8000, G.711). */
  clockRate?: number;
  /** Packetization time, 10..60 ms (default 20). */
  ptimeMs?: number;
  /** A fixed SSRC instead of a random one. */
  ssrc?: number;
  csrc?: readonly number[];
}

export const MIN_PTIME_MS = 10;
export const MAX_PTIME_MS = 60;

export class RtpSender {
  readonly clockRate: number;
  payloadType: number;
  ssrc: number;
  /** Sequence number of the next packet (16-bit). */
  sequence: number;
  /** Timestamp of the next packet (32-bit). */
  timestamp: number;
  /** Packets and payload octets sent, for the SR sender info (wrap mod 2^32 there). */
  packetCount = 0;
  octetCount = 0;
  private ptime = 20;
  private samples = 160;
  private readonly random: RandomSource;
  /** True until the first packet and after advance(): the next packet starts a talkspurt. */
  private talkspurtStart = true;
  private buffer = new Uint8Array(12 + 480 + 64);
  private view: Uint8Array = this.buffer;
  private readonly header: RtpHeader;

  constructor(options: RtpSenderOptions) {
    this.random = options.random;
    this.clockRate = options.clockRate ?? 8000;
    this.payloadType = options.payloadType;
    this.ssrc = options.ssrc !== undefined ? options.ssrc >>> 0 : this.random32();
    this.sequence = this.random32() & 0xffff;
    this.timestamp = this.random32();
    this.setPtime(options.ptimeMs ?? 20);
    this.header = {
      payloadType: this.payloadType,
      sequence: 0,
      timestamp: 0,
      ssrc: this.ssrc,
      marker: false,
      csrc: options.csrc,
    };
  }

  get ptimeMs(): number {
    return this.ptime;
  }

  /** Samples per packet at the current ptime (clock rate × ptime). */
  get samplesPerPacket(): number {
    return this.samples;
  }

  /** Changes the packetization time (e.g. from an SDP a=ptime); RangeError outside 10..60 ms. */
  setPtime(ms: number): void {
    if (!(Number.isInteger(ms) && ms >= MIN_PTIME_MS && ms <= MAX_PTIME_MS)) {
      throw new RangeError(`ptime ${ms} ms outside ${MIN_PTIME_MS}..${MAX_PTIME_MS}`);
    }
    this.ptime = ms;
    this.samples = Math.round((this.clockRate * ms) / 1000);
  }

  /**
   * Builds the next packet and advances sequence and timestamp. `marker` defaults to true for
   * the first packet and the first after advance() (a talkspurt start, RFC 3551 §4.1). The
   * returned bytes live in a reused buffer: send or copy them before the next call.
   */
  next(payload: Uint8Array, samplesPerFrame: number = this.samples, marker: boolean = this.talkspurtStart): Uint8Array {
    const end = this.write(payload, samplesPerFrame, marker);
    if (this.view.length !== end) this.view = this.buffer.subarray(0, end);
    return this.view;
  }

  /** next() as a byte string for NetHal.udpSend. */
  nextBinary(payload: Uint8Array, samplesPerFrame: number = this.samples, marker: boolean = this.talkspurtStart): string {
    const end = this.write(payload, samplesPerFrame, marker);
    return octetsToBinary(this.buffer.subarray(0, end));
  }

  /** Advances the timestamp over media not sent (silence suppression); the next packet is marked. */
  advance(samples: number): void {
    this.timestamp = (this.timestamp + samples) >>> 0;
    this.talkspurtStart = true;
  }

  /** Picks a new random SSRC (after a collision, RFC 3550 §8.2) and restarts the counts. */
  changeSsrc(): void {
    this.ssrc = this.random32();
    this.header.ssrc = this.ssrc;
    this.packetCount = 0;
    this.octetCount = 0;
  }

  /**
   * The SR sender info for wall-clock `wallMs`. The RTP timestamp is that of the next packet:
   * when called on the frame clock, the media instant that corresponds to now.
   */
  senderInfo(wallMs: number): SenderInfo {
    const ntp = ntpFromMs(wallMs);
    return {
      ntpSeconds: ntp.seconds,
      ntpFraction: ntp.fraction,
      rtpTimestamp: this.timestamp,
      packetCount: this.packetCount >>> 0,
      octetCount: this.octetCount >>> 0,
    };
  }

  private write(payload: Uint8Array, samplesPerFrame: number, marker: boolean): number {
    const h = this.header;
    h.payloadType = this.payloadType;
    h.sequence = this.sequence;
    h.timestamp = this.timestamp;
    h.marker = marker;
    const total = rtpLength(h, payload.length);
    if (this.buffer.length < total) {
      this.buffer = new Uint8Array(total);
      this.view = this.buffer;
    }
    const end = writeRtpInto(h, payload, this.buffer, 0);
    this.sequence = (this.sequence + 1) & 0xffff;
    this.timestamp = (this.timestamp + samplesPerFrame) >>> 0;
    this.packetCount++;
    this.octetCount += payload.length;
    this.talkspurtStart = false;
    return end;
  }

  private random32(): number {
    return Math.floor(this.random()) >>> 0;
  }
}
