// JsSIP 3.13 message parser, bundled into QuickJS. Parser.parseMessage(data, ua) is what JsSIP's
// transport calls on every received packet; the UA is only stored on incoming requests, so none is
// needed. Its `debug` logging dependency is replaced by ../shims/debug.ts at bundle time.
import { parseMessage } from 'jssip/lib/Parser.js';
import { defineBench } from '../vm/harness.ts';
import type { Adapter } from '../vm/harness.ts';
import { readCommonMatched, referToOf } from './peer-matched.ts';
import { takeLastWarning } from '../shims/debug.ts';

interface JsSipMessage {
  via_branch: string | null;
  call_id: string | null;
  from_tag: string | null;
  to_tag: string | null;
  cseq: number | null;
  session_expires?: number;
  session_expires_refresher?: string;
  event?: { event: string };
  getHeaders(name: string): string[];
  parseHeader(name: string, idx?: number): unknown;
}

export const adapter: Adapter<JsSipMessage> = {
  parse(input) {
    takeLastWarning();
    const msg = parseMessage(input, undefined) as JsSipMessage | undefined;
    if (!msg) throw new Error(`JsSIP rejected the message: ${takeLastWarning() || 'no reason given'}`);
    return msg;
  },
  readKeys(msg, out) {
    // CSeq is parsed (and cached) during parseMessage; parseHeader returns the cached object.
    const cseq = msg.parseHeader('cseq') as { value: number; method: string } | undefined;
    out.branch = msg.via_branch;
    out.cseq_seq = cseq ? cseq.value : null;
    out.cseq_method = cseq ? cseq.method : null;
    out.call_id = msg.call_id;
    out.from_tag = msg.from_tag;
    out.to_tag = msg.to_tag;
  },
  // What parseMessage parses eagerly: SIP.js's set plus Session-Expires, Event (and Replaces,
  // which the workload does not carry).
  matchedFields: [
    'contacts', 'record_routes', 'content_type', 'content_length', 'max_forwards', 'challenge',
    'session_expires', 'session_refresher', 'event', 'refer_to',
  ],
  readMatched(msg, out) {
    readCommonMatched(msg, out);
    out.session_expires = msg.session_expires ?? null;
    out.session_refresher = msg.session_expires_refresher ?? null;
    out.event = msg.event ? msg.event.event : null;
    out.refer_to = referToOf(msg);
  },
  // No validate mode: every header it can parse is parsed already. No serializer:
  // IncomingMessage.toString() returns the received text verbatim.
};

export const bench = defineBench(adapter);
