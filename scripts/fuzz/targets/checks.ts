// What counts as a documented refusal, and the invariant errors a target throws when the
// firmware breaks a promise about its own output. Runs inside QuickJS: plain ES2020 only.

import { SipParseError } from '../../../firmware/sip/errors.ts';
import { SdpNegotiationError, SdpParseError } from '../../../firmware/sdp/errors.ts';

/** The firmware produced output it cannot read back, or disagreed with itself. */
export class InvariantError extends Error {
  override readonly name = 'InvariantError';
}

/**
 * parseMessage turns any exception inside the parser into a SipParseError "internal parser
 * error" so the phone keeps running; for the fuzzer that is a bug the safety net hid.
 */
export class MaskedError extends Error {
  override readonly name = 'MaskedError';
}

export function invariant(ok: boolean, what: string): void {
  if (!ok) throw new InvariantError(what);
}

/** Returns the SipParseError (the SIP core's only documented failure); rethrows anything else. */
export function allowSipError(e: unknown): SipParseError {
  if (!(e instanceof SipParseError)) throw e;
  if (e.message.startsWith('internal parser error')) throw new MaskedError(e.message);
  return e;
}

/** Runs `fn`; undefined when it refused its input with a SipParseError. */
export function trySip<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    allowSipError(e);
    return undefined;
  }
}

/** SDP refuses bad text with SdpParseError and unusable offers/answers with SdpNegotiationError. */
export function allowSdpError(e: unknown): SdpParseError | SdpNegotiationError {
  if (e instanceof SdpParseError || e instanceof SdpNegotiationError) return e;
  throw e;
}

/** A cheap deterministic PRNG for in-VM choices (chunk sizes), seeded from the input itself. */
export function inputRng(input: string): () => number {
  // FNV-1a over length and up to 64 sampled octets, then xorshift32.
  let h = 0x811c9dc5 ^ input.length;
  const step = Math.max(1, Math.floor(input.length / 64));
  for (let i = 0; i < input.length; i += step) h = Math.imul(h ^ input.charCodeAt(i), 0x01000193);
  let x = h >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}
