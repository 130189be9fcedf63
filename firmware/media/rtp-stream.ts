// One call's media (RFC 3550/3551/4733): every 20 ms frame the microphone is G.711-encoded
// and sent, and what the jitter buffer has is decoded (or concealed) for the speaker. DTMF
// travels as telephone-events; RTCP reports go out every 5 s; the far end's address is
// learned from its packets (symmetric RTP, for NAT).

import type { Hal } from '../../hal/contract.ts';
import { CN_PAYLOAD_TYPE, ComfortNoiseGenerator, PacketLossConcealer, parseComfortNoise } from '../codec/concealment.ts';
import { codecFor } from '../codec/registry.ts';
import type { AudioCodec } from '../codec/registry.ts';
import { JitterBuffer } from '../rtp/jitter-buffer.ts';
import { readRtpBinary, writeRtpBinary } from '../rtp/packet.ts';
import { ReceptionStats, isRtcpBinary, readRtcpBinary, roundTripMs, sdesCname, writeRtcpBinary } from '../rtp/rtcp.ts';
import type { RtcpPacket } from '../rtp/rtcp.ts';
import { RtpSender } from '../rtp/sender.ts';
import type { CallMediaParameters } from '../sdp/index.ts';
import type { FrameSink } from './audio-path.ts';
import { DtmfReceiver, DtmfSender } from './dtmf.ts';
import type { PortPair } from './rtp-ports.ts';

const SAMPLES = 160;
const RTCP_INTERVAL_MS = 5000;

export interface MediaStats {
  sent: number;
  received: number;
  lost: number;
  late: number;
  concealed: number;
  jitterMs: number;
  rttMs: number | null;
}

export class RtpStream implements FrameSink {
  muted = false;
  private params: CallMediaParameters;
  private codec: AudioCodec;
  private readonly sender: RtpSender;
  private readonly jitter = new JitterBuffer({ clockRate: 8000, frameMs: 20 });
  private readonly reception = new ReceptionStats();
  private readonly plc = new PacketLossConcealer();
  /** RFC 3389: after a comfort-noise packet the far end is silent on purpose; fill with noise. */
  private readonly noise = new ComfortNoiseGenerator();
  private inSilence = false;
  private readonly dtmfTx = new DtmfSender();
  private readonly dtmfRx = new DtmfReceiver();
  /** Encoded samples waiting to fill a packet of the peer's ptime (10–60 ms, RFC 3264 a=ptime). */
  private readonly payload = new Uint8Array(SAMPLES * 3);
  private pending = 0;
  private packetSamples = SAMPLES;
  private readonly decoded = new Int16Array(SAMPLES);
  private remote: { address: string; port: number };
  private latched = false;
  private remoteSsrc = 0;
  private concealed = 0;
  private rttMs: number | null = null;
  private rtcpTimer: number | null = null;
  private stopped = false;

  constructor(
    private readonly hal: Hal,
    private readonly pair: PortPair,
    params: CallMediaParameters,
    private readonly timers: { after(ms: number, fn: () => void): number; cancel(id: number | null): void },
    private readonly onDtmf: (digit: string) => void,
    private readonly onStats: (s: MediaStats) => void,
  ) {
    this.params = params;
    this.codec = codecFor(params.codecName) ?? codecFor('PCMU')!;
    this.remote = { address: params.remoteAddress, port: params.remotePort };
    this.sender = new RtpSender({ payloadType: this.codec.payloadType, random: () => this.random32() });
    this.setPtime(params.ptime);
    this.scheduleRtcp();
  }

  /** A re-INVITE changed the session (hold, new address, other codec). */
  update(params: CallMediaParameters): void {
    this.params = params;
    this.codec = codecFor(params.codecName) ?? this.codec;
    this.sender.payloadType = this.codec.payloadType;
    this.setPtime(params.ptime);
    if (!this.latched) this.remote = { address: params.remoteAddress, port: params.remotePort };
  }

