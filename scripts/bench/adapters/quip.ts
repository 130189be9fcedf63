// quip's own SIP parser (firmware/sip), bundled into QuickJS like the firmware image. Input is the
// message's octets as a binary string, as the phone's transport hands them over. Header values are
// parsed lazily, so reading the keys here is part of the measured work.
import { parseMessage, serializeMessage } from '../../../firmware/sip/index.ts';
import type { SipMessage } from '../../../firmware/sip/index.ts';
import { defineBench } from '../vm/harness.ts';
import type { Adapter } from '../vm/harness.ts';

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
  serialize(msg) {
    return serializeMessage(msg);
  },
};

export const bench = defineBench(adapter);
