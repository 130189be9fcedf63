// Re-sending a request after a challenge or a failover: the old transaction's Via goes,
// the CSeq moves on (RFC 3261 §8.1.3.5, §22.2), everything else stays.

import type { SipMessage } from '../sip/index.ts';

export function prepareRetry(req: SipMessage, cseq: number): void {
  req.removeFirst('Via');
  req.set('CSeq', `${cseq} ${req.method}`);
}

/** Only the Via changes when the same request goes to the next server (same CSeq). */
export function prepareFailover(req: SipMessage): void {
  req.removeFirst('Via');
}
