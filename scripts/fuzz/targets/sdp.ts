// SDP target: what MediaSession does with a peer's SDP (answer an offer, take an answer),
// plus every accessor and a serialize/reparse round trip. Only SdpParseError and
// SdpNegotiationError are refusals; anything else is a crash.

import { createAnswer, createOffer, parseSdp, serializeSdp } from '../../../firmware/sdp/index.ts';
import {
  applyAnswer, applyOwnAnswer, cloneSession, describeFormats, getConnection, getDirection, getFmtp, getMaxptime,
  getPtime, getRtcp, getRtpmaps, getTelephoneEvent, isHold, isNullConnection,
} from '../../../firmware/sdp/index.ts';
import type { Codec, SdpSession } from '../../../firmware/sdp/index.ts';
import { DEFAULT_SDP_LIMITS } from '../../../firmware/sdp/limits.ts';
import { decodeUtf8 } from '../../../firmware/util/utf8.ts';
import type { Outcome } from '../protocol.ts';
import { InvariantError, allowSdpError, invariant } from './checks.ts';

/** The phone's codecs, as the firmware configures them. */
const PHONE_CODECS: Codec[] = [
  { name: 'PCMU', clockRate: 8000, payloadType: 0 },
  { name: 'PCMA', clockRate: 8000, payloadType: 8 },
  { name: 'telephone-event', clockRate: 8000, payloadType: 101, fmtp: '0-16' },
];
const LOCAL = { address: '192.0.2.10', port: 40000, sessionId: '3724394400', username: 'quip', ptime: 20 };

let ourOffer: SdpSession | null = null;

/** A datagram body: the UA hands SDP over as bodyText(), i.e. UTF-8 decoded. */
export function fuzzSdp(input: string): Outcome {
  return fuzzSdpText(decodeUtf8(input));
}

export function fuzzSdpText(text: string): Outcome {
  let session: SdpSession;
  try {
    session = parseSdp(text);
  } catch (e) {
    allowSdpError(e);
    return 'rejected';
  }
  touch(session);
  roundTrip(session);
  answerOffer(session);
  takeAnswer(session);
  return 'accepted';
}

function touch(s: SdpSession): void {
  isHold(s);
  for (const m of s.media) {
    getDirection(s, m);
    isHold(s, m);
    isNullConnection(getConnection(s, m));
    describeFormats(m);
    getRtpmaps(m);
    getPtime(m, s);
    getMaxptime(m, s);
    getRtcp(m);
    getTelephoneEvent(m, 8000);
    for (const f of m.formats) getFmtp(m, f);
  }
}

/** What we write about a session we accepted must read back, and write the same again. */
function roundTrip(s: SdpSession): void {
  const text = serializeSdp(s);
  invariant(serializeSdp(cloneSession(s)) === text, 'cloneSession changed the serialized SDP');
  if (text.length > DEFAULT_SDP_LIMITS.maxLength) return;
  const again = reparse(text, 'serializeSdp output');
  invariant(serializeSdp(again) === text, 'serialize(parse(serialize(s))) differs from serialize(s)');
}

/** MediaSession.answer(): createAnswer, then our own check of that answer. */
function answerOffer(offer: SdpSession): void {
  let answer: SdpSession;
  try {
    answer = createAnswer(offer, PHONE_CODECS, { ...LOCAL, direction: 'sendrecv' });
  } catch (e) {
    allowSdpError(e);
    return;
  }
  const text = serializeSdp(answer);
  reparse(text, 'our answer');
  try {
    applyOwnAnswer(offer, answer);
  } catch (e) {
    throw new InvariantError(`applyOwnAnswer rejects the answer createAnswer made: ${allowSdpError(e).message}`);
  }
}

/** MediaSession.answered(): the session as the peer's answer to our offer. */
function takeAnswer(answer: SdpSession): void {
  ourOffer ??= createOffer({ codecs: PHONE_CODECS, ...LOCAL });
  try {
    applyAnswer(ourOffer, answer);
  } catch (e) {
    allowSdpError(e);
  }
}

function reparse(text: string, what: string): SdpSession {
  try {
    return parseSdp(text);
  } catch (e) {
    throw new InvariantError(`${what} does not parse: ${allowSdpError(e).message}`);
  }
}
