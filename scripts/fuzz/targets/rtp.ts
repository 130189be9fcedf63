// RTP target: one datagram on the media port, as RtpStream.handleUdp takes it (RTCP
// multiplexing check, readRtpBinary, reception statistics, DTMF events, the jitter buffer)
// and G.711 decoding of what plays. readRtpBinary must never throw, and must agree with
// readRtp and writeRtp about the packet.

import { readRtp, readRtpBinary, writeRtpBinary } from '../../../firmware/rtp/packet.ts';
import type { RtpPacket } from '../../../firmware/rtp/packet.ts';
import { ReceptionStats, isRtcpBinary, readRtcpBinary } from '../../../firmware/rtp/rtcp.ts';
import { JitterBuffer } from '../../../firmware/rtp/jitter-buffer.ts';
import { DtmfReceiver } from '../../../firmware/media/dtmf.ts';
import { codecForPayloadType } from '../../../firmware/codec/registry.ts';
import { CN_PAYLOAD_TYPE, parseComfortNoise } from '../../../firmware/codec/concealment.ts';
import { binaryToBytes } from '../../../firmware/util/utf8.ts';
import type { Outcome } from '../protocol.ts';
import { invariant } from './checks.ts';

export function fuzzRtp(input: string): Outcome {
  if (isRtcpBinary(input)) readRtcpBinary(input); // RTCP multiplexed on the RTP port
  const pkt = readRtpBinary(input);
  const same = readRtp(binaryToBytes(input));
  invariant((pkt === null) === (same === null), 'readRtpBinary and readRtp disagree on validity');
  if (pkt === null) return 'rejected';
  invariant(samePacket(pkt, same!), 'readRtpBinary and readRtp read different packets');
  const written = writeRtpBinary(pkt, pkt.payload);
  const body = input.length - pkt.padding;
  invariant(written.length === input.length && written.slice(0, body) === input.slice(0, body), 'writeRtp(readRtp(p)) differs from p');
  receive(pkt);
  return 'accepted';
}

/** The packet, a duplicate and a follower, through a fresh stream's receive path; then playout. */
function receive(pkt: RtpPacket): void {
  const stats = new ReceptionStats();
  const jitter = new JitterBuffer();
  const dtmf = new DtmfReceiver();
  const follower: RtpPacket = { ...pkt, sequence: (pkt.sequence + 1) & 0xffff, timestamp: (pkt.timestamp + 160) >>> 0, marker: false };
  let now = 1000;
  for (const p of [pkt, pkt, follower]) {
    stats.update(p.sequence, p.timestamp, now);
    dtmf.receive(p.payload, p.timestamp, p.marker);
    jitter.push(p, now);
    now += 20;
  }
  const pcm = new Int16Array(160);
  for (let i = 0; i < 8; i++, now += 20) {
    const frame = jitter.pop(now);
    if (frame.payload === null) continue;
    codecForPayloadType(frame.pt)?.decode(frame.payload, pcm);
    if (frame.pt === CN_PAYLOAD_TYPE) parseComfortNoise(frame.payload);
  }
  stats.reportBlock(pkt.ssrc, now);
  void jitter.stats;
}

function samePacket(a: RtpPacket, b: RtpPacket): boolean {
  return (
    a.marker === b.marker && a.payloadType === b.payloadType && a.sequence === b.sequence &&
    a.timestamp === b.timestamp && a.ssrc === b.ssrc && a.padding === b.padding &&
    a.csrc.length === b.csrc.length && a.csrc.every((c, i) => c === b.csrc[i]) &&
    sameBytes(a.payload, b.payload) &&
    (a.extension === null ? b.extension === null : b.extension !== null && a.extension.profile === b.extension.profile && sameBytes(a.extension.data, b.extension.data))
  );
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
