// Builds a response to a request (RFC 3261 §8.2.6.2): the same Via list, From, To, Call-ID
// and CSeq, and a To tag on anything but 100 when the request had none.

import { SipMessage } from './message.ts';
import { reasonPhrase } from './reason-phrases.ts';

export function createResponse(request: SipMessage, status: number, reason?: string, toTag?: string): SipMessage {
  const res = SipMessage.response(status, reason ?? reasonPhrase(status));
  for (const h of request.headers) {
    if (h.name === 'Via' || h.name === 'From' || h.name === 'Call-ID' || h.name === 'CSeq') {
      res.headers.push({ name: h.name, value: h.value });
    } else if (h.name === 'To') {
      let value = h.value;
      if (toTag !== undefined && status !== 100 && !/;\s*tag\s*=/i.test(value)) value += `;tag=${toTag}`;
      res.headers.push({ name: 'To', value });
    } else if (h.name === 'Timestamp' && status === 100) {
      res.headers.push({ name: h.name, value: h.value }); // RFC 3261 §8.2.6.1
    }
  }
  return res;
}
