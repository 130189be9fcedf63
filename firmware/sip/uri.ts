// SIP, SIPS and tel URIs (RFC 3261 §19.1, §25.1; RFC 3966). Components keep their
// %-escapes as received so a proxy can forward them unchanged; uri-compare.ts decodes.

import {
  HEADER_CHARS_RE, HOST_Y, PARAM_CHARS_RE, USER_CHARS_RE, escapesValid, matchAt,
} from './chars.ts';
import { SipParseError } from './errors.ts';
import { MAX_PARAMS } from './limits.ts';
import type { OtherUri, Params, SipUri, TelUri, Uri } from './types.ts';
import { isIpv4, isIpv6 } from '../util/ip-literal.ts';

export { isIpv4, isIpv6 };

function bad(text: string, what: string): SipParseError {
  return new SipParseError('uri', `bad URI '${text.length > 80 ? text.slice(0, 80) + '…' : text}': ${what}`);
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const DIGITS_Y = /[0-9]*/y;
/** hvalue may be empty (RFC 3261 §25.1). */
const HVALUE_RE = /^[A-Za-z0-9\-_.!~*'()%[\]/?:+$]*$/;
/** ";name[=value]" up to the next ';' or '?'. */
const URI_PARAM_Y = /;([^;?=]*)(=[^;?]*)?/y;

/** Length of the scheme at the start of `s` (before ":"), or 0 when there is none. */
function schemeLength(s: string): number {
  const m = SCHEME.exec(s);
  return m === null ? 0 : m[0].length - 1;
}

/** Parses any absolute URI; SIP/SIPS and tel URIs get their components, others stay opaque. */
export function parseUri(text: string): Uri {
  // The usual lower-case "sip:" without the scheme regex.
  if (text.charCodeAt(0) === 0x73 && text.charCodeAt(1) === 0x69 && text.charCodeAt(2) === 0x70 && text.charCodeAt(3) === 0x3a) {
    return parseSipUri(text, 'sip', 4);
  }
  const n = schemeLength(text);
  if (n === 0) throw bad(text, 'no scheme');
  const scheme = text.slice(0, n).toLowerCase();
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(text, scheme, n + 1);
  if (scheme === 'tel') return parseTelUri(text, n + 1);
  const opaque = text.slice(n + 1);
  if (opaque.length === 0) throw bad(text, 'empty after scheme');
  for (let i = 0; i < opaque.length; i++) {
    const c = opaque.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x3c || c === 0x3e || c === 0x22) throw bad(text, 'illegal character');
  }
  return { scheme, opaque } satisfies OtherUri;
}

/**
 * user@host[:port];params with no escapes, password, IPv6 or headers: one regex match. Not /i
 * (slow in QuickJS): an upper-case scheme takes the general path.
 */
const SIP_FAST = /^sips?:(?:([A-Za-z0-9\-_.!~*'()&=+$,;?/]+)@)?([A-Za-z0-9._-]+)(?::([0-9]{1,5}))?((?:;[A-Za-z0-9\-_.!~*'()[\]/:&+$]+(?:=[A-Za-z0-9\-_.!~*'()[\]/:&+$]+)?)*)$/;

function parseSipUri(text: string, scheme: 'sip' | 'sips', start: number): SipUri {
  const m = SIP_FAST.exec(text);
  if (m !== null) {
    const host = m[2]!;
    const port = m[3] === undefined ? null : Number(m[3]);
    if (isHostname(host) && (port === null || port <= 65535)) {
      const params: Params = new Map();
      const p = m[4]!;
      if (p.length) {
        const parts = p.split(';');
        if (parts.length <= MAX_PARAMS + 1) {
          for (let k = 1; k < parts.length; k++) {
            const part = parts[k]!;
            const eq = part.indexOf('=');
            if (eq === -1) params.set(part.toLowerCase(), null);
            else params.set(part.slice(0, eq).toLowerCase(), part.slice(eq + 1));
          }
          return { scheme, user: m[1] ?? null, password: null, host, port, params, headers: [] };
        }
      } else {
        return { scheme, user: m[1] ?? null, password: null, host, port, params, headers: [] };
      }
    }
  }
  return parseSipUriGeneral(text, scheme, start);
}

function parseSipUriGeneral(text: string, scheme: 'sip' | 'sips', start: number): SipUri {
  let user: string | null = null;
  let password: string | null = null;
  let i = start;
  const at = text.indexOf('@', start);
  if (at !== -1) {
    // '@' cannot appear unescaped in params or headers, so it always ends the userinfo.
    const userinfo = text.slice(start, at);
    if (!USER_CHARS_RE.test(userinfo) || !escapesValid(userinfo)) throw bad(text, 'illegal character in userinfo');
    const colon = userinfo.indexOf(':');
    user = colon === -1 ? userinfo : userinfo.slice(0, colon);
    if (colon !== -1) password = userinfo.slice(colon + 1);
    if (user.length === 0) throw bad(text, 'empty user');
    i = at + 1;
  }
  // host
  let host: string;
  if (text.charCodeAt(i) === 0x5b /* [ */) {
    const close = text.indexOf(']', i);
    if (close === -1) throw bad(text, 'unterminated IPv6 reference');
    host = text.slice(i, close + 1);
    if (!isIpv6(host.slice(1, -1))) throw bad(text, 'bad IPv6 address');
    i = close + 1;
  } else {
    const hs = i;
    i += matchAt(HOST_Y, text, i);
    host = text.slice(hs, i);
    if (!isHostname(host)) throw bad(text, 'bad host');
  }
  let port: number | null = null;
  if (text.charCodeAt(i) === 0x3a /* : */) {
    const ps = ++i;
    i += matchAt(DIGITS_Y, text, i);
    port = parsePort(text.slice(ps, i));
    if (port < 0) throw bad(text, 'bad port');
  }
  const params: Params = new Map();
  while (text.charCodeAt(i) === 0x3b /* ; */) {
    URI_PARAM_Y.lastIndex = i;
    const m = URI_PARAM_Y.exec(text)!; // always matches at a ';'
    i = URI_PARAM_Y.lastIndex;
    const name = m[1]!;
    const value = m[2] === undefined ? null : m[2].slice(1);
    if (!PARAM_CHARS_RE.test(name) || !escapesValid(name)) throw bad(text, 'bad parameter name');
    if (value !== null && (!PARAM_CHARS_RE.test(value) || !escapesValid(value))) {
      throw bad(text, `bad value for parameter '${name}'`);
    }
    if (params.size >= MAX_PARAMS) throw bad(text, 'too many parameters');
    params.set(name.toLowerCase(), value);
  }
  const headers: Array<[string, string]> = [];
  if (text.charCodeAt(i) === 0x3f /* ? */) {
    const hs = text.slice(i + 1);
    for (const h of hs.split('&')) {
      const eq = h.indexOf('=');
      if (eq <= 0 || !HEADER_CHARS_RE.test(h.slice(0, eq)) || !HVALUE_RE.test(h.slice(eq + 1)) || !escapesValid(h)) {
        throw bad(text, 'bad header');
      }
      headers.push([h.slice(0, eq), h.slice(eq + 1)]);
    }
    i = text.length;
  }
  if (i !== text.length) throw bad(text, `unexpected '${text[i]}'`);
  return { scheme, user, password, host, port, params, headers };
}

function parseTelUri(text: string, start: number): TelUri {
  const semi = text.indexOf(';', start);
  const number = semi === -1 ? text.slice(start) : text.slice(start, semi);
  if (!/^\+?[0-9A-Fa-f*#.()-]+$/.test(number)) throw bad(text, 'bad telephone number');
  const params: Params = new Map();
  if (semi !== -1) {
    for (const p of text.slice(semi + 1).split(';')) {
      const eq = p.indexOf('=');
      const name = eq === -1 ? p : p.slice(0, eq);
      if (!/^[A-Za-z0-9-]+$/.test(name)) throw bad(text, 'bad parameter');
      const value = eq === -1 ? null : p.slice(eq + 1);
      if (value !== null && !PARAM_CHARS_RE.test(value)) throw bad(text, 'bad parameter value');
      params.set(name.toLowerCase(), value);
    }
  }
  return { scheme: 'tel', number, params };
}

function parsePort(digits: string): number {
  if (digits.length === 0 || digits.length > 5) return -1;
  const p = Number(digits);
  return p <= 65535 ? p : -1;
}

/** hostname / IPv4address (RFC 3261 §25.1): dot-separated labels of alphanumerics and hyphens. */
function isHostname(h: string): boolean {
  // HOST_Y already limited the characters; a trailing dot is legal (FQDN).
  // A label may not start or end with '-'; no empty labels but an optional trailing dot.
  // indexOf, not one regex: an unanchored alternation is slow in QuickJS.
  if (h.length === 0 || h.length > 255 || h === '.') return false;
  const first = h.charCodeAt(0);
  if (first === 0x2d || first === 0x2e || h.charCodeAt(h.length - 1) === 0x2d) return false;
  return h.indexOf('.-') === -1 && h.indexOf('-.') === -1 && h.indexOf('..') === -1;
}

/** Writes a URI back to text. */
export function formatUri(uri: Uri): string {
  if (uri.scheme === 'sip' || uri.scheme === 'sips') {
    const u = uri as SipUri;
    let out = u.scheme + ':';
    if (u.user !== null) out += u.user + (u.password !== null ? ':' + u.password : '') + '@';
    out += u.host;
    if (u.port !== null) out += ':' + u.port;
    for (const [k, v] of u.params) out += v === null ? ';' + k : ';' + k + '=' + v;
    if (u.headers.length) out += '?' + u.headers.map(([k, v]) => k + '=' + v).join('&');
    return out;
  }
  if (uri.scheme === 'tel') {
    const t = uri as TelUri;
    let out = 'tel:' + t.number;
    for (const [k, v] of t.params) out += v === null ? ';' + k : ';' + k + '=' + v;
    return out;
  }
  return uri.scheme + ':' + (uri as OtherUri).opaque;
}

export function isSipUri(uri: Uri): uri is SipUri {
  return uri.scheme === 'sip' || uri.scheme === 'sips';
}

export function isTelUri(uri: Uri): uri is TelUri {
  return uri.scheme === 'tel';
}
