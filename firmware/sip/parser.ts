// Parses one SIP message from a datagram or a framed stream chunk (RFC 3261 §7, §18.3).
// Structure and the headers every element needs (Via, From, To, Call-ID, CSeq,
// Max-Forwards, Content-Length) are checked here; the rest are parsed on first use.

import { isDigit, isTokenString, trimLws } from './chars.ts';
import { SipParseError } from './errors.ts';
import { canonicalName, knownName } from './header-names.ts';
import { MAX_HEADERS, MAX_MESSAGE_BYTES } from './limits.ts';
import { SipMessage } from './message.ts';
import type { HeaderField } from './message.ts';
import { isKnownMethod } from './methods.ts';
import { bytesToBinary, decodeUtf8, isAscii } from '../util/utf8.ts';
import { isSipUri } from './uri.ts';

export interface ParseOptions {
  /** Largest message accepted, in octets. */
  maxBytes?: number;
}

/**
 * Parses a SIP message. A string is taken as octets (a byte string); use
 * encodeUtf8() first for text. Throws SipParseError, never anything else.
 */
export function parseMessage(data: string | Uint8Array, options: ParseOptions = {}): SipMessage {
  const bin = typeof data === 'string' ? data : bytesToBinary(data);
  const maxBytes = options.maxBytes ?? MAX_MESSAGE_BYTES;
  if (bin.length > maxBytes) {
    throw new SipParseError('too-large', `message of ${bin.length} octets exceeds ${maxBytes}`, {
      status: 513,
      reason: 'Message Too Large',
    });
  }
  const holder: Partial = { msg: undefined };
  try {
    const msg = parseStructure(bin, holder);
    checkEssentials(msg);
    return msg;
  } catch (e) {
    if (e instanceof SipParseError) {
      const msg = holder.msg;
      if (msg !== undefined && e.partial === undefined) {
        e.partial = msg;
        if (msg.kind === 'response') e.status = 0; // nobody to answer a broken response
      }
      throw e;
    }
    // A bug in the parser must still surface as a parse error to callers on the hot path.
    throw new SipParseError('header-syntax', `internal parser error: ${String(e)}`);
  }
}

/** The message as far as it got, so an error can still carry its headers (for the 400). */
interface Partial {
  msg: SipMessage | undefined;
}

function parseStructure(bin: string, holder: Partial = { msg: undefined }): SipMessage {
  let pos = 0;
  // Leading CRLFs before a start line are ignored (RFC 3261 §7.5).
  while (pos < bin.length && (bin.charCodeAt(pos) === 0x0d || bin.charCodeAt(pos) === 0x0a)) pos++;
  if (pos >= bin.length) throw new SipParseError('empty', 'empty message');
  let eol = bin.indexOf('\n', pos);
  if (eol === -1) throw new SipParseError('unterminated', 'no end of start line');
  const startLine = bin.slice(pos, bin.charCodeAt(eol - 1) === 0x0d ? eol - 1 : eol);
  const { msg, deferred } = parseStartLine(startLine);
  holder.msg = msg;
  pos = eol + 1;

  const headers = msg.headers;
  const sectionStart = pos;
  let bodyStart = simpleHeaderSection(bin, pos, headers);
  if (bodyStart !== -1) {
    if (deferred !== null) throw deferred;
    frameBody(msg, bin, bodyStart); // all ASCII: nothing to decode
    return msg;
  }
  while (pos < bin.length) {
    const c0 = bin.charCodeAt(pos);
    if (c0 === 0x0d || c0 === 0x0a) {
      // The empty line that ends the header section (CRLF, or a bare LF from a sloppy peer).
      if (c0 === 0x0a) bodyStart = pos + 1;
      else if (bin.charCodeAt(pos + 1) === 0x0a) bodyStart = pos + 2;
      else throw new SipParseError('header-syntax', `stray CR at octet ${pos}`);
      break;
    }
    if (c0 === 0x20 || c0 === 0x09) {
      // Folded continuation (LWS): joins the previous header with one space.
      eol = bin.indexOf('\n', pos);
      if (eol === -1) break;
      const last = headers[headers.length - 1];
      if (last === undefined) throw new SipParseError('header-syntax', 'continuation line before any header');
      const more = trimLws(bin.slice(pos, bin.charCodeAt(eol - 1) === 0x0d ? eol - 1 : eol));
      if (more.indexOf('\r') !== -1) throw new SipParseError('header-syntax', `stray CR in header line at octet ${pos}`);
      if (more.length) last.value = last.value.length ? last.value + ' ' + more : more;
      pos = eol + 1;
      continue;
    }
    // One native regex match per header line: name, colon, value, line end.
    HEADER_LINE_Y.lastIndex = pos;
    const m = HEADER_LINE_Y.exec(bin);
    if (m === null) {
      if (bin.indexOf('\n', pos) === -1) break; // no line end: unterminated section
      throw headerLineError(bin, pos);
    }
    if (headers.length >= MAX_HEADERS) {
      throw new SipParseError('too-many-headers', `more than ${MAX_HEADERS} headers`);
    }
    headers.push({ name: canonicalName(m[1]!), value: trimLws(m[2]!) });
    pos = HEADER_LINE_Y.lastIndex;
  }
  if (bodyStart === -1) {
    throw new SipParseError('unterminated', 'header section not terminated by an empty line');
  }
  if (deferred !== null) throw deferred;
  if (!isAscii(bin.slice(sectionStart, bodyStart))) {
    // Header text is UTF-8 (RFC 3261 §7.3.1: TEXT-UTF8); the body stays octets.
    for (const h of headers) h.value = decodeUtf8(h.value);
  }
  frameBody(msg, bin, bodyStart);
  return msg;
}

