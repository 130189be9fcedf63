// SIP target: what SipTransport.receive does with a datagram (parse, validate, problems,
// a stateless 400 for a malformed request, received/rport), then every typed header view,
// the digest answer to a challenge, bodies the UA reads, and a serialize/reparse round trip.
// SipParseError is the one refusal; any other exception, or broken self-consistency, is a bug.

import type { AuthHeaderName, SipMessage } from '../../../firmware/sip/message.ts';
import type { SipParseError } from '../../../firmware/sip/errors.ts';
import { parseMessage } from '../../../firmware/sip/parser.ts';
import { serializeMessage } from '../../../firmware/sip/serializer.ts';
import { createResponse } from '../../../firmware/sip/response.ts';
import { MAX_MESSAGE_BYTES } from '../../../firmware/sip/limits.ts';
import { responseDestination, stampVia } from '../../../firmware/sip/transport/via-stamp.ts';
import type { Peer } from '../../../firmware/sip/transport/peer.ts';
import type { Outcome } from '../protocol.ts';
import { allowSipError, invariant, trySip } from './checks.ts';
import { checkAddress, checkUri, checkVia } from './sip-views.ts';
import { answerChallenges, checkCredentialsOf } from './sip-digest.ts';
import { readBodies } from './sip-bodies.ts';
import { readReferTo } from '../../../firmware/ua/transfer.ts';

const UDP_PEER: Peer = { transport: 'udp', address: '198.51.100.9', port: 5062 };
const AUTH_HEADERS: readonly AuthHeaderName[] = ['WWW-Authenticate', 'Proxy-Authenticate', 'Authorization', 'Proxy-Authorization'];

export function fuzzSip(input: string): Outcome {
  return receiveSip(input, UDP_PEER);
}

export function receiveSip(bin: string, peer: Peer): Outcome {
  let msg: SipMessage;
  try {
    msg = parseMessage(bin);
  } catch (e) {
    answerMalformed(allowSipError(e), peer);
    return 'rejected';
  }
  touchViews(msg);
  try {
    msg.validate();
  } catch (e) {
    const err = allowSipError(e);
    if (err.partial === undefined) {
      err.partial = msg; // as the transport does: the rest is usable for the 400
      if (msg.kind === 'response') err.status = 0;
    }
    answerMalformed(err, peer);
    return 'rejected';
  }
  msg.problems();
  roundTrip(msg);
  answerChallenges(msg);
  checkCredentialsOf(msg);
  readBodies(msg);
  if (msg.kind === 'request') answerRequest(msg, peer);
  return 'accepted';
}

/** Every lazy view, each on its own so one bad header does not hide the others. */
const VIEWS: ReadonlyArray<(m: SipMessage) => unknown> = [
  (m) => m.vias().forEach(checkVia),
  (m) => m.topVia(),
  (m) => checkAddress(m.from(), 'From'),
  (m) => checkAddress(m.to(), 'To'),
  (m) => m.callId(),
  (m) => m.cseq(),
  (m) => m.maxForwards(),
  (m) => m.expires(),
  (m) => m.minExpires(),
  (m) => m.contentLength(),
  (m) => m.rseq(),
  (m) => m.retryAfter(),
  (m) => m.rack(),
  (m) => m.date(),
  (m) => m.contacts().forEach((c) => checkAddress(c, 'Contact')),
  (m) => m.contactIsWildcard(),
  (m) => m.routes().forEach((r) => checkAddress(r, 'Route')),
  (m) => m.recordRoutes().forEach((r) => checkAddress(r, 'Record-Route')),
  (m) => m.contentType(),
  // Credentials are only parsed here: the firmware formats just the ones it builds itself
  // (see sip-digest.ts), and formatCredentials writes qop/algorithm/nc/stale unquoted.
  ...AUTH_HEADERS.map((name) => (m: SipMessage) => m.auth(name)),
  (m) => m.allow(),
  (m) => m.supported(),
  (m) => m.require(),
  (m) => m.proxyRequire(),
  (m) => m.unsupported(),
  (m) => m.event(),
  (m) => m.subscriptionState(),
  // REFER's target as the transferee reads it (never throws): what it calls must round-trip.
  (m) => {
    const target = readReferTo(m);
    if ('uri' in target) checkUri(target.uri, 'Refer-To');
  },
  (m) => (m.kind === 'request' ? checkUri(m.requestUri(), 'Request-URI') : undefined),
  (m) => m.bodyText(),
  (m) => {
    for (const h of m.headers) {
      m.count(h.name);
      m.getAll(h.name);
    }
  },
];

function touchViews(msg: SipMessage): void {
  for (const view of VIEWS) trySip(() => view(msg));
}

/** SipTransport.answerBadRequest: a stateless 400/505/513 when enough of the request parsed. */
function answerMalformed(e: SipParseError, peer: Peer): void {
  const req = e.partial;
  if (e.status === 0 || req === undefined || req.kind !== 'request' || req.method === 'ACK') return;
  if (req.get('Via') === undefined || req.get('CSeq') === undefined) return;
  const res = createResponse(req, e.status, e.reason);
  trySip(() => stampVia(res, peer));
  trySip(() => responseDestination(res, peer));
  const wire = serializeMessage(res);
  trySip(() => parseMessage(wire));
}

/** A request that passed: received/rport, then a 200 that must parse like any response. */
function answerRequest(req: SipMessage, peer: Peer): void {
  stampVia(req, peer);
  const res = createResponse(req, 200, undefined, 'fz1');
  responseDestination(res, peer);
  const wire = serializeMessage(res);
  if (wire.length > MAX_MESSAGE_BYTES) return;
  try {
    parseMessage(wire).validate();
  } catch (e) {
    invariant(false, `our 200 to an accepted request does not parse: ${allowSipError(e).message}`);
  }
}

/** An accepted message serializes to octets that parse to the same message. */
function roundTrip(msg: SipMessage): void {
  for (const compact of [false, true]) {
    const wire = serializeMessage(msg, { compact });
    if (wire.length > MAX_MESSAGE_BYTES) continue;
    let again: SipMessage;
    try {
      again = parseMessage(wire);
    } catch (e) {
      invariant(false, `serialized message does not reparse${compact ? ' (compact)' : ''}: ${allowSipError(e).message}`);
      return;
    }
    invariant(sameMessage(msg, again), `reparsed message differs${compact ? ' (compact)' : ''}`);
  }
}

function sameMessage(a: SipMessage, b: SipMessage): boolean {
  if (a.kind !== b.kind || a.method !== b.method || a.uri !== b.uri || a.status !== b.status) return false;
  if (a.reason !== b.reason || a.body !== b.body) return false;
  const ha = a.headers.filter((h) => h.name !== 'Content-Length');
  const hb = b.headers.filter((h) => h.name !== 'Content-Length');
  return ha.length === hb.length && ha.every((h, i) => h.name === hb[i]!.name && h.value === hb[i]!.value);
}
