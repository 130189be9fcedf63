// SDP part of `quip parse` output: the session as the SDP core parses it.
import { SdpParseError, parseSdp } from '../firmware/sdp/index.ts';
import type { Json } from './describe-message.ts';

/** Maps become objects and bigint-free numbers stay numbers, so JSON.stringify can print it. */
function toJson(v: unknown): Json {
  if (v === null || v === undefined) return null;
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), toJson(x)]));
  if (Array.isArray(v)) return v.map(toJson);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, toJson(x)]));
  return v as Json;
}

export function describeSdp(text: string): Json {
  try {
    return toJson(parseSdp(text));
  } catch (e) {
    if (e instanceof SdpParseError) return { error: e.message };
    throw e;
  }
}
