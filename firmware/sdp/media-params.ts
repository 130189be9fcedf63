// The outcome of an offer/answer exchange, in the shape the RTP code needs.
import type { Direction } from './types.ts';

/** Everything needed to run one RTP stream of a call. */
export interface CallMediaParameters {
  /** m= media type, e.g. "audio". */
  mediaType: string;
  /** Encoding name of the codec to send, e.g. "PCMU". */
  codecName: string;
  /** Payload type to put in the RTP packets we send (the answer's number). */
  payloadType: number;
  clockRate: number;
  channels: number;
  /** fmtp parameters of the chosen codec in the answer, or null. */
  fmtp: string | null;
  /** Packetization for what we send, in ms: the peer's ptime, else ours, else 20. */
  ptime: number;
  remoteAddress: string;
  remotePort: number;
  /** From a=rtcp (RFC 3605) when present, else the RTP address and port + 1 (null when that is past 65535). */
  remoteRtcpAddress: string;
  remoteRtcpPort: number | null;
  /** Direction from our side: sendonly means we send and do not expect media. */
  direction: Direction;
  /** True when the peer has put us on hold (sendonly, inactive or c=0.0.0.0). */
  remoteHold: boolean;
  /** telephone-event payload type to send DTMF with (RFC 4733), or null. */
  dtmfPayloadType: number | null;
}

export interface RejectedStream {
  index: number;
  mediaType: string;
  rejected: true;
}

export interface AcceptedStream {
  index: number;
  mediaType: string;
  rejected: false;
  parameters: CallMediaParameters;
}

export type NegotiatedStream = RejectedStream | AcceptedStream;

export interface NegotiationResult {
  /** One entry per m= line, in order. */
  streams: NegotiatedStream[];
  /** The first accepted audio stream: what a phone call uses. */
  audio: CallMediaParameters | null;
}
