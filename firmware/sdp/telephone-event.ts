// DTMF as RTP events (RFC 4733): an rtpmap "telephone-event/<rate>" plus an
// fmtp listing the events, e.g. "0-15" or "0-11,16".
import type { SdpMedia } from './types.ts';
import { describeFormats, isTelephoneEvent } from './codecs.ts';
import { parseUint } from './text.ts';

export interface TelephoneEvent {
  payloadType: number;
  clockRate: number;
  /** The fmtp event list; null when absent (RFC 4733 §7.1.1: then 0-15 is implied). */
  events: string | null;
}

/** Events a receiver supports when the fmtp is missing (RFC 4733 §7.1.1). */
export const DEFAULT_EVENTS = '0-15';

/**
 * The telephone-event format of a media section, preferring the one whose
 * clock rate matches the voice codec (RFC 4733 §2.5.1.1); null when absent.
 */
export function getTelephoneEvent(media: SdpMedia, clockRate?: number): TelephoneEvent | null {
  let fallback: TelephoneEvent | null = null;
  for (const format of describeFormats(media)) {
    if (!isTelephoneEvent(format.name)) continue;
    const found = { payloadType: format.payloadType, clockRate: format.clockRate, events: format.fmtp };
    if (clockRate === undefined || format.clockRate === clockRate) return found;
    if (fallback === null) fallback = found;
  }
  return fallback;
}

/** Event numbers 0-255 in a list like "0-15,66"; null when malformed. */
function parseEvents(list: string): Uint8Array | null {
  const set = new Uint8Array(256);
  for (const item of list.split(',')) {
    const part = item.trim();
    const dash = part.indexOf('-');
    const low = parseUint(dash < 0 ? part : part.slice(0, dash), 255);
    const high = dash < 0 ? low : parseUint(part.slice(dash + 1), 255);
    if (low < 0 || high < low) return null;
    for (let e = low; e <= high; e++) set[e] = 1;
  }
  return set;
}

/**
 * The events both lists support, written as ranges ("0-15"); null when the
 * lists share nothing or one of them is malformed.
 */
export function intersectEvents(a: string, b: string): string | null {
  const setA = parseEvents(a);
  const setB = parseEvents(b);
  if (!setA || !setB) return null;
  const ranges: string[] = [];
  for (let e = 0; e < 256; e++) {
    if (!(setA[e] && setB[e])) continue;
    const start = e;
    while (e + 1 < 256 && setA[e + 1] && setB[e + 1]) e++;
    ranges.push(start === e ? String(start) : `${start}-${e}`);
  }
  return ranges.length > 0 ? ranges.join(',') : null;
}
