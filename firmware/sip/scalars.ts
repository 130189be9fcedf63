// Single-value headers: numbers, Call-ID, CSeq, RAck, Date and token lists.

import { TOKEN_RE, WORD_RE } from './chars.ts';
import { badHeader } from './errors.ts';
import { MAX_UINT32 } from './limits.ts';
import { Scanner } from './scanner.ts';
import type { CSeq, RAck } from './types.ts';

const SHORT_DIGITS = /^[0-9]{1,9}$/;

/** 1*DIGIT bounded by `max` (Max-Forwards 255, Expires/RSeq 2**32-1, Content-Length). */
export function parseNumberHeader(value: string, header: string, max: number): number {
  // Usual case, a few bare digits within bounds: one regex test, no Scanner.
  if (SHORT_DIGITS.test(value)) {
    const n = Number(value);
    if (n <= max) return n;
  }
  const sc = new Scanner(value, header);
  sc.skipWs();
  const n = sc.number('value', max);
  sc.end();
  return n;
}

/** Call-ID = word [ "@" word ] (RFC 3261 §25.1). */
export function parseCallId(value: string): string {
  const v = value.trim();
  const at = v.indexOf('@');
  const ok = at === -1
    ? WORD_RE.test(v)
    : WORD_RE.test(v.slice(0, at)) && WORD_RE.test(v.slice(at + 1));
  if (!ok) throw badHeader('Call-ID', 'not a word[@word]');
  return v;
}

/** CSeq = 1*DIGIT LWS Method; the number is 32-bit (RFC 4475 §3.1.2.4). */
export function parseCSeq(value: string): CSeq {
  const sc = new Scanner(value, 'CSeq');
  sc.skipWs();
  const seq = sc.number('sequence number', MAX_UINT32);
  const before = sc.pos;
  sc.skipWs();
  if (sc.pos === before) throw sc.fail('expected whitespace before method');
  const method = sc.token('method');
  sc.end();
  return { seq, method };
}

/** RAck = response-num LWS CSeq-num LWS Method (RFC 3262 §7.2). */
export function parseRAck(value: string): RAck {
  const sc = new Scanner(value, 'RAck');
  sc.skipWs();
  const rseq = sc.number('response number', MAX_UINT32);
  sc.skipWs();
  const cseq = sc.number('CSeq number', MAX_UINT32);
  const before = sc.pos;
  sc.skipWs();
  if (sc.pos === before) throw sc.fail('expected whitespace before method');
  const method = sc.token('method');
  sc.end();
  return { rseq, cseq, method };
}

/** A comma list of tokens (Allow, Supported, Require, Proxy-Require, Unsupported). */
export function parseTokenList(values: string[], header: string): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (v.length === 0) continue; // Supported may be empty (RFC 3261 §20.37)
    if (!TOKEN_RE.test(v)) throw badHeader(header, `'${v}' is not a token`);
    out.push(v);
  }
  return out;
}

const DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';

/** Date = rfc1123-date, GMT only (RFC 3261 §20.17, RFC 4475 §3.1.2.12). Returns ms since epoch. */
export function parseDate(value: string): number {
  const m = DATE.exec(value.trim());
  if (!m) throw badHeader('Date', 'not an RFC 1123 date in GMT');
  const t = Date.UTC(Number(m[4]), MONTHS.indexOf(m[3]!) / 3, Number(m[2]), Number(m[5]), Number(m[6]), Number(m[7]));
  if (Number.isNaN(t) || Number(m[5]) > 23 || Number(m[6]) > 59 || Number(m[7]) > 60) {
    throw badHeader('Date', 'date out of range');
  }
  return t;
}

/** Retry-After = delta-seconds [ comment ] *( SEMI retry-param ) (RFC 3261 §20.33). */
export function parseRetryAfter(value: string): number {
  const sc = new Scanner(value, 'Retry-After');
  sc.skipWs();
  const n = sc.number('delta-seconds', MAX_UINT32);
  sc.skipWs();
  if (sc.peek() === 0x28 /* ( */) skipComment(sc);
  sc.params();
  sc.end();
  return n;
}

/** Skips a (possibly nested) comment, honouring quoted-pairs. */
export function skipComment(sc: Scanner): void {
  const s = sc.s;
  let depth = 0;
  let i = sc.pos;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x28) {
      if (++depth > 32) throw sc.fail('comment nested too deeply');
    } else if (c === 0x29 && --depth === 0) break;
  }
  if (depth !== 0) throw sc.fail('unterminated comment');
  sc.pos = i + 1;
}

