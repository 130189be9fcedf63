// WWW-Authenticate, Proxy-Authenticate, Authorization, Proxy-Authorization
// (RFC 3261 §20.7/§20.27/§20.28/§20.44, RFC 2617/7616): a scheme and comma-separated params.

import { Scanner, quote, unquote } from './scanner.ts';
import type { Credentials } from './types.ts';

export function parseCredentials(value: string, header: string): Credentials {
  const sc = new Scanner(value, header);
  sc.skipWs();
  const scheme = sc.token('auth scheme');
  const params = new Map<string, string>();
  const before = sc.pos;
  sc.skipWs();
  if (sc.done) return { scheme, params };
  if (sc.pos === before) throw sc.fail('expected whitespace after scheme');
  do {
    const name = sc.token('auth parameter name').toLowerCase();
    sc.expectSep(0x3d, "'='");
    let v: string;
    if (sc.peek() === 0x22) v = unquote(sc.quotedRaw());
    else {
      const start = sc.pos;
      while (!sc.done) {
        const c = sc.peek();
        if (c === 0x2c || c === 0x20 || c === 0x09) break;
        sc.pos++;
      }
      v = value.slice(start, sc.pos);
      if (v.length === 0) throw sc.fail(`empty value for '${name}'`);
    }
    if (params.size >= 32) throw sc.fail('too many parameters');
    params.set(name, v);
  } while (sc.sep(0x2c /* , */));
  sc.end();
  return { scheme, params };
}

/** Params that are tokens and must stay unquoted in Digest (RFC 7616 §3.4). */
const UNQUOTED = new Set(['algorithm', 'qop', 'nc', 'stale']);

/**
 * Writes credentials or a challenge. In a challenge `qop` is a quoted list; in
 * credentials it is a bare token, so the caller says which it is writing.
 */
export function formatCredentials(c: Credentials, kind: 'challenge' | 'credentials'): string {
  const parts: string[] = [];
  for (const [k, v] of c.params) {
    const bare = UNQUOTED.has(k) && !(kind === 'challenge' && k === 'qop');
    parts.push(`${k}=${bare ? v : quote(v)}`);
  }
  return parts.length ? `${c.scheme} ${parts.join(', ')}` : c.scheme;
}
