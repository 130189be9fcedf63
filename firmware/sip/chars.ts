// Character classes of the RFC 3261 grammar, as lookup tables: one array index per
// character test is the cheapest check an interpreter like QuickJS can do.

function table(chars: string, ranges: Array<[number, number]> = []): Uint8Array {
  const t = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  for (const [lo, hi] of ranges) for (let c = lo; c <= hi; c++) t[c] = 1;
  return t;
}

const ALNUM: Array<[number, number]> = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x61, 0x7a],
];

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN = table("-.!%*_+`'~", ALNUM);
/** word (Call-ID) = token chars plus ( ) < > : \ " / [ ] ? { } */
export const WORD = table("-.!%*_+`'~()<>:\\\"/[]?{}", ALNUM);
/** Characters allowed in a host name, IPv4 address (underscore tolerated as real devices use it). */
export const HOST = table('-._', ALNUM);
/** SIP URI parameter characters: unreserved / escaped / param-unreserved "[]/:&+$". */
export const PARAM_CHAR = table("-_.!~*'()%[]/:&+$", ALNUM);
/** SIP URI header characters: unreserved / escaped / hnv-unreserved "[]/?:+$". */
export const HEADER_CHAR = table("-_.!~*'()%[]/?:+$", ALNUM);
/** userinfo characters: unreserved / escaped / user-unreserved "&=+$,;?/" and password's ":". */
export const USER_CHAR = table("-_.!~*'()%&=+$,;?/:", ALNUM);
/** URI scheme characters after the first letter. */
export const SCHEME_CHAR = table('+-.', ALNUM);

export function isToken(c: number): boolean {
  return c < 128 && TOKEN[c] === 1;
}

export function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

export function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** True when all of s[from, to) is in the table (non-ASCII never is). */
export function allIn(t: Uint8Array, s: string, from = 0, to = s.length): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || t[c] !== 1) return false;
  }
  return true;
}

/** 1*token */
export function isTokenString(s: string): boolean {
  return s.length > 0 && allIn(TOKEN, s);
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
