// RTP fixed header, CSRC list, header extension and padding (RFC 3550 §5.1, §5.3.1).
//
// Reading never throws: anything malformed is null, since every datagram on the media port
// is untrusted. The payload of a parsed packet is a view into the input, not a copy.
import { octetsToBinary, recallOctets } from '../util/octet-memo.ts';

/** The header extension: a profile-defined 16-bit id and data (a whole number of 32-bit words). */
export interface RtpExtension {
  profile: number;
  data: Uint8Array;
}

/** What writeRtp needs. An RtpPacket is one, so a parsed packet writes back unchanged. */
export interface RtpHeader {
  payloadType: number;
  /** 16-bit. */
  sequence: number;
  /** 32-bit, unsigned. */
  timestamp: number;
  /** 32-bit, unsigned. */
  ssrc: number;
  marker?: boolean;
  /** Up to 15 contributing sources. */
  csrc?: readonly number[];
  extension?: RtpExtension | null;
  /** Padding octets to append (0..255, the count octet included); 0 = no P bit. */
  padding?: number;
}

export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  csrc: readonly number[];
  extension: RtpExtension | null;
  /** Padding octets the packet carried (0 when the P bit was clear). */
  padding: number;
  payload: Uint8Array;
}

export const RTP_VERSION = 2;
export const RTP_HEADER_BYTES = 12;

// Shared by every packet without CSRCs, so parsing allocates no array for the common case.
const NO_CSRC: readonly number[] = Object.freeze([]);

/** Octets writeRtp produces for this header and payload length. */
export function rtpLength(header: RtpHeader, payloadLength: number): number {
  const cc = header.csrc ? header.csrc.length : 0;
  const ext = header.extension ? 4 + header.extension.data.length : 0;
  return RTP_HEADER_BYTES + cc * 4 + ext + payloadLength + (header.padding ?? 0);
}

function checkHeader(h: RtpHeader): void {
  const cc = h.csrc ? h.csrc.length : 0;
  if (!(h.payloadType >= 0 && h.payloadType <= 127)) throw new RangeError(`RTP payload type ${h.payloadType} out of 0..127`);
  if (cc > 15) throw new RangeError(`RTP CSRC count ${cc} exceeds 15`);
  if (h.extension && (h.extension.data.length & 3) !== 0) {
    throw new RangeError('RTP header extension data must be a multiple of 4 octets');
  }
  if (h.extension && h.extension.data.length > 0x3fffc) throw new RangeError('RTP header extension too long');
  const pad = h.padding ?? 0;
  if (!(pad >= 0 && pad <= 255)) throw new RangeError(`RTP padding ${pad} out of 0..255`);
}

/**
 * Writes a packet into `out` at `offset`; returns the offset after it. Throws RangeError for
 * an invalid header or when `out` is too small (a programming error, not input).
 */
export function writeRtpInto(header: RtpHeader, payload: Uint8Array, out: Uint8Array, offset = 0): number {
  checkHeader(header);
  const total = rtpLength(header, payload.length);
  if (offset + total > out.length) throw new RangeError(`RTP packet of ${total} octets does not fit the buffer`);
  const csrc = header.csrc;
  const cc = csrc ? csrc.length : 0;
  const ext = header.extension;
  const pad = header.padding ?? 0;
  const seq = header.sequence;
  const ts = header.timestamp;
  const ssrc = header.ssrc;
  let o = offset;
  out[o] = 0x80 | (pad > 0 ? 0x20 : 0) | (ext ? 0x10 : 0) | cc;
  out[o + 1] = (header.marker ? 0x80 : 0) | header.payloadType;
  out[o + 2] = seq >>> 8;
  out[o + 3] = seq;
  out[o + 4] = ts >>> 24;
  out[o + 5] = ts >>> 16;
  out[o + 6] = ts >>> 8;
  out[o + 7] = ts;
  out[o + 8] = ssrc >>> 24;
  out[o + 9] = ssrc >>> 16;
  out[o + 10] = ssrc >>> 8;
  out[o + 11] = ssrc;
  o += 12;
  for (let i = 0; i < cc; i++) {
    const c = csrc![i]!;
    out[o] = c >>> 24;
    out[o + 1] = c >>> 16;
    out[o + 2] = c >>> 8;
    out[o + 3] = c;
    o += 4;
  }
  if (ext) {
    const words = ext.data.length >> 2;
    out[o] = ext.profile >>> 8;
    out[o + 1] = ext.profile;
    out[o + 2] = words >>> 8;
    out[o + 3] = words;
    out.set(ext.data, o + 4);
    o += 4 + ext.data.length;
  }
  out.set(payload, o);
  o += payload.length;
  if (pad > 0) {
    out.fill(0, o, o + pad - 1);
    out[o + pad - 1] = pad; // the last octet counts the padding, itself included
    o += pad;
  }
  return o;
}

/**
 * Builds a packet. With `out` (a reusable send buffer) writes into it and returns a view of
 * the written part; without, allocates exactly.
 */
