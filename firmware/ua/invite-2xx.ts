// The 2xx to an INVITE is the one response the transaction layer does not make reliable: the
// INVITE server transaction ends when it sends it, and the ACK is a request of its own. So the
// call does it (RFC 3261 §13.3.1.4): the UAS re-sends its 2xx, T1 doubling up to T2, until the
// ACK, and gives up after 64*T1; the UAC keeps its ACK to answer each 2xx copy (§13.2.2.4).

import type { SipMessage } from '../sip/index.ts';
import type { Peer } from '../sip/transport/index.ts';
import type { ServerTransaction } from '../sip/transaction/index.ts';
import type { UaContext } from './context.ts';

/** UAS: our 2xx, sent again and again until its ACK comes or 64*T1 has passed. */
export class OkRetransmission {
  private retransmit: number | null = null;
  private giveUpTimer: number | null = null;

  constructor(private readonly ctx: UaContext) {}

  /** Sends `ok` on `tx` and keeps sending it; `giveUp` runs when no ACK came in 64*T1. */
  start(tx: ServerTransaction, ok: SipMessage, giveUp: () => void): void {
    this.stop(); // a re-INVITE answered before the last 2xx's ACK: that one is superseded
    tx.respond(ok);
    const timers = this.ctx.timers;
    const { t1, t2 } = this.ctx.stack.layer.timers;
    let interval = t1;
    const again = (): void => {
      this.retransmit = timers.after(interval, () => {
        tx.respond(ok);
        interval = Math.min(interval * 2, t2);
        again();
      });
    };
    again();
    this.giveUpTimer = timers.after(64 * t1, () => {
      this.stop();
      giveUp();
    });
  }

  /** The ACK came (or the call is over): no more copies. */
  stop(): void {
    this.ctx.timers.cancel(this.retransmit);
    this.ctx.timers.cancel(this.giveUpTimer);
    this.retransmit = null;
    this.giveUpTimer = null;
  }
}

/** UAC: the ACK we sent for the 2xx, and where to, so a retransmitted 2xx gets it again. */
export class SentAck {
  private ack: { msg: SipMessage; peer: Peer } | null = null;

  constructor(private readonly ctx: UaContext) {}

  /** We acknowledged a 2xx (and so the INVITE was answered). */
  get sent(): boolean {
    return this.ack !== null;
  }

  /** Sends the ACK for the first 2xx; the layer adds its own Via, which the copies keep. */
  send(msg: SipMessage, peer: Peer): void {
    this.ctx.stack.layer.sendAck(msg, peer);
    this.ack = { msg, peer };
  }

  /** A 2xx came again: our ACK got lost. Sends the same ACK again; false if there is none yet. */
  resend(): boolean {
    if (this.ack === null) return false;
    this.ctx.stack.layer.sendStateless(this.ack.msg, this.ack.peer);
    return true;
  }
}
