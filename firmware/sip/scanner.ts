// A cursor over one header value, with the small grammar pieces every header uses:
// separators with optional whitespace (SEMI, COMMA, EQUAL, SLASH, COLON), tokens,
// quoted strings and generic parameters. Header values reach it already unfolded.

import { PARAM_VALUE_Y, TOKEN_Y, isWs, matchAt, trimLws } from './chars.ts';
import { badHeader } from './errors.ts';
import type { SipParseError } from './errors.ts';
import { MAX_PARAMS } from './limits.ts';
import type { Params } from './types.ts';

export class Scanner {
  pos = 0;
  constructor(
    readonly s: string,
    readonly header: string,
  ) {}

  get done(): boolean {
    return this.pos >= this.s.length;
  }

  peek(): number {
    return this.s.charCodeAt(this.pos);
  }

  fail(what: string): SipParseError {
    return badHeader(this.header, `${what} at offset ${this.pos}`);
  }

  skipWs(): void {
    const s = this.s;
    while (this.pos < s.length && isWs(s.charCodeAt(this.pos))) this.pos++;
  }

  /** Optional whitespace, then `ch` (returns false and stays put when absent), then optional whitespace. */
  sep(ch: number): boolean {
    const start = this.pos;
    this.skipWs();
    if (this.s.charCodeAt(this.pos) !== ch) {
      this.pos = start;
      return false;
    }
    this.pos++;
    this.skipWs();
    return true;
  }

  expectSep(ch: number, what: string): void {
    if (!this.sep(ch)) throw this.fail(`expected ${what}`);
  }

  /** Reads 1*token; throws naming `what` when there is none. */
  token(what: string): string {
    const start = this.pos;
    const n = matchAt(TOKEN_Y, this.s, start);
    if (n === 0) throw this.fail(`expected ${what}`);
    this.pos = start + n;
    return this.s.slice(start, this.pos);
  }

  /** Reads what the sticky regex `re` matches here (may be empty). */
  run(re: RegExp): string {
    const start = this.pos;
    this.pos = start + matchAt(re, this.s, start);
    return this.s.slice(start, this.pos);
  }

  /** Reads a quoted-string starting at `"`; returns it raw, quotes included. */
  quotedRaw(): string {
    const start = this.pos;
    this.pos = quotedEnd(this.s, start, this.header);
    return this.s.slice(start, this.pos);
  }

  /** Reads a delta-seconds/number field of digits with an upper bound. */
  number(what: string, max: number): number {
    const s = this.s;
    const start = this.pos;
    let i = start;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      i++;
    }
    if (i === start) throw this.fail(`expected ${what}`);
    this.pos = i;
    return boundedInt(s.slice(start, i), max, this.header, what);
  }

  /**
   * Reads `*( SEMI generic-param )` up to the end, a comma, or anything else that is not
   * a parameter. Values: token, host (with IPv6 brackets and colons), or quoted-string kept raw.
   */
  params(into: Params = new Map()): Params {
    let count = 0;
    while (this.sep(0x3b /* ; */)) {
      if (++count > MAX_PARAMS) throw this.fail('too many parameters');
      const name = this.token('parameter name').toLowerCase();
      let value: string | null = null;
      if (this.sep(0x3d /* = */)) {
        value = this.peek() === 0x22 ? this.quotedRaw() : this.run(PARAM_VALUE_Y);
        if (value.length === 0) throw this.fail(`empty value for parameter '${name}'`);
      }
      into.set(name, value);
    }
    return into;
  }

  /** Only whitespace may remain. */
  end(): void {
    this.skipWs();
    if (this.pos < this.s.length) throw this.fail(`unexpected '${this.s[this.pos]}'`);
  }
}

/**
 * `;name[=value]...` with token names and token/host values, or a quoted-string without
 * quoted-pairs or ';' (kept raw, as Scanner.params() keeps it: +sip.instance="<urn:...>"), nothing
 * else. The source for the fast-path regexes of Via and name-addr, which match their params with
 * it in the same match; split(';') then cuts them.
 */
export const SIMPLE_PARAMS_SRC = "(?:;[A-Za-z0-9\\-.!%*_+`'~]+(?:=(?:[A-Za-z0-9\\-.!%*_+`'~[\\]:]+|\"[^\"\\\\;]*\"))?)*";
const SIMPLE_PARAMS = new RegExp(`^${SIMPLE_PARAMS_SRC}$`);