export function writeRtp(header: RtpHeader, payload: Uint8Array, out?: Uint8Array): Uint8Array {
  const buf = out ?? new Uint8Array(rtpLength(header, payload.length));
  const end = writeRtpInto(header, payload, buf, 0);
  return end === buf.length ? buf : buf.subarray(0, end);
}

/** Parses one packet; null when it is not valid RTP. Never throws. */
export function readRtp(bytes: Uint8Array): RtpPacket | null {
  const len = bytes.length;
  if (len < 12) return null;
  const b0 = bytes[0]!;
  if (b0 >> 6 !== RTP_VERSION) return null;
  const cc = b0 & 15;
  let off = 12 + cc * 4;
  if (off > len) return null;
  let csrc = NO_CSRC;
  if (cc > 0) {
    const list: number[] = [];
    for (let o = 12; o < off; o += 4) list.push(u32(bytes, o));
    csrc = list;
  }
  let extension: RtpExtension | null = null;
  if (b0 & 0x10) {
    if (off + 4 > len) return null;
    const bytesLen = ((bytes[off + 2]! << 8) | bytes[off + 3]!) * 4;
    if (off + 4 + bytesLen > len) return null;
    extension = { profile: (bytes[off]! << 8) | bytes[off + 1]!, data: bytes.subarray(off + 4, off + 4 + bytesLen) };
    off += 4 + bytesLen;
  }
  let end = len;
  let padding = 0;
  if (b0 & 0x20) {
    padding = bytes[len - 1]!;
    if (padding === 0 || padding > len - off) return null;
    end = len - padding;
  }
  const b1 = bytes[1]!;
  return {
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequence: (bytes[2]! << 8) | bytes[3]!,
    timestamp: u32(bytes, 4),
    ssrc: u32(bytes, 8),
    csrc,
    extension,
    padding,
    payload: bytes.subarray(off, end),
  };
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

// ---- byte strings (what the HAL's udp events and udpSend carry) -------------------------

function s32(s: string, o: number): number {
  return (
    (((s.charCodeAt(o) & 0xff) << 24) |
      ((s.charCodeAt(o + 1) & 0xff) << 16) |
      ((s.charCodeAt(o + 2) & 0xff) << 8) |
      (s.charCodeAt(o + 3) & 0xff)) >>>
    0
  );
}

/**
 * Parses a packet from a byte string (a udp event's data) with the same rules as readRtp.
 * The header is read from the string directly; only the payload (and extension) become
 * Uint8Arrays, copied once.
 */
export function readRtpBinary(bin: string): RtpPacket | null {
  const len = bin.length;
  if (len < 12) return null;
  const b0 = bin.charCodeAt(0) & 0xff;
  if (b0 >> 6 !== RTP_VERSION) return null;
  const cc = b0 & 15;
  let off = 12 + cc * 4;
  if (off > len) return null;
  let csrc = NO_CSRC;
  if (cc > 0) {
    const list: number[] = [];
    for (let o = 12; o < off; o += 4) list.push(s32(bin, o));
    csrc = list;
  }
  let extension: RtpExtension | null = null;
  if (b0 & 0x10) {
    if (off + 4 > len) return null;
    const bytesLen = (((bin.charCodeAt(off + 2) & 0xff) << 8) | (bin.charCodeAt(off + 3) & 0xff)) * 4;
    if (off + 4 + bytesLen > len) return null;
    const profile = ((bin.charCodeAt(off) & 0xff) << 8) | (bin.charCodeAt(off + 1) & 0xff);
    extension = { profile, data: copyBytes(bin, off + 4, off + 4 + bytesLen) };
    off += 4 + bytesLen;
  }
  let end = len;
  let padding = 0;
  if (b0 & 0x20) {
    padding = bin.charCodeAt(len - 1) & 0xff;
    if (padding === 0 || padding > len - off) return null;
    end = len - padding;
  }
  const b1 = bin.charCodeAt(1) & 0xff;
  return {
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequence: ((bin.charCodeAt(2) & 0xff) << 8) | (bin.charCodeAt(3) & 0xff),
    timestamp: s32(bin, 4),
    ssrc: s32(bin, 8),
    csrc,
    extension,
    padding,
    payload: copyBytes(bin, off, end),
  };
}

function copyBytes(bin: string, start: number, end: number): Uint8Array {
  const known = recallOctets(bin); // a packet the HAL just delivered: copy natively
  if (known !== null) return known.slice(start, end);
  const out = new Uint8Array(end - start);
  for (let i = start, j = 0; i < end; i++, j++) out[j] = bin.charCodeAt(i);
  return out;
}

// One send buffer for writeRtpBinary: the string copies the octets, so reuse is safe.
let sendBuffer = new Uint8Array(1500);

/** Builds a packet as a byte string for NetHal.udpSend. */
export function writeRtpBinary(header: RtpHeader, payload: Uint8Array): string {
  const total = rtpLength(header, payload.length);
  if (sendBuffer.length < total) sendBuffer = new Uint8Array(total);
  const end = writeRtpInto(header, payload, sendBuffer, 0);
  return octetsToBinary(sendBuffer.subarray(0, end));
}
