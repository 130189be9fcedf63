// Answers (RFC 3264 §6): one m= line per offered stream, in the same order.
// The phone has one RTP port, so it accepts the first usable audio stream and
// rejects everything else with port 0.
import type { Direction, SdpMedia, SdpSession } from './types.ts';
import type { Codec, MediaFormat } from './codecs.ts';
import type { LocalMediaOptions } from './build.ts';
import { audioMedia, checkCodecs, checkLocalOptions, emptyMedia, newSession } from './build.ts';
import { describeFormats, findLocalCodec, isComfortNoise, isStaticPayloadType, isTelephoneEvent, sameEncoding } from './codecs.ts';
import { getDirection, intersectDirections, reverseDirection, withoutReceive } from './direction.ts';
import { getConnection, isNullConnection } from './hold.ts';
import { DEFAULT_EVENTS, intersectEvents } from './telephone-event.ts';

export type AnswerOptions = LocalMediaOptions;

/** True when the stream is RTP audio we could take part in. */
function isUsableAudio(offer: SdpSession, media: SdpMedia): boolean {
  return (
    media.port !== 0 &&
    media.type === 'audio' &&
    media.protocol.toUpperCase() === 'RTP/AVP' &&
    getConnection(offer, media) !== null
  );
}

/**
 * Offered formats we support, in the offerer's order and with the offerer's
 * payload type numbers. Empty when there is no voice codec among them.
 */
function commonFormats(offered: MediaFormat[], local: readonly Codec[]): MediaFormat[] {
  const result: MediaFormat[] = [];
  let hasVoice = false;
  for (const format of offered) {
    if (result.some((f) => f.payloadType === format.payloadType)) continue; // listed twice
    if (isTelephoneEvent(format.name)) {
      const ours = local.find((c) => sameEncoding(format, c));
      const events = ours ? intersectEvents(format.fmtp ?? DEFAULT_EVENTS, ours.fmtp ?? DEFAULT_EVENTS) : null;
      if (events !== null) result.push({ ...format, fmtp: events });
      continue;
    }
    const ours = findLocalCodec(format, local);
    if (!ours) continue;
    // Static types matched by number are described as we know them; dynamic
    // ones matched by name keep the offerer's spelling. fmtp is what we support.
    const described = isStaticPayloadType(format.payloadType) ? { name: ours.name, clockRate: ours.clockRate } : {};
    result.push({ ...format, ...described, fmtp: ours.fmtp ?? null });
    if (!isComfortNoise(ours.name)) hasVoice = true;
  }
  return hasVoice ? result : [];
}

/** Our direction for an offered stream: the mirror of theirs, limited by what we want. */
function answerDirection(offer: SdpSession, media: SdpMedia, wanted: Direction): Direction {
  let theirs = getDirection(offer, media);
  // c=0.0.0.0 (RFC 2543 hold): the offerer cannot receive, whatever it says.
  if (isNullConnection(getConnection(offer, media))) theirs = withoutReceive(theirs);
  return intersectDirections(reverseDirection(theirs), wanted);
}

/** Port 0 keeps the stream's place in the answer (RFC 3264 §6). */
function rejectedMedia(offered: SdpMedia): SdpMedia {
  return emptyMedia(offered.type, 0, offered.protocol, offered.formats.slice());
}

export function createAnswer(
  remoteOffer: SdpSession,
  localCodecs: readonly Codec[],
  options: AnswerOptions,
): SdpSession {
  checkLocalOptions(options);
  checkCodecs(localCodecs);
  const answer = newSession(options);
  // RFC 3264 §6: the answer's t= line must equal the offer's.
  if (remoteOffer.timings.length > 0) {
    answer.timings = remoteOffer.timings.map((t) => ({ start: t.start, stop: t.stop, repeats: [] }));
  }
  let accepted = false;
  for (const offered of remoteOffer.media) {
    const formats = !accepted && isUsableAudio(remoteOffer, offered) ? commonFormats(describeFormats(offered), localCodecs) : [];
    if (formats.length === 0) {
      answer.media.push(rejectedMedia(offered));
      continue;
    }
    accepted = true;
    const direction = answerDirection(remoteOffer, offered, options.direction ?? 'sendrecv');
    answer.media.push(audioMedia(options.port, formats, options, direction));
  }
  return answer;
}