/** A run of 7-bit ASCII: sticky, so lastIndex lands on the first byte to decode as UTF-8. */
const ASCII_RUN_Y = /[\x00-\x7f]*/y;

/** Offset of the first byte >= 0x80 in `s` at or after `from`, or -1. */
function nextHigh(s: string, from: number): number {
  ASCII_RUN_Y.lastIndex = from;
  ASCII_RUN_Y.test(s);
  return ASCII_RUN_Y.lastIndex < s.length ? ASCII_RUN_Y.lastIndex : -1;
}

/**
 * Fast path for the usual header section: every line "name [WS] : value CRLF" with a known (or
 * token) name, no folding and no bare CR or LF. Native split/indexOf/slice cut the lines and one
 * sticky regex run finds the few lines with UTF-8 to decode: in an interpreter like QuickJS that
 * beats a regex per line. Returns where the body starts, or -1 (headers left empty) to take the
 * general loop, which also says what is wrong.
 */
function simpleHeaderSection(bin: string, start: number, headers: HeaderField[]): number {
  const end = bin.indexOf('\r\n\r\n', start - 2);
  if (end === -1) return -1;
  if (end < start) return start + 2; // no headers at all: the start line's CRLF, then CRLF
  const section = bin.slice(start, end);
  const lines = section.split('\r\n');
  const n = lines.length;
  // A CR or LF left inside a line (bare LF, stray CR) would split differently: general loop.
  if (n > MAX_HEADERS || section.split('\n').length !== n || section.split('\r').length !== n) return -1;
  let high = nextHigh(section, 0);
  let offset = 0; // of the current line in `section`
  for (let i = 0; i < n; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    const c0 = line.charCodeAt(0);
    if (colon <= 0 || c0 === 0x20 || c0 === 0x09) {
      // No name, or a folded continuation line.
      headers.length = 0;
      return -1;
    }
    let nameEnd = colon;
    let c = line.charCodeAt(nameEnd - 1);
    while (c === 0x20 || c === 0x09) c = line.charCodeAt(--nameEnd - 1);
    const raw = nameEnd === colon ? line.slice(0, colon) : line.slice(0, nameEnd);
    const known = knownName(raw);
    if (known === undefined && !isTokenString(raw)) {
      headers.length = 0;
      return -1;
    }
    // trimLws inlined: one slice per value.
    let vs = colon + 1;
    let ve = line.length;
    c = line.charCodeAt(vs);
    while (c === 0x20 || c === 0x09) c = line.charCodeAt(++vs);
    c = line.charCodeAt(ve - 1);
    while (ve > vs && (c === 0x20 || c === 0x09)) c = line.charCodeAt(--ve - 1);
    let value = line.slice(vs, ve);
    const next = offset + line.length + 2;
    if (high !== -1 && high < next) {
      // Header text is UTF-8 (RFC 3261 §7.3.1: TEXT-UTF8); the body stays octets.
      value = decodeUtf8(value);
      high = nextHigh(section, next);
    }
    headers.push({ name: known ?? raw, value });
    offset = next;
  }
  return end + 4;
}

/**
 * name HCOLON value CRLF, for the usual well-formed header line. No [ \t]* after the colon:
 * next to [^\r\n]* it would backtrack quadratically on a line without LF (a hostile
 * datagram of tabs); trimLws() takes the leading whitespace off instead.
 */
