// Writes a SipMessage to wire octets (RFC 3261 §7). Content-Length is always written from
// the body, so a message can never announce a length it does not carry.

import { encodeUtf8, isAscii } from '../util/utf8.ts';
import { compactName } from './header-names.ts';
import type { SipMessage } from './message.ts';

export interface SerializeOptions {
  /** Use compact header names (RFC 3261 §7.3.3), e.g. to keep a UDP message under the MTU. */
  compact?: boolean;
}

/** Returns the message as a byte string (one char per octet), CRLF line ends. */
export function serializeMessage(msg: SipMessage, options: SerializeOptions = {}): string {
  const parts: string[] = [
    msg.kind === 'request' ? `${msg.method} ${msg.uri} SIP/2.0\r\n` : `SIP/2.0 ${msg.status} ${encodeUtf8(msg.reason)}\r\n`,
  ];
  const compact = options.compact === true;
  const hs = msg.headers;
  for (let i = 0; i < hs.length; i++) {
    const h = hs[i]!;
    if (h.name === 'Content-Length') continue;
    const name = compact ? (compactName(h.name) ?? h.name) : h.name;
    const value = isAscii(h.value) ? h.value : encodeUtf8(h.value);
    parts.push(name, ': ', value, '\r\n');
  }
  parts.push(compact ? 'l: ' : 'Content-Length: ', String(msg.body.length), '\r\n\r\n', msg.body);
  return parts.join('');
}
