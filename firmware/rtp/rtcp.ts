// RTCP (RFC 3550 §6): SR, RR, SDES, BYE and compound packets, built and parsed.
//
// readRtcp never throws: a compound whose framing is broken (version, length words,
// padding, a count that overruns its packet) is null, as RFC 3550 A.2 would discard it;
// packet types it does not model (APP, feedback, XR) are kept raw. RTCP runs every few
// seconds, so clarity wins over allocation here.
import { binaryToBytes, bytesToBinary, decodeUtf8, encodeUtf8 } from '../util/utf8.ts';
import { compactNtpFromMs } from './ntp.ts';

export { compactNtp, compactNtpFromMs, compactToMs, msToCompact, ntpFromMs, ntpToMs } from './ntp.ts';
export type { NtpTime } from './ntp.ts';
export { ReceptionStats } from './reception-stats.ts';
export type { ReceptionStatsOptions } from './reception-stats.ts';

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;

/** SDES item types (RFC 3550 §6.5). */
export const SDES_CNAME = 1;

/** The sender info block of an SR (§6.4.1). */
export interface SenderInfo {
  ntpSeconds: number;
  ntpFraction: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

/** One reception report block (§6.4.1). */
export interface ReportBlock {
  ssrc: number;
  /** Fraction lost since the previous report, 0..255 (= lost/expected × 256). */
  fractionLost: number;
  /** Cumulative packets lost, signed 24-bit (duplicates can make it negative). */
  cumulativeLost: number;
  /** Extended highest sequence number received (cycles << 16 | max seq). */
  highestSeq: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
  /** Last SR timestamp: the compact NTP of the last SR from this source, 0 if none. */
  lsr: number;
  /** Delay since that SR in 1/65536 s, 0 if none. */
  dlsr: number;
}

export interface RtcpSenderReport {
  type: 'sr';
  ssrc: number;
  sender: SenderInfo;
  reports: ReportBlock[];
}

export interface RtcpReceiverReport {
  type: 'rr';
  ssrc: number;
  reports: ReportBlock[];
}

export interface SdesItem {
  /** 1 CNAME, 2 NAME, 3 EMAIL, ... 8 PRIV. */
  type: number;
  /** Text (UTF-8 decoded). */
  value: string;
}

export interface SdesChunk {
  ssrc: number;
  items: SdesItem[];
}

export interface RtcpSdes {
  type: 'sdes';
  chunks: SdesChunk[];
}

export interface RtcpBye {
  type: 'bye';
  ssrcs: number[];
  reason: string | null;
}

/** A packet type not modelled here (APP, RTPFB/PSFB, XR, ...): header fields and body. */
export interface RtcpOther {
  type: 'other';
  packetType: number;
  /** The 5-bit count/subtype field. */
  count: number;
  /** The octets after the 4-octet header, padding removed. */
  body: Uint8Array;
}

export type RtcpPacket = RtcpSenderReport | RtcpReceiverReport | RtcpSdes | RtcpBye | RtcpOther;

// ---- building ----------------------------------------------------------------------

/** An SDES packet with one chunk carrying the CNAME (what every compound must include). */
export function sdesCname(ssrc: number, cname: string): RtcpSdes {
  return { type: 'sdes', chunks: [{ ssrc, items: [{ type: SDES_CNAME, value: cname }] }] };
}

/** Builds a compound packet (or a single one) from its parts, in order. Throws RangeError on invalid input. */
export function writeRtcp(packets: readonly RtcpPacket[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const p of packets) {
    const bytes = encodePacket(p);
    parts.push(bytes);
    total += bytes.length;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const part of parts) {
    out.set(part, o);
    o += part.length;
  }
  return out;
}

/** writeRtcp as a byte string for NetHal.udpSend. */
export function writeRtcpBinary(packets: readonly RtcpPacket[]): string {
  return bytesToBinary(writeRtcp(packets));
}

function encodePacket(p: RtcpPacket): Uint8Array {
  switch (p.type) {
    case 'sr': {
      checkReports(p.reports);
      const out = header(RTCP_SR, p.reports.length, 28 + 24 * p.reports.length);
      put32(out, 4, p.ssrc);
      put32(out, 8, p.sender.ntpSeconds);
      put32(out, 12, p.sender.ntpFraction);
      put32(out, 16, p.sender.rtpTimestamp);
      put32(out, 20, p.sender.packetCount);
      put32(out, 24, p.sender.octetCount);
      writeReports(out, 28, p.reports);
      return out;
    }
    case 'rr': {
      checkReports(p.reports);
      const out = header(RTCP_RR, p.reports.length, 8 + 24 * p.reports.length);
      put32(out, 4, p.ssrc);
      writeReports(out, 8, p.reports);
      return out;
    }
    case 'sdes':
      return encodeSdes(p);
    case 'bye':
      return encodeBye(p);
    case 'other': {
      if (p.body.length & 3) throw new RangeError('RTCP packet body must be a multiple of 4 octets');
      const out = header(p.packetType, p.count & 31, 4 + p.body.length);
      out.set(p.body, 4);
      return out;
    }
  }
}

/** A packet buffer with the common header filled in; `bytes` must be a multiple of 4. */
function header(packetType: number, count: number, bytes: number): Uint8Array {
  if (bytes > 4 * 65536) throw new RangeError('RTCP packet too long');
  const out = new Uint8Array(bytes);
  const words = bytes / 4 - 1;
  out[0] = 0x80 | count;
  out[1] = packetType;
  out[2] = words >>> 8;
  out[3] = words;
  return out;
}

function checkReports(reports: readonly ReportBlock[]): void {
  if (reports.length > 31) throw new RangeError(`${reports.length} report blocks exceed 31 (split into more RRs)`);
}

function writeReports(out: Uint8Array, offset: number, reports: readonly ReportBlock[]): void {
  let o = offset;
  for (const r of reports) {
    put32(out, o, r.ssrc);
    out[o + 4] = r.fractionLost;
    const lost = clampLost(r.cumulativeLost) & 0xffffff;
    out[o + 5] = lost >>> 16;
    out[o + 6] = lost >>> 8;
    out[o + 7] = lost;
    put32(out, o + 8, r.highestSeq);
    put32(out, o + 12, r.jitter);
    put32(out, o + 16, r.lsr);
    put32(out, o + 20, r.dlsr);
    o += 24;
  }
}

/** Cumulative loss saturates at the signed 24-bit range (RFC 3550 A.3). */
function clampLost(lost: number): number {
  return lost > 0x7fffff ? 0x7fffff : lost < -0x800000 ? -0x800000 : lost;
}

function encodeSdes(p: RtcpSdes): Uint8Array {
  if (p.chunks.length > 31) throw new RangeError('more than 31 SDES chunks');
  const encoded: string[][] = [];
  let bytes = 4;
  for (const chunk of p.chunks) {
    const values: string[] = [];
    let len = 4;
    for (const item of chunk.items) {
      const v = encodeUtf8(item.value);
      if (v.length > 255) throw new RangeError('SDES item longer than 255 octets');
      if (!(item.type >= 1 && item.type <= 255)) throw new RangeError(`SDES item type ${item.type}`);
      values.push(v);
      len += 2 + v.length;
    }
    len += 4 - (len & 3); // the terminating null octet(s) up to the next word
    bytes += len;
    encoded.push(values);
  }
  const out = header(RTCP_SDES, p.chunks.length, bytes);
  let o = 4;
  for (let c = 0; c < p.chunks.length; c++) {
    const chunk = p.chunks[c]!;
    put32(out, o, chunk.ssrc);
    o += 4;
    for (let i = 0; i < chunk.items.length; i++) {
      const v = encoded[c]![i]!;
      out[o] = chunk.items[i]!.type;
      out[o + 1] = v.length;
      for (let k = 0; k < v.length; k++) out[o + 2 + k] = v.charCodeAt(k);
      o += 2 + v.length;
    }
    o += 4 - (o & 3); // zeros are already there
  }
  return out;
}

function encodeBye(p: RtcpBye): Uint8Array {
  if (p.ssrcs.length > 31) throw new RangeError('more than 31 SSRCs in a BYE');
  const reason = p.reason === null ? null : encodeUtf8(p.reason);
  if (reason !== null && reason.length > 255) throw new RangeError('BYE reason longer than 255 octets');
  let bytes = 4 + 4 * p.ssrcs.length;
  if (reason !== null) bytes += (1 + reason.length + 3) & ~3;
  const out = header(RTCP_BYE, p.ssrcs.length, bytes);
  let o = 4;
  for (const s of p.ssrcs) {
    put32(out, o, s);
    o += 4;
  }
  if (reason !== null) {
    out[o] = reason.length;
    for (let k = 0; k < reason.length; k++) out[o + 1 + k] = reason.charCodeAt(k);
  }
  return out;
}

function put32(out: Uint8Array, o: number, v: number): void {
  out[o] = v >>> 24;
  out[o + 1] = v >>> 16;
  out[o + 2] = v >>> 8;
  out[o + 3] = v;
}

// ---- parsing -----------------------------------------------------------------------

/** Parses a compound (or single) RTCP packet; null when it is malformed. Never throws. */
export function readRtcp(bytes: Uint8Array): RtcpPacket[] | null {
  const len = bytes.length;
  if (len < 4) return null;
  const packets: RtcpPacket[] = [];
  let o = 0;
  while (o < len) {
    if (o + 4 > len) return null;
    const b0 = bytes[o]!;
    if (b0 >> 6 !== 2) return null;
    const size = (((bytes[o + 2]! << 8) | bytes[o + 3]!) + 1) * 4;
    if (o + size > len) return null;
    let end = o + size;
    if (b0 & 0x20) {
      // Padding: the last octet counts it; only sound if it stays past the header.
      const pad = bytes[end - 1]!;
      if (pad === 0 || pad > size - 4) return null;
      end -= pad;
    }
    const p = parsePacket(bytes, o, end, b0 & 31, bytes[o + 1]!);
    if (p === null) return null;
    packets.push(p);
    o += size;
  }
  return packets;
}

/** readRtcp for a byte string (a udp event's data). */
export function readRtcpBinary(bin: string): RtcpPacket[] | null {
  return readRtcp(binaryToBytes(bin));
}

/**
 * True when a datagram on a multiplexed RTP/RTCP port is RTCP (RFC 5761 §4: second octet
 * 192..223, i.e. RTCP packet types 200-204 and the feedback types, version 2).
 */
export function isRtcp(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[0]! >> 6 === 2 && bytes[1]! >= 192 && bytes[1]! <= 223;
}

/** isRtcp for a byte string. */
export function isRtcpBinary(bin: string): boolean {
  if (bin.length < 8) return false;
  const b1 = bin.charCodeAt(1);
  return bin.charCodeAt(0) >> 6 === 2 && b1 >= 192 && b1 <= 223;
}

function parsePacket(b: Uint8Array, start: number, end: number, count: number, pt: number): RtcpPacket | null {
  switch (pt) {
    case RTCP_SR: {
      if (start + 28 + 24 * count > end) return null;
      return {
        type: 'sr',
        ssrc: get32(b, start + 4),
        sender: {
          ntpSeconds: get32(b, start + 8),
          ntpFraction: get32(b, start + 12),
          rtpTimestamp: get32(b, start + 16),
          packetCount: get32(b, start + 20),
          octetCount: get32(b, start + 24),
        },
        reports: readReports(b, start + 28, count),
      };
    }
    case RTCP_RR:
      if (start + 8 + 24 * count > end) return null;
      return { type: 'rr', ssrc: get32(b, start + 4), reports: readReports(b, start + 8, count) };
    case RTCP_SDES:
      return parseSdes(b, start + 4, end, count);
    case RTCP_BYE:
      return parseBye(b, start + 4, end, count);
    default:
      return { type: 'other', packetType: pt, count, body: b.slice(start + 4, end) };
  }
}

function readReports(b: Uint8Array, offset: number, count: number): ReportBlock[] {
  const reports: ReportBlock[] = [];
  for (let i = 0, o = offset; i < count; i++, o += 24) {
    reports.push({
      ssrc: get32(b, o),
      fractionLost: b[o + 4]!,
      cumulativeLost: ((b[o + 5]! << 24) | (b[o + 6]! << 16) | (b[o + 7]! << 8)) >> 8, // sign-extend 24 bits
      highestSeq: get32(b, o + 8),
      jitter: get32(b, o + 12),
      lsr: get32(b, o + 16),
      dlsr: get32(b, o + 20),
    });
  }
  return reports;
}

function parseSdes(b: Uint8Array, start: number, end: number, count: number): RtcpSdes | null {
  const chunks: SdesChunk[] = [];
  let o = start;
  for (let c = 0; c < count; c++) {
    if (o + 4 > end) return null;
    const chunk: SdesChunk = { ssrc: get32(b, o), items: [] };
    o += 4;
    // Items until a null octet; then the chunk is padded to the next 32-bit boundary.
    for (;;) {
      if (o >= end) return null;
      const type = b[o]!;
      if (type === 0) break;
      if (o + 2 > end) return null;
      const n = b[o + 1]!;
      if (o + 2 + n > end) return null;
      chunk.items.push({ type, value: decodeUtf8(bytesToBinary(b.subarray(o + 2, o + 2 + n))) });
      o += 2 + n;
    }
    o += 4 - ((o - start) & 3); // past the null octet, to the next 32-bit boundary
    if (o > end) return null;
    chunks.push(chunk);
  }
  return { type: 'sdes', chunks };
}

function parseBye(b: Uint8Array, start: number, end: number, count: number): RtcpBye | null {
  if (start + 4 * count > end) return null;
  const ssrcs: number[] = [];
  for (let i = 0; i < count; i++) ssrcs.push(get32(b, start + 4 * i));
  let reason: string | null = null;
  const o = start + 4 * count;
  if (o < end) {
    const n = b[o]!;
    if (o + 1 + n > end) return null;
    reason = decodeUtf8(bytesToBinary(b.subarray(o + 1, o + 1 + n)));
  }
  return { type: 'bye', ssrcs, reason };
}

function get32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

// ---- round-trip time (RFC 3550 §6.4.1) ------------------------------------------------

/**
 * The round-trip time from a report block about our stream, received at `arrivalWallMs` on
 * the clock our SRs' NTP timestamps come from: A - LSR - DLSR in compact NTP. Null when the
 * peer has had no SR from us (LSR 0) or the result is negative (clock trouble).
 */
export function roundTripMs(block: ReportBlock, arrivalWallMs: number): number | null {
  if (block.lsr === 0) return null;
  const a = compactNtpFromMs(arrivalWallMs);
  const rtt = (a - block.lsr - block.dlsr) | 0; // mod 2^32, signed
  if (rtt < 0) return null;
  return (rtt * 1000) / 65536;
}
