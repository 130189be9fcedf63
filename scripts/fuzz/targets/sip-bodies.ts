// Bodies the phone reads: SDP (also inside multipart), RFC 3842 message summaries and
// SIP INFO dtmf-relay.

import type { SipMessage } from '../../../firmware/sip/message.ts';
import { parseMultipart } from '../../../firmware/sip/multipart.ts';
import { decodeUtf8 } from '../../../firmware/util/utf8.ts';
import { parseMessageSummary } from '../../../firmware/ua/message-summary.ts';
import { parseDtmfRelay } from '../../../firmware/media/dtmf.ts';
import { trySip } from './checks.ts';
import { fuzzSdpText } from './sdp.ts';

export function readBodies(msg: SipMessage): void {
  if (msg.body.length === 0) return;
  // The UA reads any NOTIFY for message-summary, whatever its Content-Type says.
  if (msg.kind === 'request' && msg.method === 'NOTIFY' && msg.event()?.event === 'message-summary') {
    parseMessageSummary(msg.bodyText());
  }
  const ct = msg.contentType();
  if (ct === undefined) return;
  const mime = `${ct.type}/${ct.subtype}`;
  if (ct.type === 'multipart') {
    const boundary = ct.params.get('boundary');
    if (boundary === undefined || boundary === null) return;
    const parts = trySip(() => parseMultipart(msg.body, boundary)) ?? [];
    for (const part of parts) {
      if ((part.headers.get('content-type') ?? '').toLowerCase().startsWith('application/sdp')) {
        fuzzSdpText(decodeUtf8(part.body));
      }
    }
  } else if (mime === 'application/sdp') {
    fuzzSdpText(msg.bodyText());
  } else if (mime === 'application/dtmf-relay') {
    parseDtmfRelay(msg.bodyText());
  }
}
