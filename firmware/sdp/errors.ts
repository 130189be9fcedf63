// Typed errors so callers can tell bad input from bugs: parse failures carry the
// line, negotiation failures the media section.

/** Malformed or oversized SDP text. `line` is 1-based. */
export class SdpParseError extends Error {
  readonly line: number;

  constructor(line: number, reason: string) {
    super(`SDP line ${line}: ${reason}`);
    this.name = 'SdpParseError';
    this.line = line;
  }
}

/** An answer that does not fit its offer (RFC 3264 §6), or unusable offer/answer options. */
export class SdpNegotiationError extends Error {
  /** Index of the offending m= section, or null when the whole session is at fault. */
  readonly mediaIndex: number | null;

  constructor(reason: string, mediaIndex: number | null = null) {
    super(mediaIndex === null ? reason : `m= section ${mediaIndex}: ${reason}`);
    this.name = 'SdpNegotiationError';
    this.mediaIndex = mediaIndex;
  }
}
