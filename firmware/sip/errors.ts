// The one error type the SIP message core throws. It carries what an element needs to
// answer: a status and reason for a request (400, 413, 501, 505), or 0 for "drop silently"
// (a broken response has nobody to answer).

import type { SipMessage } from './message.ts';

export type SipErrorCode =
  | 'too-large'
  | 'empty'
  | 'start-line'
  | 'version'
  | 'status-code'
  | 'method'
  | 'request-uri'
  | 'header-syntax'
  | 'header-value'
  | 'too-many-headers'
  | 'unterminated'
  | 'content-length'
  | 'cseq-mismatch'
  | 'uri';

export class SipParseError extends Error {
  override readonly name = 'SipParseError';
  /** Status code to answer a request with; 0 means discard without answering. */
  status: number;
  /** Reason phrase for that response, e.g. "Bad CSeq". */
  reason: string;
  /** The header the problem is in, when it is in one. */
  header: string | undefined;
  /** The message as far as it could be parsed (start line and raw headers), when it could. */
  partial: SipMessage | undefined;

  constructor(
    readonly code: SipErrorCode,
    message: string,
    options: { status?: number; reason?: string; header?: string } = {},
  ) {
    super(message);
    this.status = options.status ?? 400;
    this.reason = options.reason ?? 'Bad Request';
    this.header = options.header;
    this.partial = undefined;
  }
}

/** A malformed header value: 400 with a reason phrase that names the header. */
export function badHeader(header: string, what: string): SipParseError {
  return new SipParseError('header-value', `${header}: ${what}`, {
    header,
    reason: `Bad ${header}`,
  });
}