/**
 * Fast path for the usual header params (no whitespace, no quotes): the same result as
 * Scanner.params() in one regex test and a split, or null to take the general path.
 */
export function simpleParams(s: string): Params | null {
  if (s.length !== 0 && !SIMPLE_PARAMS.test(s)) return null;
  return splitSimpleParams(s);
}

/** simpleParams() for text already matched against SIMPLE_PARAMS_SRC. */
export function splitSimpleParams(s: string): Params | null {
  const params: Params = new Map();
  if (s.length === 0) return params;
  const parts = s.split(';');
  if (parts.length > MAX_PARAMS + 1) return null;
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i]!;
    const eq = p.indexOf('=');
    if (eq === -1) params.set(p.toLowerCase(), null);
    else params.set(p.slice(0, eq).toLowerCase(), p.slice(eq + 1));
  }
  return params;
}

/** Index just past the closing quote of the quoted-string starting at `start`. */
export function quotedEnd(s: string, start: number, header: string): number {
  // Usual case, no backslash before the closing quote: two native searches, no per-char loop.
  const close = s.indexOf('"', start + 1);
  if (close !== -1) {
    const bs = s.indexOf('\\', start + 1);
    if (bs === -1 || bs > close) return close + 1;
  }
  let i = start + 1;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c === 0x5c) {
      // quoted-pair: "\" followed by any char except CR and LF
      const next = s.charCodeAt(i + 1);
      if (i + 1 >= n || next === 0x0d || next === 0x0a) break;
      i += 2;
      continue;
    }
    i++;
  }
  throw badHeader(header, 'unterminated quoted string');
}

/** The content of a raw quoted-string with quoted-pairs resolved; other values unchanged. */
export function unquote(v: string): string {
  if (v.length < 2 || v.charCodeAt(0) !== 0x22) return v;
  const inner = v.slice(1, -1);
  return inner.indexOf('\\') === -1 ? inner : inner.replace(/\\([\s\S])/g, '$1');
}

/** Wraps text as a quoted-string, escaping `"` and `\`. */
export function quote(text: string): string {
  return '"' + text.replace(/(["\\])/g, '\\$1') + '"';
}

/** Parses a decimal string with an upper bound, for scalar fields (RFC 4475 §3.1.2.4). */
export function boundedInt(digits: string, max: number, header: string, what: string): number {
  // Leading zeros are legal (RFC 4475 §3.1.1.1); strip them before the length check.
  let i = 0;
  while (i < digits.length - 1 && digits.charCodeAt(i) === 0x30) i++;
  const d = i ? digits.slice(i) : digits;
  if (d.length > 10) throw badHeader(header, `${what} too large`);
  const n = Number(d);
  if (!(n <= max)) throw badHeader(header, `${what} ${d} exceeds ${max}`);
  return n;
}

/**
 * Splits a list header value at top-level commas (not inside quotes or <...>). Empty
 * elements are kept, so callers can reject them as RFC 4475 §3.1.2.1 requires.
 */
export function splitList(s: string, header: string): string[] {
  let comma = s.indexOf(',');
  if (comma === -1) return [trimLws(s)];
  const out: string[] = [];
  if (s.indexOf('"') === -1) {
    // No quotes: a comma splits unless the last '<' or '>' before it is a '<'. Native
    // indexOf/lastIndexOf instead of a JavaScript loop over every character.
    let start = 0;
    while (comma !== -1) {
      if (s.lastIndexOf('<', comma) <= s.lastIndexOf('>', comma)) {
        out.push(trimLws(s.slice(start, comma)));
        start = comma + 1;
      }
      comma = s.indexOf(',', comma + 1);
    }
    out.push(trimLws(s.slice(start)));
    return out;
  }
  let start = 0;
  let angle = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) {
      i = quotedEnd(s, i, header) - 1;
    } else if (c === 0x3c) {
      angle = true;
    } else if (c === 0x3e) {
      angle = false;
    } else if (c === 0x2c && !angle) {
      out.push(trimLws(s.slice(start, i)));
      start = i + 1;
    }
  }
  out.push(trimLws(s.slice(start)));
  return out;
}

/** Formats params back to `;name=value...`. */
export function formatParams(params: Params): string {
  let out = '';
  for (const [k, v] of params) out += v === null ? `;${k}` : `;${k}=${v}`;
  return out;
}