const HEADER_LINE_Y = /([A-Za-z0-9\-.!%*_+`'~]+)[ \t]*:([^\r\n]*)\r?\n/y;

/** Says what is wrong with a header line the fast match refused. */
function headerLineError(bin: string, pos: number): SipParseError {
  const eol = bin.indexOf('\n', pos);
  const colon = bin.indexOf(':', pos);
  if (colon === -1 || colon > eol) return new SipParseError('header-syntax', `header line without ':' at octet ${pos}`);
  if (bin.charCodeAt(eol - 1) === 0x0d && bin.lastIndexOf('\r', eol - 2) > colon) {
    return new SipParseError('header-syntax', `stray CR in header line at octet ${pos}`);
  }
  return new SipParseError('header-syntax', `bad header name at octet ${pos}`);
}

/**
 * Parses the start line. Errors in the Request-URI or version are returned as `deferred`:
 * the headers are still read, so the error carries a message an element can answer.
 */
function parseStartLine(line: string): { msg: SipMessage; deferred: SipParseError | null } {
  if (line.length > 4 && line.slice(0, 4).toUpperCase() === 'SIP/') return { msg: parseStatusLine(line), deferred: null };
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 === -1 ? -1 : line.indexOf(' ', sp1 + 1);
  const method = sp1 <= 0 ? '' : line.slice(0, sp1);
  if (!isTokenString(method) || sp2 === -1) {
    throw new SipParseError('start-line', 'request line is not "Method SP Request-URI SP SIP-Version"');
  }
  const uri = line.slice(sp1 + 1, sp2);
  const version = line.slice(sp2 + 1);
  const msg = SipMessage.request(method, uri);
  return { msg, deferred: requestLineError(msg, version) };
}

function requestLineError(msg: SipMessage, version: string): SipParseError | null {
  if (msg.uri.length === 0) return new SipParseError('start-line', 'extra space before Request-URI');
  if (version.indexOf(' ') !== -1 || version.indexOf('\t') !== -1 || version.length === 0) {
    return new SipParseError('start-line', 'extra characters or whitespace after SIP-Version');
  }
  if (version.toUpperCase() !== 'SIP/2.0') {
    if (/^SIP\/\d+\.\d+$/i.test(version)) {
      return new SipParseError('version', `unsupported version ${version}`, { status: 505, reason: 'Version Not Supported' });
    }
    return new SipParseError('start-line', 'bad SIP-Version');
  }
  let ruri;
  try {
    ruri = msg.requestUri();
  } catch (e) {
    return new SipParseError('request-uri', `bad Request-URI: ${(e as Error).message}`, { reason: 'Bad Request-URI' });
  }
  if (isSipUri(ruri) && ruri.headers.length) {
    // Headers are not allowed in a Request-URI (RFC 3261 §19.1.1, RFC 4475 §3.1.2.11).
    return new SipParseError('request-uri', 'Request-URI must not contain headers', { reason: 'Bad Request-URI' });
  }
  return null;
}

function parseStatusLine(line: string): SipMessage {
  const sp1 = line.indexOf(' ');
  const version = sp1 === -1 ? line : line.slice(0, sp1);
  if (version.toUpperCase() !== 'SIP/2.0') {
    throw new SipParseError('version', `unsupported version ${version}`, { status: 0 });
  }
  let i = sp1 + 1;
  const cs = i;
  while (i < line.length && isDigit(line.charCodeAt(i))) i++;
  if (sp1 === -1 || i - cs !== 3 || (i < line.length && line.charCodeAt(i) !== 0x20)) {
    throw new SipParseError('status-code', 'status code is not three digits', { status: 0 });
  }
  const status = Number(line.slice(cs, i));
  if (status < 100 || status > 699) {
    throw new SipParseError('status-code', `status code ${status} out of range`, { status: 0 });
  }
  return SipMessage.response(status, decodeUtf8(line.slice(i + 1)));
}

/** Sets the body by Content-Length; without one, a datagram's body is the rest of it. */
function frameBody(msg: SipMessage, bin: string, bodyStart: number): void {
  const available = bin.length - bodyStart;
  let declared = -1;
  const hs = msg.headers;
  for (let i = 0; i < hs.length; i++) {
    const h = hs[i]!; // indexed: for-of costs an iterator step per header in QuickJS
    if (h.name !== 'Content-Length') continue;
    if (!/^[0-9]+$/.test(h.value)) {
      throw new SipParseError('content-length', `bad Content-Length '${h.value}'`, {
        header: 'Content-Length',
        reason: 'Bad Content-Length',
      });
    }
    const n = h.value.length > 10 ? Infinity : Number(h.value);
    if (declared !== -1 && n !== declared) {
      // RFC 4475 §3.3.9: the framing is unknowable; keep the octets, flag the message.
      msg.framingProblems.push('conflicting Content-Length values');
      msg.body = bin.slice(bodyStart);
      return;
    }
    declared = n;
  }
  if (declared === -1) {
    msg.body = bin.slice(bodyStart);
    return;
  }
  if (declared > available) {
    throw new SipParseError('content-length', `Content-Length ${declared} exceeds the ${available} octets received`, {
      header: 'Content-Length',
      reason: 'Bad Content-Length',
    });
  }
  msg.body = bin.slice(bodyStart, bodyStart + declared);
  msg.trailingBytes = available - declared;
}

/** Parses the headers every element needs, so a message that gets past here is usable. */
function checkEssentials(msg: SipMessage): void {
  const cseq = msg.cseq();
  msg.vias();
  msg.from();
  msg.to();
  msg.callId();
  msg.maxForwards();
  if (msg.kind === 'request' && cseq !== undefined && cseq.method !== msg.method) {
    // RFC 4475 §3.1.2.17/18: 400, or 501 when the method is unknown anyway.
    const unknown = !isKnownMethod(msg.method);
    throw new SipParseError('cseq-mismatch', `CSeq method ${cseq.method} does not match ${msg.method}`, {
      status: unknown ? 501 : 400,
      reason: unknown ? 'Not Implemented' : 'CSeq Method Mismatch',
      header: 'CSeq',
    });
  }
}
