// %HH escaping in URIs (RFC 3261 §19.1.2, §25.1). Decoding is one level only: "%2541" is
// "%41", never "A" (RFC 4475 §3.1.1.3).

import { isHex } from './chars.ts';

/** Decodes %HH escapes once, to a byte string (NUL and non-ASCII octets stay as chars). */
export function unescapeOnce(s: string): string {
  if (s.indexOf('%') === -1) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      out += String.fromCharCode(parseInt(s.substr(i + 1, 2), 16));
      i += 3;
    } else {
      out += s[i];
      i++;
    }
  }
  return out;
}

const HEX = '0123456789ABCDEF';

/** Escapes every char not in `allowed` (a 128-entry table) as %HH of its UTF-8 octets. */
export function escapeWith(s: string, allowed: Uint8Array): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 && allowed[c] === 1 && c !== 0x25) out += s[i];
    else if (c < 256) out += '%' + HEX[c >> 4] + HEX[c & 15];
    else out += escapeWith(unescapeOnce(encodeURIComponent(s[i]!)), allowed);
  }
  return out;
}
