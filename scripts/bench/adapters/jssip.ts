// JsSIP 3.13 message parser, bundled into QuickJS. Parser.parseMessage(data, ua) is what JsSIP's
// transport calls on every received packet; the UA is only stored on incoming requests, so none is
// needed. Its `debug` logging dependency is replaced by ../shims/debug.ts at bundle time.
import { parseMessage } from 'jssip/lib/Parser.js';
import { defineBench } from '../vm/harness.ts';
import type { Adapter } from '../vm/harness.ts';
import { takeLastWarning } from '../shims/debug.ts';

interface JsSipMessage {
  via_branch: string | null;
  call_id: string | null;
  from_tag: string | null;
  to_tag: string | null;
  cseq: number | null;
  parseHeader(name: string): unknown;
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
  // No serializer: IncomingMessage.toString() returns the received text verbatim.
};

export const bench = defineBench(adapter);
