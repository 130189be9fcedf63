// One call's SDP offer/answer state (RFC 3264): what we offered or answered, and what the
// call uses. The RTP side (issue: media) reads `params`.

import {
  SdpNegotiationError, SdpParseError, applyAnswer, applyOwnAnswer, createAnswer, createOffer, createReoffer,
  incrementDecimal, parseSdp, serializeSdp,
} from '../sdp/index.ts';
import type { CallMediaParameters, Codec, Direction, SdpSession } from '../sdp/index.ts';
import { PCMU, codecNamed } from '../codec/registry.ts';
import type { CodecInfo } from '../codec/registry.ts';

/** A registry entry as SDP takes it: the plain fields, without the encoder and decoder. */
function sdpCodec(c: CodecInfo): Codec {
  const codec: Codec = { name: c.name, clockRate: c.clockRate, payloadType: c.payloadType };
  if (c.channels !== undefined) codec.channels = c.channels;
  if (c.fmtp !== undefined) codec.fmtp = c.fmtp;
  return codec;
}

/** The board's codec names (in preference order) as SDP codecs; PCMU when none is known. */
export function codecsFor(names: readonly string[]): Codec[] {
  const out: Codec[] = [];
  for (const n of names) {
    const codec = codecNamed(n);
    if (codec !== null) out.push(sdpCodec(codec));
  }
  return out.length > 0 ? out : [sdpCodec(PCMU)];
}

export class MediaSession {
  local: SdpSession | null = null;
  params: CallMediaParameters | null = null;
  /** Our current direction (sendonly while we hold the call). */
  direction: Direction = 'sendrecv';
  /** Set when an offer of ours awaits its answer. */
  private pendingOffer: SdpSession | null = null;

  constructor(
    private readonly codecs: Codec[],
    private readonly address: string,
    private readonly port: number,
    private readonly sessionId: string,
  ) {}

  /** Our initial offer (INVITE). */
  offer(): string {
    const s = createOffer({ codecs: this.codecs, address: this.address, port: this.port, sessionId: this.sessionId, username: 'quip', ptime: 20 });
    this.local = s;
    this.pendingOffer = s;
    return serializeSdp(s);
  }

  /** A new offer with the direction changed (hold/resume, RFC 3264 §8.4). */
  reoffer(direction: Direction): string {
    const base = this.local ?? createOffer({ codecs: this.codecs, address: this.address, port: this.port, sessionId: this.sessionId });
    const s = createReoffer(base, { direction });
    this.local = s;
    this.pendingOffer = s;
    this.direction = direction;
    return serializeSdp(s);
  }

  /** Applies the peer's answer to our pending offer; returns an error text on failure. */
  answered(text: string): string | null {
    if (this.pendingOffer === null) return null;
    try {
      const result = applyAnswer(this.pendingOffer, parseSdp(text));
      this.pendingOffer = null;
      this.params = result.audio;
      return result.audio === null ? 'no common audio codec' : null;
    } catch (e) {
      if (e instanceof SdpParseError || e instanceof SdpNegotiationError) return e.message;
      throw e;
    }
  }

  /** Answers a peer's offer; null (→ 488) when nothing in it is usable. */
  answer(offerText: string): string | null {
    try {
      const offer = parseSdp(offerText);
      const base = this.local;
      const ans = createAnswer(offer, this.codecs, {
        address: this.address,
        port: this.port,
        sessionId: this.sessionId,
        sessionVersion: base ? incrementDecimal(base.origin.sessionVersion) : undefined,
        username: 'quip',
        ptime: 20,
        direction: this.direction,
      });
      const result = applyOwnAnswer(offer, ans);
      if (result.audio === null) return null;
      this.local = ans;
      this.params = result.audio;
      return serializeSdp(ans);
    } catch (e) {
      if (e instanceof SdpParseError || e instanceof SdpNegotiationError) return null;
      throw e;
    }
  }

  get awaitingAnswer(): boolean {
    return this.pendingOffer !== null;
  }
}
