// SDP text -> SdpSession (RFC 4566). Liberal where RFC 4566 robustness allows
// (bare LF, blank lines, unknown line types, lines out of order inside a
// section); strict where a value would be unusable. Every failure is an
// SdpParseError naming the 1-based line.
import type { SdpAttribute, SdpMedia, SdpOrigin, SdpSession, SdpTiming } from './types.ts';
import type { SdpLimits } from './limits.ts';
import { DEFAULT_SDP_LIMITS } from './limits.ts';
import { SdpParseError } from './errors.ts';
import { attributeProblem } from './attributes.ts';
import { excerpt } from './text.ts';
import {
  parseBandwidth,
  parseConnection,
  parseMediaLine,
  parseOrigin,
  parseRepeat,
  parseTimeZones,
  parseTiming,
} from './fields.ts';

/** Line types that may only appear before the first m= line. */
const SESSION_ONLY = 'vosueptrz';

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

function parseAttribute(value: string, line: number): SdpAttribute {
  const colon = value.indexOf(':');
  const name = colon < 0 ? value : value.slice(0, colon);
  if (name === '') throw new SdpParseError(line, `a= attribute has no name: ${excerpt(value)}`);
  const attribute: SdpAttribute = { name, value: colon < 0 ? null : value.slice(colon + 1) };
  const problem = attributeProblem(attribute);
  if (problem !== null) throw new SdpParseError(line, `${problem}, found ${excerpt(value)}`);
  return attribute;
}

function duplicate(line: number, type: string): never {
  throw new SdpParseError(line, `more than one ${type}= line`);
}

/** 1-based line number of a character offset. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

export function parseSdp(text: string, limits: Partial<SdpLimits> = {}): SdpSession {
  if (typeof text !== 'string') throw new SdpParseError(1, 'SDP must be a string');
  const maxLength = limits.maxLength ?? DEFAULT_SDP_LIMITS.maxLength;
  const maxLines = limits.maxLines ?? DEFAULT_SDP_LIMITS.maxLines;
  const maxMedia = limits.maxMedia ?? DEFAULT_SDP_LIMITS.maxMedia;
  if (text.length > maxLength) {
    throw new SdpParseError(lineOf(text, maxLength), `SDP is longer than ${maxLength} characters`);
  }

  let origin: SdpOrigin | null = null;
  const session: Omit<SdpSession, 'origin'> = {
    sessionName: '',
    information: null,
    uri: null,
    emails: [],
    phones: [],
    connection: null,
    bandwidths: [],
    timings: [],
    timeZones: [],
    encryptionKey: null,
    attributes: [],
    otherLines: [],
    media: [],
  };
  let sawVersion = false;
  let sawName = false;
  let timing: SdpTiming | null = null;
  let media: SdpMedia | null = null;

  // Called once the session-level part is over (first m= or end of text).
  const requireSessionLines = (line: number): void => {
    if (origin === null) throw new SdpParseError(line, 'missing o= line');
    if (!sawName) throw new SdpParseError(line, 'missing s= line');
  };

  let lineNo = 0;
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const start = pos;
    const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    pos = end + 1;
    if (++lineNo > maxLines) throw new SdpParseError(lineNo, `more than ${maxLines} lines`);
    if (stop === start) continue;

    const line = text.slice(start, stop);
    const first = line.charCodeAt(0);
    if ((first === 32 || first === 9) && line.trim() === '') continue; // padding some stacks add
    if (line.length < 2 || line.charCodeAt(1) !== 61 || !isLetter(first)) {
      throw new SdpParseError(lineNo, `expected <type>=<value>, found ${excerpt(line)}`);
    }
    if (line.indexOf('\r') >= 0 || line.indexOf('\0') >= 0) {
      throw new SdpParseError(lineNo, 'line contains a CR or NUL character');
    }
    const type = line.charAt(0);
    const value = line.slice(2);

    if (!sawVersion) {
      if (type !== 'v') throw new SdpParseError(lineNo, `first line must be v=0, found ${excerpt(line)}`);
      if (value.trim() !== '0') throw new SdpParseError(lineNo, `unsupported SDP version ${excerpt(value)}`);
      sawVersion = true;
      continue;
    }

    if (type === 'm') {
      if (media === null) requireSessionLines(lineNo);
      if (session.media.length >= maxMedia) throw new SdpParseError(lineNo, `more than ${maxMedia} m= sections`);
      media = parseMediaLine(value, lineNo);
      session.media.push(media);
      continue;
    }

    if (media !== null) {
      switch (type) {
        case 'i':
          if (media.information !== null) duplicate(lineNo, type);
          media.information = value;
          break;
        case 'c':
          media.connections.push(parseConnection(value, lineNo));
          break;
        case 'b':
          media.bandwidths.push(parseBandwidth(value, lineNo));
          break;
        case 'k':
          if (media.encryptionKey !== null) duplicate(lineNo, type);
          media.encryptionKey = value;
          break;
        case 'a':
          media.attributes.push(parseAttribute(value, lineNo));
          break;
        default:
          if (SESSION_ONLY.indexOf(type) >= 0) {
            throw new SdpParseError(lineNo, `${type}= is not allowed in a media description`);
          }
          media.otherLines.push({ type, value });
      }
      continue;
    }

    switch (type) {
      case 'v':
        duplicate(lineNo, type);
        break;
      case 'o':
        if (origin !== null) duplicate(lineNo, type);
        origin = parseOrigin(value, lineNo);
        break;
      case 's':
        if (sawName) duplicate(lineNo, type);
        session.sessionName = value;
        sawName = true;
        break;
      case 'i':
        if (session.information !== null) duplicate(lineNo, type);
        session.information = value;
        break;
      case 'u':
        if (session.uri !== null) duplicate(lineNo, type);
        session.uri = value;
        break;
      case 'e':
        session.emails.push(value);
        break;
      case 'p':
        session.phones.push(value);
        break;
      case 'c':
        if (session.connection !== null) duplicate(lineNo, type);
        session.connection = parseConnection(value, lineNo);
        break;
      case 'b':
        session.bandwidths.push(parseBandwidth(value, lineNo));
        break;
      case 't':
        timing = parseTiming(value, lineNo);
        session.timings.push(timing);
        break;
      case 'r':
        if (timing === null) throw new SdpParseError(lineNo, 'r= must follow a t= line');
        timing.repeats.push(parseRepeat(value, lineNo));
        break;
      case 'z':
        if (session.timeZones.length > 0) duplicate(lineNo, type);
        session.timeZones = parseTimeZones(value, lineNo);
        break;
      case 'k':
        if (session.encryptionKey !== null) duplicate(lineNo, type);
        session.encryptionKey = value;
        break;
      case 'a':
        session.attributes.push(parseAttribute(value, lineNo));
        break;
      default:
        session.otherLines.push({ type, value }); // unknown types are ignored but kept (RFC 4566 §5)
    }
  }

  if (!sawVersion) throw new SdpParseError(Math.max(lineNo, 1), 'missing v=0 line');
  if (media === null) requireSessionLines(lineNo);
  return { origin: origin as SdpOrigin, ...session };
}
