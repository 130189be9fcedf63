// Typed values of the structured SDP lines (o, c, b, t, r, z, m): parse with the
// line number for errors, and format back to wire text.
import type {
  SdpBandwidth,
  SdpConnection,
  SdpMedia,
  SdpOrigin,
  SdpRepeat,
  SdpTimeZone,
  SdpTiming,
} from './types.ts';
import { emptyMedia } from './build.ts';
import { SdpParseError } from './errors.ts';
import { excerpt, isDigits, parseUint, splitFields } from './text.ts';

function fieldCount(line: number, type: string, fields: string[], expected: number): void {
  if (fields.length !== expected) {
    throw new SdpParseError(line, `${type}= needs ${expected} fields, found ${fields.length}`);
  }
}

export function parseOrigin(value: string, line: number): SdpOrigin {
  const f = splitFields(value);
  fieldCount(line, 'o', f, 6);
  if (!isDigits(f[2])) throw new SdpParseError(line, `o= session version is not a number: ${excerpt(f[2])}`);
  return { username: f[0], sessionId: f[1], sessionVersion: f[2], netType: f[3], addrType: f[4], address: f[5] };
}

export function formatOrigin(o: SdpOrigin): string {
  return `${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`;
}

/**
 * Parses "<address>[/<ttl>][/<count>]" (IP4) or "<address>[/<count>]" (IP6);
 * null when the suffixes are malformed. Also used for a=rtcp addresses.
 */
export function parseConnectionAddress(netType: string, addrType: string, text: string): SdpConnection | null {
  const slash = text.indexOf('/');
  if (slash < 0) return { netType, addrType, address: text, ttl: null, addressCount: null };
  if (slash === 0) return null;
  const rest = text.slice(slash + 1);
  const slash2 = rest.indexOf('/');
  const first = slash2 < 0 ? rest : rest.slice(0, slash2);
  const second = slash2 < 0 ? null : rest.slice(slash2 + 1);
  let ttl: number | null = null;
  let count: string | null = second;
  if (addrType === 'IP6') {
    if (second !== null) return null;
    count = first;
  } else {
    ttl = parseUint(first, 255);
    if (ttl < 0) return null;
  }
  const addressCount = count === null ? null : parseUint(count, 65535);
  if (addressCount !== null && addressCount < 1) return null;
  return { netType, addrType, address: text.slice(0, slash), ttl, addressCount };
}

export function parseConnection(value: string, line: number): SdpConnection {
  const f = splitFields(value);
  fieldCount(line, 'c', f, 3);
  const connection = parseConnectionAddress(f[0], f[1], f[2]);
  if (!connection) throw new SdpParseError(line, `c= address is malformed: ${excerpt(f[2])}`);
  return connection;
}

export function formatConnection(c: SdpConnection): string {
  let address = c.address;
  if (c.ttl !== null) address += '/' + c.ttl;
  if (c.addressCount !== null) address += '/' + c.addressCount;
  return `${c.netType} ${c.addrType} ${address}`;
}

export function parseBandwidth(value: string, line: number): SdpBandwidth {
  const colon = value.indexOf(':');
  const amount = colon > 0 ? parseUint(value.slice(colon + 1), 0xffffffff) : -1;
  if (amount < 0) throw new SdpParseError(line, `b= must be <type>:<number>, found ${excerpt(value)}`);
  return { type: value.slice(0, colon), value: amount };
}

export function formatBandwidth(b: SdpBandwidth): string {
  return `${b.type}:${b.value}`;
}

/** NTP seconds: digits, at most 20 of them (a 64-bit value). */
function isNtpTime(text: string): boolean {
  return text.length <= 20 && isDigits(text);
}

export function parseTiming(value: string, line: number): SdpTiming {
  const f = splitFields(value);
  fieldCount(line, 't', f, 2);
  if (!isNtpTime(f[0]) || !isNtpTime(f[1])) throw new SdpParseError(line, `t= times must be numbers: ${excerpt(value)}`);
  return { start: f[0], stop: f[1], repeats: [] };
}

export function formatTiming(t: SdpTiming): string {
  return `${t.start} ${t.stop}`;
}

/** typed-time: digits with an optional d/h/m/s unit (RFC 4566 §5.10); "-" allowed for z= offsets. */
function isTypedTime(text: string, allowNegative: boolean): boolean {
  let body = allowNegative && text.charCodeAt(0) === 45 ? text.slice(1) : text;
  const last = body.charCodeAt(body.length - 1);
  if (last === 100 || last === 104 || last === 109 || last === 115) body = body.slice(0, -1);
  return body.length <= 20 && isDigits(body);
}

export function parseRepeat(value: string, line: number): SdpRepeat {
  const f = splitFields(value);
  if (f.length < 3) throw new SdpParseError(line, `r= needs at least 3 fields, found ${f.length}`);
  for (let i = 0; i < f.length; i++) {
    if (!isTypedTime(f[i], false)) throw new SdpParseError(line, `r= time is malformed: ${excerpt(f[i])}`);
  }
  return { interval: f[0], duration: f[1], offsets: f.slice(2) };
}

export function formatRepeat(r: SdpRepeat): string {
  return `${r.interval} ${r.duration} ${r.offsets.join(' ')}`;
}

export function parseTimeZones(value: string, line: number): SdpTimeZone[] {
  const f = splitFields(value);
  if (f.length === 0 || f.length % 2 !== 0) throw new SdpParseError(line, 'z= needs <time> <offset> pairs');
  const zones: SdpTimeZone[] = [];
  for (let i = 0; i < f.length; i += 2) {
    if (!isNtpTime(f[i]) || !isTypedTime(f[i + 1], true)) {
      throw new SdpParseError(line, `z= pair is malformed: ${excerpt(f[i] + ' ' + f[i + 1])}`);
    }
    zones.push({ time: f[i], offset: f[i + 1] });
  }
  return zones;
}

export function formatTimeZones(zones: SdpTimeZone[]): string {
  const parts: string[] = [];
  for (const z of zones) parts.push(z.time, z.offset);
  return parts.join(' ');
}

/** Parses an m= line into a media section with no other lines yet. */
export function parseMediaLine(value: string, line: number): SdpMedia {
  const f = splitFields(value);
  if (f.length < 3) throw new SdpParseError(line, `m= needs <media> <port> <proto> <fmt...>, found ${excerpt(value)}`);
  const portText = f[1];
  const slash = portText.indexOf('/');
  const port = parseUint(slash < 0 ? portText : portText.slice(0, slash), 65535);
  if (port < 0) throw new SdpParseError(line, `m= port is not a number in 0-65535: ${excerpt(portText)}`);
  const portCount = slash < 0 ? null : parseUint(portText.slice(slash + 1), 65535);
  if (portCount !== null && portCount < 1) throw new SdpParseError(line, `m= port count is malformed: ${excerpt(portText)}`);
  const media = emptyMedia(f[0], port, f[2], f.slice(3));
  media.portCount = portCount;
  return media;
}

export function formatMediaLine(m: SdpMedia): string {
  const port = m.portCount === null ? String(m.port) : `${m.port}/${m.portCount}`;
  const head = `${m.type} ${port} ${m.protocol}`;
  return m.formats.length === 0 ? head : `${head} ${m.formats.join(' ')}`;
}
