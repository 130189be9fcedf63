// Offers (RFC 3264 §5) and re-offers (§8): a new call's audio offer, and a
// modified copy of an earlier offer with the o= version bumped.
import type { Direction, SdpSession } from './types.ts';
import type { Codec } from './codecs.ts';
import type { LocalMediaOptions } from './build.ts';
import { audioMedia, checkCodecs, checkLocalOptions, codecFormat, newSession } from './build.ts';
import { clearDirection, isDirection, setDirection } from './direction.ts';
import { cloneSession } from './clone.ts';
import { SdpNegotiationError } from './errors.ts';
import { incrementDecimal, isDigits } from './text.ts';

export interface OfferOptions extends LocalMediaOptions {
  /** Codecs in order of preference, telephone-event included. */
  codecs: readonly Codec[];
}

/** An offer with one audio stream listing every codec in the given order. */
export function createOffer(options: OfferOptions): SdpSession {
  checkLocalOptions(options);
  checkCodecs(options.codecs);
  const session = newSession(options);
  const formats = options.codecs.map(codecFormat);
  session.media.push(audioMedia(options.port, formats, options, options.direction ?? 'sendrecv'));
  return session;
}

export interface ReofferChanges {
  /** New direction for every active stream, e.g. sendonly for hold (see holdDirection). */
  direction?: Direction;
}

/**
 * A re-offer based on our previous offer or answer (RFC 3264 §8): same sess-id,
 * sess-version plus one. The previous session is left untouched.
 */
export function createReoffer(previous: SdpSession, changes: ReofferChanges = {}): SdpSession {
  if (!isDigits(previous.origin.sessionVersion)) {
    throw new SdpNegotiationError('previous o= session version is not a number');
  }
  const next = cloneSession(previous);
  next.origin.sessionVersion = incrementDecimal(previous.origin.sessionVersion);
  const direction = changes.direction;
  if (direction !== undefined) {
    if (!isDirection(direction)) throw new SdpNegotiationError(`unknown direction ${String(direction)}`);
    // One place of truth: per-stream attributes, no session-level default left over.
    clearDirection(next);
    for (const media of next.media) {
      if (media.port !== 0) setDirection(media, direction);
    }
  }
  return next;
}
