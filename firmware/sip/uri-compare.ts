// URI equality (RFC 3261 §19.1.4; RFC 3966 §4 for tel). Used to match Request-URIs,
// registrar bindings and dialog targets.

import { unescapeOnce } from './escape.ts';
import { isSipUri, isTelUri } from './uri.ts';
import type { Params, Uri } from './types.ts';

/** Params that, present in only one URI, make the URIs differ. */
const MUST_BOTH = ['user', 'ttl', 'method', 'maddr'];

export function uriEquals(a: Uri, b: Uri): boolean {
  if (a.scheme !== b.scheme) return false;
  if (isSipUri(a) && isSipUri(b)) {
    // userinfo: case-sensitive, escapes decoded
    if ((a.user === null) !== (b.user === null)) return false;
    if (a.user !== null && unescapeOnce(a.user) !== unescapeOnce(b.user!)) return false;
    if ((a.password === null ? null : unescapeOnce(a.password)) !== (b.password === null ? null : unescapeOnce(b.password))) {
      return false;
    }
    if (a.host.toLowerCase() !== b.host.toLowerCase()) return false;
    if (a.port !== b.port) return false; // an explicit 5060 differs from no port
    if (!paramsMatch(a.params, b.params)) return false;
    return headersMatch(a.headers, b.headers);
  }
  if (isTelUri(a) && isTelUri(b)) {
    if (telDigits(a.number) !== telDigits(b.number)) return false;
    return paramsMatch(a.params, b.params, true);
  }
  // Other schemes: compare the opaque part, case-insensitively for escapes only.
  return normal(formatOther(a)) === normal(formatOther(b));
}

function formatOther(u: Uri): string {
  return (u as { opaque: string }).opaque;
}

function normal(v: string): string {
  return unescapeOnce(v).toLowerCase();
}

function paramsMatch(a: Params, b: Params, allMustMatch = false): boolean {
  for (const [k, v] of a) {
    if (b.has(k)) {
      const w = b.get(k)!;
      if ((v === null) !== (w === null)) return false;
      if (v !== null && normal(v) !== normal(w!)) return false;
    } else if (allMustMatch || MUST_BOTH.indexOf(k) !== -1) {
      return false;
    }
  }
  for (const k of b.keys()) {
    if (!a.has(k) && (allMustMatch || MUST_BOTH.indexOf(k) !== -1)) return false;
  }
  return true;
}

function headersMatch(a: Array<[string, string]>, b: Array<[string, string]>): boolean {
  if (a.length !== b.length) return false;
  const key = (h: [string, string]): string => normal(h[0]) + '=' + unescapeOnce(h[1]);
  const sa = a.map(key).sort();
  const sb = b.map(key).sort();
  for (let i = 0; i < sa.length; i++) if (sa[i] !== sb[i]) return false;
  return true;
}

/** tel numbers compare without visual separators (RFC 3966 §4). */
function telDigits(n: string): string {
  return n.replace(/[-.()]/g, '').toLowerCase();
}
