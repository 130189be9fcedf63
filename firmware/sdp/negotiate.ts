// Checking an answer against its offer (RFC 3264 §6, §7) and turning the pair
// into call media parameters. The same rules serve both sides of the exchange:
// the codec comes from the answer, the address from the peer's SDP.
import type { SdpMedia, SdpSession } from './types.ts';
import type { MediaFormat } from './codecs.ts';
import type { CallMediaParameters, NegotiatedStream, NegotiationResult } from './media-params.ts';
import { describeFormat, describeFormats, isComfortNoise, isStaticPayloadType, isTelephoneEvent, sameEncoding } from './codecs.ts';
import { getPtime, getRtcp } from './attributes.ts';
import { getDirection, intersectDirections, reverseDirection, withoutSend } from './direction.ts';
import { getConnection, isHold, isNullConnection } from './hold.ts';
import { SdpNegotiationError } from './errors.ts';
import { excerpt, parseUint } from './text.ts';

/** Default packetization when neither side states one (RFC 3551 §4.5). */
const DEFAULT_PTIME = 20;

/** The answer's formats, each checked to have been offered (§6.1). */
function answeredFormats(offered: SdpMedia, answered: SdpMedia, index: number): MediaFormat[] {
  const offeredFormats = describeFormats(offered);
  const result: MediaFormat[] = [];
  for (const text of answered.formats) {
    const payloadType = parseUint(text, 127);
    if (payloadType < 0) throw new SdpNegotiationError(`format ${excerpt(text)} is not an RTP payload type`, index);
    // An answer SHOULD repeat the rtpmap; when it doesn't, the offer's mapping applies.
    const format = describeFormat(answered, payloadType) ?? describeFormat(offered, payloadType);
    if (!format) throw new SdpNegotiationError(`payload type ${payloadType} has no rtpmap`, index);
    const byNumber = isStaticPayloadType(payloadType);
    const wasOffered = offeredFormats.some((f) => (byNumber ? f.payloadType === payloadType : sameEncoding(f, format)));
    if (!wasOffered) throw new SdpNegotiationError(`${format.name}/${format.clockRate} (payload type ${payloadType}) was not offered`, index);
    result.push(format);
  }
  return result;
}

function streamParameters(
  offer: SdpSession,
  offered: SdpMedia,
  answer: SdpSession,
  answered: SdpMedia,
  weOffered: boolean,
  index: number,
): CallMediaParameters {
  const formats = answeredFormats(offered, answered, index);
  const codec = formats.find((f) => !isTelephoneEvent(f.name) && !isComfortNoise(f.name));
  if (!codec) throw new SdpNegotiationError('answer has no voice codec', index);
  const events = formats.filter((f) => isTelephoneEvent(f.name));
  const dtmf = events.find((f) => f.clockRate === codec.clockRate) ?? events[0];

  const ourSession = weOffered ? offer : answer;
  const ourMedia = weOffered ? offered : answered;
  const theirSession = weOffered ? answer : offer;
  const theirMedia = weOffered ? answered : offered;
  const connection = getConnection(theirSession, theirMedia);
  if (!connection) throw new SdpNegotiationError('no c= line for the stream', index);

  let direction = intersectDirections(
    getDirection(ourSession, ourMedia),
    reverseDirection(getDirection(theirSession, theirMedia)),
  );
  if (isNullConnection(connection)) direction = withoutSend(direction);
  const rtcp = getRtcp(theirMedia);

  return {
    mediaType: offered.type,
    codecName: codec.name,
    payloadType: codec.payloadType,
    clockRate: codec.clockRate,
    channels: codec.channels,
    fmtp: codec.fmtp,
    ptime: getPtime(theirMedia, theirSession) ?? getPtime(ourMedia, ourSession) ?? DEFAULT_PTIME,
    remoteAddress: connection.address,
    remotePort: theirMedia.port,
    remoteRtcpAddress: rtcp?.connection?.address ?? connection.address,
    remoteRtcpPort: rtcp?.port ?? (theirMedia.port < 65535 ? theirMedia.port + 1 : null),
    direction,
    remoteHold: isHold(theirSession, theirMedia),
    dtmfPayloadType: dtmf ? dtmf.payloadType : null,
  };
}

function negotiate(offer: SdpSession, answer: SdpSession, weOffered: boolean): NegotiationResult {
  if (answer.media.length !== offer.media.length) {
    throw new SdpNegotiationError(`answer has ${answer.media.length} m= lines, offer has ${offer.media.length}`);
  }
  const streams: NegotiatedStream[] = [];
  let audio: CallMediaParameters | null = null;
  for (let index = 0; index < offer.media.length; index++) {
    const offered = offer.media[index];
    const answered = answer.media[index];
    if (answered.type !== offered.type) {
      throw new SdpNegotiationError(`answer has m=${answered.type} where the offer has m=${offered.type}`, index);
    }
    const mediaType = offered.type;
    // Port 0 on either side: the stream is off. Non-RTP streams are nothing this phone can play.
    if (offered.port === 0 || answered.port === 0 || !offered.protocol.toUpperCase().startsWith('RTP/')) {
      streams.push({ index, mediaType, rejected: true });
      continue;
    }
    if (answered.protocol.toUpperCase() !== offered.protocol.toUpperCase()) {
      throw new SdpNegotiationError(`answer protocol ${answered.protocol} differs from offered ${offered.protocol}`, index);
    }
    const parameters = streamParameters(offer, offered, answer, answered, weOffered, index);
    streams.push({ index, mediaType, rejected: false, parameters });
    if (audio === null && mediaType === 'audio') audio = parameters;
  }
  return { streams, audio };
}

/** Validates the peer's answer to our offer and returns what was agreed. Throws SdpNegotiationError. */
export function applyAnswer(localOffer: SdpSession, remoteAnswer: SdpSession): NegotiationResult {
  return negotiate(localOffer, remoteAnswer, true);
}

/** What was agreed when we answered the peer's offer (e.g. with createAnswer). Throws SdpNegotiationError. */
export function applyOwnAnswer(remoteOffer: SdpSession, localAnswer: SdpSession): NegotiationResult {
  return negotiate(remoteOffer, localAnswer, false);
}