  get canSend(): boolean {
    const d = this.params.direction;
    return d === 'sendrecv' || d === 'sendonly';
  }

  get canReceive(): boolean {
    const d = this.params.direction;
    return d === 'sendrecv' || d === 'recvonly';
  }

  /** Starts (down) or ends (up) a DTMF digit; false when the peer takes no telephone-events. */
  dtmf(digit: string, down: boolean): boolean {
    if (this.params.dtmfPayloadType === null || this.params.dtmfPayloadType === undefined) return false;
    if (down) this.dtmfTx.start(digit, this.sender.timestamp);
    else this.dtmfTx.stop();
    return true;
  }

  frame(mic: string, out: Int16Array): void {
    if (this.stopped) return;
    if (this.canSend && this.remote.port > 0) this.sendFrame(mic);
    else this.sender.advance(SAMPLES);
    if (this.canReceive) this.playFrame(out);
  }

  /** Datagrams on our RTP or RTCP socket; false for other sockets. */
  handleUdp(socket: number, data: string, address: string, port: number): boolean {
    if (socket === this.pair.rtcp) {
      this.onRtcp(data);
      return true;
    }
    if (socket !== this.pair.rtp) return false;
    if (this.stopped) return true;
    if (isRtcpBinary(data)) {
      this.onRtcp(data); // RTCP multiplexed on the RTP port (RFC 5761)
      return true;
    }
    const pkt = readRtpBinary(data);
    if (pkt === null) return true; // not RTP: ignored
    if (!this.latched) {
      // Symmetric RTP: answer where the media really comes from (NAT).
      this.latched = true;
      this.remote = { address, port };
    }
    this.remoteSsrc = pkt.ssrc;
    const now = this.hal.clock.monotonic();
    // Telephone-events share the stream's sequence numbers: count them, or they look lost.
    this.reception.update(pkt.sequence, pkt.timestamp, now);
    if (this.params.dtmfPayloadType !== null && pkt.payloadType === this.params.dtmfPayloadType) {
      const digit = this.dtmfRx.receive(pkt.payload, pkt.timestamp, pkt.marker);
      if (digit !== null) this.onDtmf(digit);
    }
    // Every packet goes in, telephone-events too: the buffer must see the whole sequence.
    this.jitter.push(pkt, now);
    return true;
  }

  stats(): MediaStats {
    const j = this.jitter.stats;
    return {
      sent: this.sender.packetCount,
      received: j.received,
      lost: Math.max(0, this.reception.lost),
      late: j.late,
      concealed: this.concealed,
      jitterMs: Math.round(this.reception.jitterMs * 10) / 10,
      rttMs: this.rttMs,
    };
  }

