// quip's own SIP parser (firmware/sip), bundled into QuickJS like the firmware image. Input is the
// message's octets as a binary string, as the phone's transport hands them over. Header values are
// parsed lazily, so reading the keys (and, in matched mode, the typed views of every header the
// peers parse eagerly) is part of the measured work.
import { parseMessage, serializeMessage } from '../../../firmware/sip/index.ts';
import type { Credentials, SipMessage } from '../../../firmware/sip/index.ts';
import { defineBench } from '../vm/harness.ts';
import type { Adapter, Matched } from '../vm/harness.ts';

function challengeOf(c: Credentials | undefined): Matched['challenge'] {
  if (c === undefined) return null;
  const p = c.params;
  return { realm: p.get('realm') ?? null, nonce: p.get('nonce') ?? null, algorithm: p.get('algorithm') ?? null };
}

export const adapter: Adapter<SipMessage> = {
  parse(input) {
    return parseMessage(input);
  },
  readKeys(msg, out) {
    const via = msg.topVia();
    const cseq = msg.cseq();
    out.branch = via ? via.branch : null;
    out.cseq_seq = cseq ? cseq.seq : null;
    out.cseq_method = cseq ? cseq.method : null;
    out.call_id = msg.callId() ?? null;
    out.from_tag = msg.from()?.tag ?? null;
    out.to_tag = msg.to()?.tag ?? null;
  },
  matchedFields: [
    'contacts', 'record_routes', 'content_type', 'content_length', 'max_forwards', 'challenge',
    'session_expires', 'session_refresher', 'event', 'refer_to',
  ],
  readMatched(msg, out) {
    for (const c of msg.contacts()) out.contacts.push({ uri: c.uriText, expires: c.expires });
    for (const r of msg.recordRoutes()) out.record_routes.push(r.uriText);
    const ct = msg.contentType();
    out.content_type = ct ? ct.type + '/' + ct.subtype : null;
    out.content_length = msg.contentLength() ?? null;
    out.max_forwards = msg.maxForwards() ?? null;
    out.challenge = challengeOf(msg.auth('WWW-Authenticate')[0] ?? msg.auth('Proxy-Authenticate')[0]);
    const se = msg.sessionExpires();
    out.session_expires = se ? se.delta : null;
    out.session_refresher = se ? se.refresher : null;
    out.event = msg.event()?.event ?? null;
    out.refer_to = msg.referTo()?.uriText ?? null;
  },
  validate(msg) {
    msg.validate();
  },
  serialize(msg) {
    return serializeMessage(msg);
  },
};

export const bench = defineBench(adapter);
