// multipart/* bodies (RFC 2046 §5.1), as gateways send SDP next to ISUP or other parts.

import { SipParseError } from './errors.ts';

export interface BodyPart {
  /** Part headers, names lower case. */
  headers: Map<string, string>;
  /** Part content, octets as a byte string. */
  body: string;
}

const MAX_PARTS = 32;

/** Splits a multipart body by its boundary. Throws SipParseError when it is not well framed. */
export function parseMultipart(body: string, boundary: string): BodyPart[] {
  const b = boundary.length > 1 && boundary.charCodeAt(0) === 0x22 ? boundary.slice(1, -1) : boundary;
  if (b.length === 0 || b.length > 70) throw new SipParseError('header-value', 'bad multipart boundary');
  const delim = '--' + b;
  let i = body.startsWith(delim) ? 0 : body.indexOf('\r\n' + delim);
  if (i === -1) throw new SipParseError('header-value', 'multipart boundary not found in body');
  if (i > 0) i += 2;
  const parts: BodyPart[] = [];
  for (;;) {
    i += delim.length;
    if (body.startsWith('--', i)) return parts; // close-delimiter
    const lineEnd = body.indexOf('\r\n', i);
    if (lineEnd === -1) break;
    const next = body.indexOf('\r\n' + delim, lineEnd);
    if (next === -1) break;
    if (parts.length >= MAX_PARTS) throw new SipParseError('header-value', 'too many body parts');
    parts.push(parsePart(body.slice(lineEnd + 2, next)));
    i = next + 2;
  }
  throw new SipParseError('header-value', 'multipart body has no closing boundary');
}

function parsePart(raw: string): BodyPart {
  const headers = new Map<string, string>();
  const end = raw.startsWith('\r\n') ? 0 : raw.indexOf('\r\n\r\n');
  if (end === -1) return { headers, body: raw };
  if (end > 0) {
    for (const line of raw.slice(0, end).split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
  }
  return { headers, body: raw.slice(end === 0 ? 2 : end + 4) };
}
