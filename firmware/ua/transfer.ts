// Blind call transfer (RFC 3515 REFER, RFC 5589 §6): the messages both sides exchange. The
// transferor sends REFER with Refer-To; the transferee answers 202, calls the target, and
// reports how that call goes in NOTIFYs (Event: refer) whose body is a message/sipfrag status
// line. refer-subscription.ts drives both roles; this module only reads and builds the messages.

import { formatUri, isSipUri, parseNameAddr } from '../sip/index.ts';
import type { SipMessage, SipUri } from '../sip/index.ts';
import type { Dialog } from '../sip/dialog/dialog.ts';

export const SIPFRAG = 'message/sipfrag;version=2.0';

/** What the transferee is asked to call, or the response that refuses the REFER. */
export type ReferTarget = { uri: SipUri; text: string } | { status: number; reason: string };

/** Reads the one Refer-To a REFER must carry (RFC 3515 §2.4.1): a SIP URI without headers. */
export function readReferTo(req: SipMessage): ReferTarget {
  if (req.count('Refer-To') !== 1) return { status: 400, reason: 'Exactly One Refer-To' };
  let uri;
  try {
    uri = parseNameAddr(req.get('Refer-To')!, 'Refer-To').uri;
  } catch {
    return { status: 400, reason: 'Bad Refer-To' };
  }
  if (!isSipUri(uri)) return { status: 416, reason: 'Unsupported URI Scheme' };
  // Headers in the URI (Replaces: attended transfer) or another method are not ours to do.
  const method = uri.params.get('method');
  if (uri.headers.length > 0 || (method !== undefined && method !== null && method.toUpperCase() !== 'INVITE')) {
    return { status: 501, reason: 'Only Blind Transfer' };
  }
  const params = new Map(uri.params);
  params.delete('method'); // not allowed in a Request-URI (RFC 3261 §19.1.1)
  const target: SipUri = { ...uri, params };
  return { uri: target, text: formatUri(target) };
}

/** The REFER that hands the call on to `target` (a SIP URI). */
export function referRequest(dialog: Dialog, target: string, referredBy: string, contact: string, userAgent: string): SipMessage {
  const req = dialog.request('REFER');
  req.add('Refer-To', `<${target}>`);
  req.add('Referred-By', referredBy);
  req.add('Contact', `<${contact}>`);
  req.add('User-Agent', userAgent);
  return req;
}

/**
 * One NOTIFY of the implicit refer subscription: the transfer call's status so far, and
 * whether it is the last (final status: the subscription ends with it).
 */
export function referNotify(
  dialog: Dialog, referCseq: number, status: number, reason: string, final: boolean, contact: string, userAgent: string,
): SipMessage {
  const req = dialog.request('NOTIFY');
  req.add('Event', `refer;id=${referCseq}`);
  req.add('Subscription-State', final ? 'terminated;reason=noresource' : 'active;expires=60');
  req.add('Contact', `<${contact}>`);
  req.add('User-Agent', userAgent);
  req.add('Content-Type', SIPFRAG);
  req.body = `SIP/2.0 ${status} ${reason.replace(/[\r\n]/g, ' ')}\r\n`;
  return req;
}
