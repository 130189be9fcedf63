// The messages a call builds and reads: its INVITE, its responses as UAS, a redirect's
// Contacts, what a body is, and the short words the LCD shows for a failure.

import { SipMessage, createResponse } from '../sip/index.ts';
import type { Contact } from '../sip/index.ts';
import type { CallHost } from './call.ts';

/** The initial INVITE of an outgoing call, with our SDP offer. */
export function inviteRequest(
  host: CallHost, callId: string, targetText: string, from: string, referredBy: string | undefined, offer: string,
): SipMessage {
  const ctx = host.ctx;
  const inv = SipMessage.request('INVITE', targetText);
  inv.add('Max-Forwards', '70');
  inv.add('From', `${from};tag=${ctx.stack.random(6)}`);
  inv.add('To', `<${targetText}>`);
  inv.add('Call-ID', callId);
  inv.add('CSeq', '1 INVITE');
  inv.add('Contact', `<${host.contact()}>`);
  inv.add('Allow', host.allow);
  inv.add('Supported', host.supported);
  inv.add('User-Agent', ctx.userAgent);
  if (referredBy !== undefined) inv.add('Referred-By', referredBy); // RFC 3892
  inv.add('Content-Type', 'application/sdp');
  inv.body = offer;
  return inv;
}

/** Our response to the INVITE `req` we are answering, in the dialog whose tag is `localTag`. */
export function inviteResponse(host: CallHost, req: SipMessage, code: number, localTag: string | undefined): SipMessage {
  const res = createResponse(req, code, undefined, localTag);
  if (code >= 180 && code < 300) {
    // §12.1.1: the route set travels back in dialog-creating responses.
    for (const h of req.headers) if (h.name === 'Record-Route') res.add('Record-Route', h.value);
    res.add('Contact', `<${host.contact()}>`);
  }
  if (code === 200) {
    res.add('Allow', host.allow);
    res.add('Supported', host.supported);
  }
  res.add('User-Agent', host.ctx.userAgent);
  return res;
}

/** A 3xx's Contacts, the best first (q order, §8.1.3.4); null when they do not parse. */
export function redirectContacts(res: SipMessage): Contact[] | null {
  try {
    return res.contacts().slice().sort((a, b) => (b.q ?? 1) - (a.q ?? 1));
  } catch {
    return null;
  }
}

/** The body is application/<subtype> (a bad Content-Type counts as not). */
function isApplication(m: SipMessage, subtype: string): boolean {
  try {
    const ct = m.contentType();
    return ct !== undefined && ct.type === 'application' && ct.subtype === subtype;
  } catch {
    return false;
  }
}

export function isSdp(m: SipMessage): boolean {
  return isApplication(m, 'sdp');
}

export function isDtmfRelay(m: SipMessage): boolean {
  return isApplication(m, 'dtmf-relay');
}

/** `token` is in the message's Require or Supported (a bad header counts as without). */
export function hasToken(m: SipMessage, header: 'Require' | 'Supported', token: string): boolean {
  try {
    return (header === 'Require' ? m.require() : m.supported()).indexOf(token) !== -1;
  } catch {
    return false;
  }
}

/** "sip:alice@example" → "alice@example", for the LCD and events. */
export function stripScheme(uri: string): string {
  const i = uri.indexOf(':');
  return i === -1 ? uri : uri.slice(i + 1);
}

/** Short words for the LCD for the failures people meet; others keep the reason phrase. */
export function failureText(code: number): string | null {
  if (code === 486 || code === 600) return 'Busy';
  if (code === 603) return 'Declined';
  if (code === 404 || code === 604) return 'Not found';
  if (code === 480) return 'Unavailable';
  if (code === 408) return 'No answer';
  return null;
}
