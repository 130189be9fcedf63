// Reliable provisional responses (RFC 3262). As UAS we send our 180 with Require: 100rel and an
// RSeq when the caller supports it, and re-send it (T1 doubling) until the PRACK; as UAC we
// PRACK each reliable provisional once, in RSeq order.

import type { SipMessage } from '../sip/index.ts';
import type { ServerTransaction } from '../sip/transaction/index.ts';
import type { Dialog } from '../sip/dialog/dialog.ts';
import type { UaContext } from './context.ts';

interface Pending {
  tx: ServerTransaction;
  res: SipMessage;
  timer: number | null;
  interval: number;
}

/** UAS: our reliable provisional until its PRACK (RFC 3262 §3). */
export class ReliableProvisional {
  private pending: Pending | null = null;
  /** RSeq of the one we sent: a PRACK for it is welcome even after the answer. */
  private sentRseq = -1;

  constructor(private readonly ctx: UaContext) {}

  /**
   * Sends `res` reliably on `tx` with RSeq `rseq`. It is re-sent while `stillWaiting()`;
   * `giveUp` runs when no PRACK came in 64*T1.
   */
  send(tx: ServerTransaction, res: SipMessage, rseq: number, stillWaiting: () => boolean, giveUp: () => void): void {
    res.add('Require', '100rel');
    res.add('RSeq', String(rseq));
    const p: Pending = { tx, res, timer: null, interval: this.ctx.stack.layer.timers.t1 };
    this.pending = p;
    this.sentRseq = rseq;
    this.retransmit(p, stillWaiting, giveUp);
    tx.respond(res);
  }

  /** The peer's PRACK: true (and no more copies) when it acknowledges ours, else 481 is due. */
  prack(req: SipMessage): boolean {
    const rack = req.rack();
    if (!rack || rack.rseq !== this.sentRseq || rack.method !== 'INVITE') return false;
    this.stop();
    return true;
  }

  /** The call was answered or is over: no more copies. */
  stop(): void {
    if (this.pending !== null) this.ctx.timers.cancel(this.pending.timer);
    this.pending = null;
  }

  private retransmit(p: Pending, stillWaiting: () => boolean, giveUp: () => void): void {
    p.timer = this.ctx.timers.after(p.interval, () => {
      if (this.pending !== p || !stillWaiting()) return;
      p.interval *= 2;
      if (p.interval > 64 * this.ctx.stack.layer.timers.t1) return giveUp(); // no PRACK: no call
      p.tx.respond(p.res);
      this.retransmit(p, stillWaiting, giveUp);
    });
  }
}

/** UAC: PRACKs for the peer's reliable provisionals (RFC 3262 §4). */
export class ProvisionalAcks {
  private highestRseq = -1;

  /**
   * The PRACK for `res` in `dialog`, or null: not reliable, or an RSeq we acknowledged
   * already (a retransmission, or one overtaken by a later provisional).
   */
  prack(res: SipMessage, dialog: Dialog | null, invite: SipMessage, userAgent: string): SipMessage | null {
    if (res.require().indexOf('100rel') === -1) return null;
    const rseq = res.rseq();
    if (rseq === undefined || dialog === null || rseq <= this.highestRseq) return null;
    this.highestRseq = rseq;
    const prack = dialog.request('PRACK');
    prack.add('RAck', `${rseq} ${invite.cseq()!.seq} INVITE`);
    prack.add('User-Agent', userAgent);
    return prack;
  }
}
