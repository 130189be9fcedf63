// name-addr / addr-spec with header parameters (RFC 3261 §20.10, §25.1): the shape of
// From, To, Contact, Route, Record-Route, Reply-To, P-Asserted-Identity, Refer-To.

import { isWs, matchAt } from './chars.ts';
import { SipParseError, badHeader } from './errors.ts';
import { SIMPLE_PARAMS_SRC, Scanner, quote, unquote, formatParams, splitSimpleParams } from './scanner.ts';
import { formatUri, parseUri } from './uri.ts';
import type { NameAddr, Uri } from './types.ts';

/**
 * Parses one name-addr or addr-spec followed by `;params`. In addr-spec form the URI may
 * not contain ',', '?' or ';' (those would need <>), per RFC 3261 §20.
 */
export function parseNameAddr(value: string, header: string): NameAddr {
  const fast = parseNameAddrFast(value, header);
  return fast !== null ? fast : parseNameAddrGeneral(value, header);
}

/** `["Name" | Token Name] <uri>;params` without escapes, or `scheme:addr-spec;params`. */
const NA_BRACKETED = new RegExp(
  `^(?:"([^"\\\\]*)" ?|([A-Za-z0-9\\-.!%*_+\`'~]+(?: [A-Za-z0-9\\-.!%*_+\`'~]+)*) ?)?<([^\\s<>"]+)>(${SIMPLE_PARAMS_SRC})$`,
);
const NA_ADDR_SPEC = new RegExp(`^([A-Za-z][A-Za-z0-9+.-]*:[^;\\s<>?,"]+)(${SIMPLE_PARAMS_SRC})$`);

/** The common shapes in one regex match, or null to take the general path. */
function parseNameAddrFast(value: string, header: string): NameAddr | null {
  let m = NA_BRACKETED.exec(value);
  let displayName: string | null = null;
  let uriText: string;
  let rest: string;
  if (m !== null) {
    displayName = m[1] !== undefined ? m[1] : m[2] !== undefined ? m[2] : null;
    uriText = m[3]!;
    rest = m[4]!;
  } else {
    m = NA_ADDR_SPEC.exec(value);
    if (m === null) return null;
    uriText = m[1]!;
    rest = m[2]!;
  }
  const params = splitSimpleParams(rest);
  if (params === null) return null;
  return { displayName, uri: parseUriIn(uriText, header), uriText, params };
}

/** The full grammar: quoted-pairs, LWS anywhere it may appear, quoted param values. */
export function parseNameAddrGeneral(value: string, header: string): NameAddr {
  const sc = new Scanner(value, header);
  sc.skipWs();
  const s = value;
  let displayName: string | null = null;
  let uriText: string;
  const first = sc.peek();
  if (first === 0x22 /* " */) {
    displayName = unquote(sc.quotedRaw());
    sc.skipWs();
    if (sc.peek() !== 0x3c) throw sc.fail("expected '<' after display name");
    uriText = bracketed(sc);
  } else {
    // Scan tokens and whitespace: stopping on '<' means a token display name; anything
    // else means an addr-spec starting at the beginning.
    const start = sc.pos;
    const i = start + matchAt(TOKENS_AND_WS_Y, s, start);
    if (s.charCodeAt(i) === 0x3c) {
      const name = s.slice(start, i).trim().replace(/[ \t]+/g, ' ');
      displayName = name.length ? name : null;
      sc.pos = i;
      uriText = bracketed(sc);
    } else {
      const j = start + matchAt(ADDR_SPEC_Y, s, start);
      uriText = s.slice(start, j);
      if (uriText.indexOf('?') !== -1 || uriText.indexOf(',') !== -1) {
        throw badHeader(header, 'a URI with headers or commas must be enclosed in <>');
      }
      sc.pos = j;
    }
  }
  const uri = parseUriIn(uriText, header);
  const params = sc.params();
  sc.end();
  return { displayName, uri, uriText, params };
}

/** *(token LWS): a display name that is not quoted. */
const TOKENS_AND_WS_Y = /[A-Za-z0-9\-.!%*_+`'~ \t]+/y;
/** An addr-spec runs to the first ';' (header params) or whitespace. */
const ADDR_SPEC_Y = /[^; \t]+/y;

/** Reads `<uri>` with no whitespace just inside the brackets (RFC 4475 §3.1.2.14). */
function bracketed(sc: Scanner): string {
  const s = sc.s;
  const open = sc.pos;
  const close = s.indexOf('>', open + 1);
  if (close === -1) throw sc.fail("missing '>'");
  if (isWs(s.charCodeAt(open + 1)) || isWs(s.charCodeAt(close - 1))) {
    throw sc.fail('whitespace inside <>');
  }
  sc.pos = close + 1;
  return s.slice(open + 1, close);
}

function parseUriIn(text: string, header: string): Uri {
  try {
    return parseUri(text);
  } catch (e) {
    if (e instanceof SipParseError) throw badHeader(header, e.message);
    throw e;
  }
}

/** Tokens separated by single spaces read back unchanged without quotes. */
const TOKEN_NAME = /^[A-Za-z0-9\-.!%*_+`'~]+(?: [A-Za-z0-9\-.!%*_+`'~]+)*$/;

/** Writes a name-addr; always uses <> so URI params never read as header params. */
export function formatNameAddr(na: { displayName: string | null; uri: Uri; params?: NameAddr['params'] }): string {
  const dn = na.displayName;
  let out = '';
  if (dn !== null && dn.length > 0) out = (TOKEN_NAME.test(dn) ? dn : quote(dn)) + ' ';
  out += '<' + formatUri(na.uri) + '>';
  if (na.params) out += formatParams(na.params);
  return out;
}

/** Reads a param of a NameAddr, unquoted; undefined when absent, null when valueless. */
export function paramOf(na: NameAddr, name: string): string | null | undefined {
  const v = na.params.get(name);
  return v === undefined || v === null ? v : unquote(v);
}

/** A From/To value without its tag parameter (for building a dialog's From/To). */
export function withoutTag(nameAddr: string): string {
  return nameAddr.replace(/;\s*tag\s*=\s*[^;,\s]*/i, '');
}

/** The URI inside the <> of a name-addr or Route value; the text itself when it has none. */
export function uriInBrackets(value: string): string {
  const t = value.trim();
  const lt = t.indexOf('<');
  const gt = t.lastIndexOf('>');
  return lt !== -1 && gt > lt ? t.slice(lt + 1, gt) : t;
}
