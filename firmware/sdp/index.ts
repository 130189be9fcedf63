// Public API of the SDP core: parse/serialize (RFC 4566), typed attribute
// access, and the offer/answer model (RFC 3264).
export type {
  Direction,
  SdpAttribute,
  SdpAttributeHolder,
  SdpBandwidth,
  SdpConnection,
  SdpLine,
  SdpMedia,
  SdpOrigin,
  SdpRepeat,
  SdpSession,
  SdpTimeZone,
  SdpTiming,
} from './types.ts';
export { SdpNegotiationError, SdpParseError } from './errors.ts';
export type { SdpLimits } from './limits.ts';
export { DEFAULT_SDP_LIMITS } from './limits.ts';
export { parseSdp } from './parse.ts';
export { serializeSdp } from './serialize.ts';
export { cloneSession } from './clone.ts';

export type { SdpFmtp, SdpRtcp, SdpRtpmap } from './attributes.ts';
export { findAttribute, getFmtp, getMaxptime, getPtime, getRtcp, getRtpmap, getRtpmaps } from './attributes.ts';
export {
  getDirection,
  holdDirection,
  intersectDirections,
  resumeDirection,
  reverseDirection,
  setDirection,
} from './direction.ts';
export { getConnection, isHold, isNullConnection } from './hold.ts';
export type { TelephoneEvent } from './telephone-event.ts';
export { getTelephoneEvent, intersectEvents } from './telephone-event.ts';
export type { Codec, MediaFormat } from './codecs.ts';
export { describeFormats, isStaticPayloadType } from './codecs.ts';

export type { LocalMediaOptions } from './build.ts';
export type { OfferOptions, ReofferChanges } from './offer.ts';
export { createOffer, createReoffer } from './offer.ts';
export type { AnswerOptions } from './answer.ts';
export { createAnswer } from './answer.ts';
export type {
  AcceptedStream,
  CallMediaParameters,
  NegotiatedStream,
  NegotiationResult,
  RejectedStream,
} from './media-params.ts';
export { applyAnswer, applyOwnAnswer } from './negotiate.ts';
export { incrementDecimal } from './text.ts';
