// SIP.js 0.21 message parser, bundled into QuickJS. Parser.parseMessage is the function SIP.js's
// transport layer calls on every received packet; it parses the start line and the headers SIP.js
// cares about (Via, From, To, Call-ID, CSeq, Contact, ...) eagerly, so reading keys afterwards is a
// property lookup. It needs only a logger, stubbed here to remember the last complaint.
import type { Logger } from 'sip.js/lib/core/log/logger.js';
import { Parser } from 'sip.js/lib/core/messages/parser.js';
import type { IncomingRequestMessage } from 'sip.js/lib/core/messages/incoming-request-message.js';
import type { IncomingResponseMessage } from 'sip.js/lib/core/messages/incoming-response-message.js';
import { defineBench } from '../vm/harness.ts';
import type { Adapter } from '../vm/harness.ts';
import { readCommonMatched, referToOf } from './peer-matched.ts';
import type { PeerMessage } from './peer-matched.ts';

type Message = IncomingRequestMessage | IncomingResponseMessage;

let lastComplaint = '';
const remember = (...args: unknown[]): void => {
  lastComplaint = args.map(String).join(' ');
};
const logger = { error: remember, warn: remember, log() {}, debug() {} } as unknown as Logger;

export const adapter: Adapter<Message> = {
  parse(input) {
    lastComplaint = '';
    const msg = Parser.parseMessage(input, logger);
    if (!msg) throw new Error(`SIP.js rejected the message: ${lastComplaint || 'no reason given'}`);
    return msg;
  },
  readKeys(msg, out) {
    // CSeq is parsed (and cached) during parseMessage; parseHeader returns the cached object.
    const cseq = msg.parseHeader('cseq') as { value: number; method: string } | undefined;
    out.branch = msg.viaBranch;
    out.cseq_seq = cseq ? cseq.value : null;
    out.cseq_method = cseq ? cseq.method : null;
    out.call_id = msg.callId;
    out.from_tag = msg.fromTag;
    out.to_tag = msg.toTag;
  },
  // What parseMessage parses eagerly; Session-Expires and Event it leaves as raw text.
  matchedFields: ['contacts', 'record_routes', 'content_type', 'content_length', 'max_forwards', 'challenge', 'refer_to'],
  readMatched(msg, out) {
    readCommonMatched(msg as unknown as PeerMessage, out);
    out.refer_to = referToOf(msg as unknown as PeerMessage);
  },
  // No validate mode: every header it can parse is parsed already. No serializer:
  // IncomingMessage.toString() returns the received text verbatim.
};

export const bench = defineBench(adapter);