  /** Ends the stream: RTCP BYE, a last stats report. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.timers.cancel(this.rtcpTimer);
    this.sendRtcp([{ type: 'bye', ssrcs: [this.sender.ssrc], reason: 'call ended' }]);
    this.onStats(this.stats());
  }

  private setPtime(ms: number): void {
    const p = Number.isInteger(ms) && ms >= 10 && ms <= 60 ? ms : 20;
    this.packetSamples = p * 8;
    this.pending = 0;
  }

  private sendFrame(mic: string): void {
    const dtmf = this.dtmfTx.busy ? this.dtmfTx.next(SAMPLES) : null;
    if (dtmf !== null && this.params.dtmfPayloadType !== null) {
      const pkt = writeRtpBinary(
        { payloadType: this.params.dtmfPayloadType, sequence: this.sender.sequence, timestamp: dtmf.timestamp, ssrc: this.sender.ssrc, marker: dtmf.marker },
        dtmf.payload,
      );
      this.sender.sequence = (this.sender.sequence + 1) & 0xffff;
      this.sender.packetCount++;
      this.sender.advance(SAMPLES);
      this.hal.net.udpSend(this.pair.rtp, pkt, this.remote.address, this.remote.port);
      return;
    }
    const silence = this.codec.payloadType === 0 ? 0xff : 0xd5;
    const at = this.pending;
    if (this.muted) this.payload.fill(silence, at, at + SAMPLES);
    else {
      const end = this.codec.encodeBinary(mic, this.payload, at); // straight from the HAL's bytes
      if (end < at + SAMPLES) this.payload.fill(silence, end, at + SAMPLES);
    }
    this.pending = at + SAMPLES;
    // One 20 ms frame makes two 10 ms packets, or waits for the next frames to make 40/60 ms.
    let sent = 0;
    while (this.pending - sent >= this.packetSamples) {
      const chunk = this.payload.subarray(sent, sent + this.packetSamples);
      this.hal.net.udpSend(this.pair.rtp, this.sender.nextBinary(chunk, this.packetSamples), this.remote.address, this.remote.port);
      sent += this.packetSamples;
    }
    if (sent > 0) {
      this.payload.copyWithin(0, sent, this.pending);
      this.pending -= sent;
    }
  }

  private playFrame(out: Int16Array): void {
    const p = this.jitter.pop(this.hal.clock.monotonic());
    if (p.payload !== null && p.pt === this.codec.payloadType) {
      this.inSilence = false;
      const n = this.codec.decode(p.payload, this.decoded);
      if (n < SAMPLES) this.decoded.fill(0, n);
      this.plc.good(this.decoded);
      out.set(this.decoded);
    } else if (p.payload !== null && p.pt === CN_PAYLOAD_TYPE) {
      const cn = parseComfortNoise(p.payload);
      if (cn !== null) this.noise.setLevel(cn.levelDbov);
      this.inSilence = true;
      this.noise.fill(out);
    } else if (this.inSilence) {
      this.noise.fill(out); // no packets during a silence period is not loss
    } else if (p.lost) {
      this.concealed++;
      this.plc.conceal(out);
    }
  }

  private onRtcp(data: string): void {
    const packets = readRtcpBinary(data);
    if (packets === null) return;
    const now = this.hal.clock.now();
    for (const p of packets) {
      if (p.type === 'sr') this.reception.onSenderReport(p.sender.ntpSeconds, p.sender.ntpFraction, this.hal.clock.monotonic());
      if (p.type === 'sr' || p.type === 'rr') {
        for (const block of p.reports) {
          if (block.ssrc !== this.sender.ssrc) continue;
          const rtt = roundTripMs(block, now);
          if (rtt !== null) this.rttMs = Math.round(rtt);
        }
      }
    }
  }

  private scheduleRtcp(): void {
    this.rtcpTimer = this.timers.after(RTCP_INTERVAL_MS, () => {
      this.rtcpTimer = null;
      if (this.stopped) return;
      const reports = this.remoteSsrc !== 0 ? [this.reception.reportBlock(this.remoteSsrc, this.hal.clock.monotonic())] : [];
      const head: RtcpPacket = this.sender.packetCount > 0
        ? { type: 'sr', ssrc: this.sender.ssrc, sender: this.sender.senderInfo(this.hal.clock.now()), reports }
        : { type: 'rr', ssrc: this.sender.ssrc, reports };
      this.sendRtcp([head]);
      this.onStats(this.stats());
      this.scheduleRtcp();
    });
  }

  private sendRtcp(packets: RtcpPacket[]): void {
    const port = this.params.remoteRtcpPort ?? this.remote.port + 1;
    const address = this.latched ? this.remote.address : this.params.remoteRtcpAddress;
    const all = [...packets, sdesCname(this.sender.ssrc, `quip@${this.hal.net.localAddress() ?? 'phone'}`)];
    this.hal.net.udpSend(this.pair.rtcp, writeRtcpBinary(all), address, port);
  }

  private random32(): number {
    const b = this.hal.crypto.randomBytes(4);
    return ((b.charCodeAt(0) << 24) | (b.charCodeAt(1) << 16) | (b.charCodeAt(2) << 8) | b.charCodeAt(3)) >>> 0;
  }
}
