// The codecs the phone has: one table that the board and provisioning validators, the SDP offer
// and answer, and the media path all read, so adding a codec is one entry here (and its
// algorithms in a module of its own, as g711.ts holds G.711's).
import { decodeAlaw, decodeUlaw, encodeAlaw, encodeAlawBinary, encodeUlaw, encodeUlawBinary } from './g711.ts';

/** A codec as SDP and RTP name it. */
export interface CodecInfo {
  /** Encoding name as in rtpmap, and as board configs and provisioning files list it. */
  readonly name: string;
  /** Static (0-95) or dynamic (96-127) RTP payload type we offer it with. */
  readonly payloadType: number;
  readonly clockRate: number;
  /** Audio channels; 1 when omitted. */
  readonly channels?: number;
  /** fmtp parameters we offer, e.g. "0-16" for telephone-event. */
  readonly fmtp?: string;
}

/** A voice codec: what the media path encodes the microphone with and decodes the peer with. */
export interface AudioCodec extends CodecInfo {
  /** Returns the offset after the last octet written. */
  encode(pcm: Int16Array, out: Uint8Array, offset?: number): number;
  /** Encodes a 16-bit LE byte string (a HAL audio frame) directly. */
  encodeBinary(bin: string, out: Uint8Array, offset?: number): number;
  /** Returns the number of samples written. */
  decode(data: Uint8Array, out: Int16Array): number;
}

export const PCMU = {
  name: 'PCMU',
  payloadType: 0,
  clockRate: 8000,
  encode: encodeUlaw,
  encodeBinary: encodeUlawBinary,
  decode: decodeUlaw,
} as const satisfies AudioCodec;

export const PCMA = {
  name: 'PCMA',
  payloadType: 8,
  clockRate: 8000,
  encode: encodeAlaw,
  encodeBinary: encodeAlawBinary,
  decode: decodeAlaw,
} as const satisfies AudioCodec;

/** DTMF as RTP events (RFC 4733): negotiated beside a voice codec, never instead of one. */
export const TELEPHONE_EVENT = {
  name: 'telephone-event',
  payloadType: 101,
  clockRate: 8000,
  fmtp: '0-16',
} as const satisfies CodecInfo;

/** The voice codecs, in the default order of preference. */
const AUDIO_CODECS: readonly AudioCodec[] = [PCMU, PCMA];
const ALL = [PCMU, PCMA, TELEPHONE_EVENT] as const;

export type CodecName = (typeof ALL)[number]['name'];

/** Every codec name a board config or provisioning file may list. */
export const CODEC_NAMES: readonly CodecName[] = ALL.map((c) => c.name);
/** The names of the voice codecs (a codec list needs at least one). */
export const AUDIO_CODEC_NAMES: readonly CodecName[] = AUDIO_CODECS.map((c) => c.name as CodecName);

/** The codec a config names (exactly as listed in CODEC_NAMES); null when unknown. */
export function codecNamed(name: string): CodecInfo | null {
  for (const codec of ALL) if (codec.name === name) return codec;
  return null;
}

/** The voice codec for an SDP encoding name (case-insensitive, as rtpmap names are); null if none. */
export function codecFor(name: string): AudioCodec | null {
  const upper = name.toUpperCase();
  for (const codec of AUDIO_CODECS) if (codec.name.toUpperCase() === upper) return codec;
  return null;
}

/** The voice codec for an RTP payload type we offer; null otherwise. */
export function codecForPayloadType(payloadType: number): AudioCodec | null {
  for (const codec of AUDIO_CODECS) if (codec.payloadType === payloadType) return codec;
  return null;
}
