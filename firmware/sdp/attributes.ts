// Typed views of the a= attributes a phone cares about: rtpmap, fmtp, ptime,
// maxptime (RFC 4566 §6) and rtcp (RFC 3605). Attributes stay stored as text so
// unknown ones round-trip; these helpers parse on demand.
import type { SdpAttribute, SdpAttributeHolder, SdpConnection, SdpMedia, SdpSession } from './types.ts';
import { parseConnectionAddress } from './fields.ts';
import { parseDecimal, parseUint, splitFields } from './text.ts';

/** a=rtpmap:<payload type> <encoding name>/<clock rate>[/<channels>] */
export interface SdpRtpmap {
  payloadType: number;
  encodingName: string;
  clockRate: number;
  /** Audio channels; null when the rtpmap leaves it out (meaning 1). */
  channels: number | null;
}

/** a=fmtp:<format> <parameters> */
export interface SdpFmtp {
  format: string;
  parameters: string;
}

/** a=rtcp:<port> [<nettype> <addrtype> <address>] (RFC 3605). */
export interface SdpRtcp {
  port: number;
  /** Null when only the port is given: RTCP then goes to the RTP address. */
  connection: SdpConnection | null;
}

/** First attribute with that name, or undefined. Names compare exactly (they are case-sensitive). */
export function findAttribute(holder: SdpAttributeHolder, name: string): SdpAttribute | undefined {
  const attributes = holder.attributes;
  for (let i = 0; i < attributes.length; i++) {
    if (attributes[i].name === name) return attributes[i];
  }
  return undefined;
}

export function parseRtpmap(value: string | null): SdpRtpmap | null {
  if (value === null) return null;
  const space = value.indexOf(' ');
  if (space < 0) return null;
  const payloadType = parseUint(value.slice(0, space), 127);
  const parts = value.slice(space + 1).trim().split('/');
  if (payloadType < 0 || parts.length < 2 || parts.length > 3 || parts[0] === '') return null;
  const clockRate = parseUint(parts[1], 0xffffffff);
  const channels = parts.length === 3 ? parseUint(parts[2], 255) : null;
  if (clockRate < 1 || (channels !== null && channels < 1)) return null;
  return { payloadType, encodingName: parts[0], clockRate, channels };
}

export function formatRtpmap(r: SdpRtpmap): string {
  const base = `${r.payloadType} ${r.encodingName}/${r.clockRate}`;
  return r.channels === null ? base : `${base}/${r.channels}`;
}

export function parseFmtp(value: string | null): SdpFmtp | null {
  if (value === null) return null;
  const space = value.indexOf(' ');
  const format = space < 0 ? value : value.slice(0, space);
  if (format === '') return null;
  return { format, parameters: space < 0 ? '' : value.slice(space + 1).trim() };
}

/** Parses a=rtcp; null when malformed. */
export function parseRtcp(value: string | null): SdpRtcp | null {
  if (value === null) return null;
  const f = splitFields(value);
  const port = f.length > 0 ? parseUint(f[0], 65535) : -1;
  if (port < 0) return null;
  if (f.length === 1) return { port, connection: null };
  if (f.length !== 4) return null;
  const connection = parseConnectionAddress(f[1], f[2], f[3]);
  return connection ? { port, connection } : null;
}

/** A ptime/maxptime value in milliseconds, or -1 when malformed or not positive. */
function parseMilliseconds(value: string | null): number {
  const ms = value === null ? -1 : parseDecimal(value.trim());
  return ms > 0 ? ms : -1;
}

/**
 * Why a known attribute is unusable, or null when it is fine or unknown. The
 * parser calls this so broken values fail early, with their line number.
 */
export function attributeProblem(attribute: SdpAttribute): string | null {
  switch (attribute.name) {
    case 'rtpmap':
      return parseRtpmap(attribute.value) ? null : 'rtpmap must be <pt> <name>/<rate>[/<channels>]';
    case 'fmtp':
      return parseFmtp(attribute.value) ? null : 'fmtp must be <format> <parameters>';
    case 'ptime':
    case 'maxptime':
      return parseMilliseconds(attribute.value) > 0 ? null : `${attribute.name} must be a positive number`;
    case 'rtcp':
      return parseRtcp(attribute.value) ? null : 'rtcp must be <port> [<nettype> <addrtype> <address>]';
    default:
      return null;
  }
}

/** The rtpmap for one payload type in a media section, or null. */
export function getRtpmap(media: SdpMedia, payloadType: number): SdpRtpmap | null {
  for (const attribute of media.attributes) {
    if (attribute.name !== 'rtpmap') continue;
    const rtpmap = parseRtpmap(attribute.value);
    if (rtpmap && rtpmap.payloadType === payloadType) return rtpmap;
  }
  return null;
}

/** All well-formed rtpmaps of a media section, in order. */
export function getRtpmaps(media: SdpMedia): SdpRtpmap[] {
  const result: SdpRtpmap[] = [];
  for (const attribute of media.attributes) {
    if (attribute.name !== 'rtpmap') continue;
    const rtpmap = parseRtpmap(attribute.value);
    if (rtpmap) result.push(rtpmap);
  }
  return result;
}

/** The fmtp parameters for one format ("101" etc.), or null. */
export function getFmtp(media: SdpMedia, format: string): string | null {
  for (const attribute of media.attributes) {
    if (attribute.name !== 'fmtp') continue;
    const fmtp = parseFmtp(attribute.value);
    if (fmtp && fmtp.format === format) return fmtp.parameters;
  }
  return null;
}

function milliseconds(name: string, media: SdpMedia, session: SdpSession | null): number | null {
  let ms = parseMilliseconds(findAttribute(media, name)?.value ?? null);
  // ptime belongs to the media section, but some stacks put it at session level.
  if (ms < 0 && session) ms = parseMilliseconds(findAttribute(session, name)?.value ?? null);
  return ms > 0 ? ms : null;
}

/** a=ptime in ms, from the media section or else the session; null when absent. */
export function getPtime(media: SdpMedia, session: SdpSession | null = null): number | null {
  return milliseconds('ptime', media, session);
}

/** a=maxptime in ms, from the media section or else the session; null when absent. */
export function getMaxptime(media: SdpMedia, session: SdpSession | null = null): number | null {
  return milliseconds('maxptime', media, session);
}

/** a=rtcp of a media section, or null. */
export function getRtcp(media: SdpMedia): SdpRtcp | null {
  return parseRtcp(findAttribute(media, 'rtcp')?.value ?? null);
}
