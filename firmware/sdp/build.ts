// Building blocks for the SDP this phone writes: the session skeleton and an
// audio m= section. Options are checked here so bad settings fail loudly, once.
import type { Direction, SdpAttribute, SdpMedia, SdpSession } from './types.ts';
import type { Codec, MediaFormat } from './codecs.ts';
import { SdpNegotiationError } from './errors.ts';
import { isDirection } from './direction.ts';
import { isDigits } from './text.ts';

/** What our offers and answers say about us. */
export interface LocalMediaOptions {
  /** Our RTP address, IPv4 dotted or IPv6. */
  address: string;
  /** Our RTP port; RTCP uses port + 1 (RFC 3550). */
  port: number;
  /** o= sess-id, decimal digits (e.g. derived from an NTP timestamp). */
  sessionId: string;
  /** o= sess-version, decimal digits; defaults to sessionId as in RFC 3264 §10. */
  sessionVersion?: string;
  /** o= username; "-" when omitted. */
  username?: string;
  /** s= text; "-" when omitted. */
  sessionName?: string;
  /** Packetization we want to receive, in ms (a=ptime). */
  ptime?: number;
  /** a=maxptime in ms. */
  maxptime?: number;
  /** Our wanted direction; sendrecv when omitted. */
  direction?: Direction;
}

function reject(reason: string): never {
  throw new SdpNegotiationError(reason);
}

/** A token safe to put in one SDP field: non-empty, no spaces or line breaks. */
function isToken(text: unknown): text is string {
  return typeof text === 'string' && text.length > 0 && !/[\s\0]/.test(text);
}

function isPositive(value: number | undefined): boolean {
  return value === undefined || (typeof value === 'number' && value > 0 && value < 1e6);
}

export function checkLocalOptions(o: LocalMediaOptions): void {
  if (!isToken(o.address)) reject('address must be a non-empty token');
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) reject(`port ${o.port} is not in 1-65535`);
  if (!isDigits(o.sessionId)) reject('sessionId must be decimal digits');
  if (o.sessionVersion !== undefined && !isDigits(o.sessionVersion)) reject('sessionVersion must be decimal digits');
  if (o.username !== undefined && !isToken(o.username)) reject('username must be a non-empty token');
  if (o.sessionName !== undefined && /[\r\n\0]/.test(o.sessionName)) reject('sessionName must be one line');
  if (!isPositive(o.ptime) || !isPositive(o.maxptime)) reject('ptime and maxptime must be positive');
  if (o.direction !== undefined && !isDirection(o.direction)) reject(`unknown direction ${String(o.direction)}`);
}

/** Codec lists must be unambiguous and writable into rtpmap/fmtp lines. */
export function checkCodecs(codecs: readonly Codec[]): void {
  // `as unknown`: the guard must not narrow codecs to any[] (the bundle's mangle plan reads the types)
  if (!Array.isArray(codecs as unknown) || codecs.length === 0) reject('codec list is empty');
  const seen = new Set<number>();
  for (const c of codecs) {
    if (!isToken(c.name) || c.name.indexOf('/') >= 0) reject(`codec name ${String(c.name)} is not a token`);
    if (!Number.isInteger(c.payloadType) || c.payloadType < 0 || c.payloadType > 127) {
      reject(`${c.name}: payload type ${c.payloadType} is not in 0-127`);
    }
    if (seen.has(c.payloadType)) reject(`payload type ${c.payloadType} is used twice`);
    seen.add(c.payloadType);
    if (!Number.isInteger(c.clockRate) || c.clockRate < 1) reject(`${c.name}: clock rate must be a positive integer`);
    if (c.channels !== undefined && (!Number.isInteger(c.channels) || c.channels < 1 || c.channels > 255)) {
      reject(`${c.name}: channels must be 1-255`);
    }
    if (c.fmtp !== undefined && /[\r\n\0]/.test(c.fmtp)) reject(`${c.name}: fmtp must be one line`);
  }
}

/** A local codec as an m= format. */
export function codecFormat(c: Codec): MediaFormat {
  return { payloadType: c.payloadType, name: c.name, clockRate: c.clockRate, channels: c.channels ?? 1, fmtp: c.fmtp ?? null };
}

/** IP6 when the address has a colon, else IP4 (host names are IP4 by convention). */
export function addressType(address: string): 'IP4' | 'IP6' {
  return address.indexOf(':') >= 0 ? 'IP6' : 'IP4';
}

/** v/o/s/c/t of a session with no media yet. */
export function newSession(o: LocalMediaOptions): SdpSession {
  const addrType = addressType(o.address);
  return {
    origin: {
      username: o.username ?? '-',
      sessionId: o.sessionId,
      sessionVersion: o.sessionVersion ?? o.sessionId,
      netType: 'IN',
      addrType,
      address: o.address,
    },
    sessionName: o.sessionName ?? '-',
    information: null,
    uri: null,
    emails: [],
    phones: [],
    connection: { netType: 'IN', addrType, address: o.address, ttl: null, addressCount: null },
    bandwidths: [],
    timings: [{ start: '0', stop: '0', repeats: [] }],
    timeZones: [],
    encryptionKey: null,
    attributes: [],
    otherLines: [],
    media: [],
  };
}

export function emptyMedia(type: string, port: number, protocol: string, formats: string[]): SdpMedia {
  return {
    type,
    port,
    portCount: null,
    protocol,
    formats,
    information: null,
    connections: [],
    bandwidths: [],
    encryptionKey: null,
    attributes: [],
    otherLines: [],
  };
}

/** m=audio with rtpmap/fmtp for every format, then ptime, maxptime and direction. */
export function audioMedia(port: number, formats: MediaFormat[], o: LocalMediaOptions, direction: Direction): SdpMedia {
  const media = emptyMedia('audio', port, 'RTP/AVP', formats.map((f) => String(f.payloadType)));
  const attributes: SdpAttribute[] = media.attributes;
  for (const f of formats) {
    const channels = f.channels === 1 ? '' : '/' + f.channels;
    attributes.push({ name: 'rtpmap', value: `${f.payloadType} ${f.name}/${f.clockRate}${channels}` });
  }
  for (const f of formats) {
    if (f.fmtp !== null) attributes.push({ name: 'fmtp', value: `${f.payloadType} ${f.fmtp}` });
  }
  if (o.ptime !== undefined) attributes.push({ name: 'ptime', value: String(o.ptime) });
  if (o.maxptime !== undefined) attributes.push({ name: 'maxptime', value: String(o.maxptime) });
  attributes.push({ name: direction, value: null });
  return media;
}
