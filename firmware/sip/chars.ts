// Character classes of the RFC 3261 grammar. The scanners use regular expressions: in an
// interpreter like QuickJS one native regex match over a run of characters costs less
// than a JavaScript loop that looks at each character.

const TOKEN_CLASS = "A-Za-z0-9\\-.!%*_+`'~";

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN_RE = new RegExp(`^[${TOKEN_CLASS}]+$`);
/** Sticky token scanner: set lastIndex, test(), read lastIndex. */
export const TOKEN_Y = new RegExp(`[${TOKEN_CLASS}]+`, 'y');
/** Sticky scanner for a generic parameter value: token, host (with IPv6 [ ] :). */
export const PARAM_VALUE_Y = new RegExp(`[${TOKEN_CLASS}\\[\\]:]+`, 'y');
/** Sticky scanner for a host name or IPv4 address (underscore tolerated as real devices use it). */
export const HOST_Y = /[A-Za-z0-9._-]+/y;
/** word (Call-ID) = token chars plus ( ) < > : \ " / [ ] ? { } */
export const WORD_RE = new RegExp(`^[${TOKEN_CLASS}()<>:\\\\"/\\[\\]?{}]+$`);
/** SIP URI parameter characters: unreserved / escaped / param-unreserved "[]/:&+$". */
export const PARAM_CHARS_RE = /^[A-Za-z0-9\-_.!~*'()%[\]/:&+$]+$/;
/** SIP URI header characters: unreserved / escaped / hnv-unreserved "[]/?:+$". */
export const HEADER_CHARS_RE = /^[A-Za-z0-9\-_.!~*'()%[\]/?:+$]+$/;
/** userinfo characters: unreserved / escaped / user-unreserved "&=+$,;?/" and password's ":". */
export const USER_CHARS_RE = /^[A-Za-z0-9\-_.!~*'()%&=+$,;?/:]*$/;
/** Any char outside 7-bit ASCII. */
export const NON_ASCII = /[^\x00-\x7f]/;

export function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

export function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** 1*token */
export function isTokenString(s: string): boolean {
  return TOKEN_RE.test(s);
}

/** Every %-escape in s is complete (%HH). (charCodeAt past the end is NaN: not hex.) */
export function escapesValid(s: string): boolean {
  let i = s.indexOf('%');
  while (i !== -1) {
    if (!isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) return false;
    i = s.indexOf('%', i + 3);
  }
  return true;
}

/**
 * Strips SP and HT from both ends. Not String.trim(): that also strips NBSP (0xA0), which
 * in a byte string is half of a UTF-8 character, and vertical tab/form feed.
 */
export function trimLws(s: string): string {
  let a = 0;
  let b = s.length;
  let c = s.charCodeAt(a);
  while (a < b && (c === 0x20 || c === 0x09)) c = s.charCodeAt(++a);
  c = s.charCodeAt(b - 1);
  while (b > a && (c === 0x20 || c === 0x09)) c = s.charCodeAt(--b - 1);
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** Length of the sticky regex match at `pos` (0 when none). */
export function matchAt(re: RegExp, s: string, pos: number): number {
  re.lastIndex = pos;
  return re.test(s) ? re.lastIndex - pos : 0;
}
