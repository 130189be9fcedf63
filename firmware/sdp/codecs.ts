// Codecs and RTP payload types: the codec shape offers and answers take (the phone's
// own list is firmware/codec/registry.ts), the static payload types of RFC 3551 §6,
// and resolving an m= line's formats to codecs.
import type { SdpMedia } from './types.ts';
import type { SdpRtpmap } from './attributes.ts';
import { getFmtp, getRtpmaps } from './attributes.ts';
import { parseUint } from './text.ts';

/** A codec the phone can use, as given to createOffer/createAnswer. */
export interface Codec {
  /** Encoding name as in rtpmap: "PCMU", "PCMA", "G722", "telephone-event", ... */
  name: string;
  clockRate: number;
  /** Static (0-95) or dynamic (96-127) RTP payload type. */
  payloadType: number;
  /** Audio channels; 1 when omitted. */
  channels?: number;
  /** fmtp parameters, e.g. "0-16" for telephone-event. */
  fmtp?: string;
}

/** One format of an m= line, resolved through its rtpmap or the static table. */
export interface MediaFormat {
  payloadType: number;
  name: string;
  clockRate: number;
  channels: number;
  fmtp: string | null;
}

// RFC 3551 §6 static assignments: payload type -> "name/clock rate[/channels]".
const STATIC_PAYLOAD_TYPES: Record<number, string> = {
  0: 'PCMU/8000',
  3: 'GSM/8000',
  4: 'G723/8000',
  5: 'DVI4/8000',
  6: 'DVI4/16000',
  7: 'LPC/8000',
  8: 'PCMA/8000',
  9: 'G722/8000',
  10: 'L16/44100/2',
  11: 'L16/44100',
  12: 'QCELP/8000',
  13: 'CN/8000',
  14: 'MPA/90000',
  15: 'G728/8000',
  16: 'DVI4/11025',
  17: 'DVI4/22050',
  18: 'G729/8000',
  25: 'CelB/90000',
  26: 'JPEG/90000',
  28: 'nv/90000',
  31: 'H261/90000',
  32: 'MPV/90000',
  33: 'MP2T/90000',
  34: 'H263/90000',
};

/** True for payload types with a fixed meaning (RFC 3551): these match by number. */
export function isStaticPayloadType(payloadType: number): boolean {
  return STATIC_PAYLOAD_TYPES[payloadType] !== undefined;
}

export function isTelephoneEvent(name: string): boolean {
  return name.toLowerCase() === 'telephone-event';
}

/** Comfort noise (RFC 3389): negotiated alongside a voice codec, never as one. */
export function isComfortNoise(name: string): boolean {
  return name.toUpperCase() === 'CN';
}

/** Same encoding: name (case-insensitive), clock rate and channel count. */
export function sameEncoding(a: MediaFormat, b: Codec | MediaFormat): boolean {
  return (
    a.clockRate === b.clockRate &&
    a.channels === (b.channels ?? 1) &&
    a.name.toLowerCase() === b.name.toLowerCase()
  );
}

function fromRtpmap(media: SdpMedia, rtpmap: SdpRtpmap): MediaFormat {
  return {
    payloadType: rtpmap.payloadType,
    name: rtpmap.encodingName,
    clockRate: rtpmap.clockRate,
    channels: rtpmap.channels ?? 1,
    fmtp: getFmtp(media, String(rtpmap.payloadType)),
  };
}

function fromStaticTable(media: SdpMedia, payloadType: number): MediaFormat | null {
  const entry = STATIC_PAYLOAD_TYPES[payloadType];
  if (entry === undefined) return null;
  const parts = entry.split('/');
  return {
    payloadType,
    name: parts[0],
    clockRate: Number(parts[1]),
    channels: parts.length > 2 ? Number(parts[2]) : 1,
    fmtp: getFmtp(media, String(payloadType)),
  };
}

/** Resolves one RTP payload type of a media section; null when unknown. */
export function describeFormat(media: SdpMedia, payloadType: number): MediaFormat | null {
  for (const rtpmap of getRtpmaps(media)) {
    if (rtpmap.payloadType === payloadType) return fromRtpmap(media, rtpmap);
  }
  return fromStaticTable(media, payloadType);
}

/**
 * The RTP formats of a media section in m= order. Formats that are not payload
 * type numbers, or dynamic ones without an rtpmap, are skipped.
 */
export function describeFormats(media: SdpMedia): MediaFormat[] {
  const rtpmaps = getRtpmaps(media);
  const result: MediaFormat[] = [];
  for (const format of media.formats) {
    const payloadType = parseUint(format, 127);
    if (payloadType < 0) continue;
    let described: MediaFormat | null = null;
    for (const rtpmap of rtpmaps) {
      if (rtpmap.payloadType === payloadType) {
        described = fromRtpmap(media, rtpmap);
        break;
      }
    }
    if (described === null) described = fromStaticTable(media, payloadType);
    if (described) result.push(described);
  }
  return result;
}

/**
 * The local codec matching an offered format: static payload types match by
 * number, dynamic ones by encoding name, clock rate and channels.
 */
export function findLocalCodec(format: MediaFormat, codecs: readonly Codec[]): Codec | null {
  const byNumber = isStaticPayloadType(format.payloadType);
  for (const codec of codecs) {
    if (byNumber ? codec.payloadType === format.payloadType : sameEncoding(format, codec)) return codec;
  }
  return null;
}
