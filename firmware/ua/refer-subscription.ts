// Blind transfer in a call (RFC 3515, RFC 5589 §6), both roles. The transferor sends REFER and
// ends its call once the peer accepts (202); the transferee accepts, places the call to the
// target, and reports it in the implicit refer subscription: NOTIFYs whose message/sipfrag body
// is that call's progress (100, 180, then the final status, which ends the subscription).
// The messages themselves are built and read in transfer.ts.

import { createResponse } from '../sip/index.ts';
import type { SipMessage } from '../sip/index.ts';
import type { ServerTransaction } from '../sip/transaction/index.ts';
import type { Call, CallHost } from './call.ts';
import { stripScheme } from './call-messages.ts';
import { readReferTo, referNotify, referRequest } from './transfer.ts';

/** Our blind transfer of this call: asked for, or refused by the peer (the call stays). */
export interface TransferAttempt {
  target: string;
  state: 'requested' | 'failed';
  /** The REFER's final status once refused. */
  status: number;
}

/** Sends a request in the call's dialog; `onFinal` gets the final response (408/503 made up). */
export type DialogSend = (req: SipMessage, onFinal: (res: SipMessage) => void) => void;

type Role = 'transferor' | 'transferee';

function emitTransfer(host: CallHost, call: Call, role: Role, state: string, target: string, status: number): void {
  host.ctx.emit({ event: 'transfer', call_id: call.callId, role, state, target: stripScheme(target), status });
}

function inCall(call: Call): boolean {
  return call.state === 'connected' || call.state === 'held';
}

/** As transferor: our REFER and what became of it. */
export class Transferor {
  private attempt: TransferAttempt | null = null;

  constructor(private readonly call: Call, private readonly host: CallHost, private readonly send: DialogSend) {}

  /** The transfer we asked for, while pending or after the peer refused it. */
  get current(): Readonly<TransferAttempt> | null {
    return this.attempt;
  }

  /**
   * REFERs the peer to `target` (a SIP URI); `accepted` runs once the peer takes the call on.
   * Refused, the call stays as it was. False when no transfer can be asked now.
   */
  request(target: string, referredBy: string, accepted: () => void): boolean {
    const dialog = this.call.dialog;
    if (!inCall(this.call) || dialog === null || this.attempt?.state === 'requested') return false;
    const req = referRequest(dialog, target, referredBy, this.host.contact(), this.host.ctx.userAgent);
    const attempt: TransferAttempt = { target, state: 'requested', status: 0 };
    this.attempt = attempt;
    emitTransfer(this.host, this.call, 'transferor', 'requested', target, 0);
    this.host.changed(this.call);
    this.send(req, (res) => {
      if (this.attempt !== attempt || this.call.state === 'ended') return;
      if (res.status >= 200 && res.status < 300) {
        emitTransfer(this.host, this.call, 'transferor', 'accepted', target, res.status);
        accepted();
        return;
      }
      attempt.state = 'failed';
      attempt.status = res.status;
      emitTransfer(this.host, this.call, 'transferor', 'failed', target, res.status);
      this.host.changed(this.call);
    });
    return true;
  }
}

/** As transferee: the REFER we accepted and the call it made, until the final NOTIFY. */
export class Transferee {
  private referral: { cseq: number; next: Call; lastStatus: number; subscribed: boolean } | null = null;
  private steppedAside = false;

  constructor(private readonly call: Call, private readonly host: CallHost, private readonly send: DialogSend) {}

  /** The peer transferred us: this call steps aside for the one it asked for. */
  get away(): boolean {
    return this.steppedAside;
  }

  /** The peer's REFER: accept it (202), call the target, and report that call in NOTIFYs. */
  refer(req: SipMessage, tx: ServerTransaction): void {
    if (!inCall(this.call)) {
      tx.respond(createResponse(req, 403, 'Not In A Call'));
      return;
    }
    if (this.referral !== null && this.referral.lastStatus < 200) {
      tx.respond(createResponse(req, 491)); // one transfer at a time
      return;
    }
    const target = readReferTo(req);
    if ('status' in target) {
      tx.respond(createResponse(req, target.status, target.reason));
      return;
    }
    this.steppedAside = true; // before the new call exists, so it can be the active one
    const next = this.host.referred?.(this.call, target.uri, target.text, req.get('Referred-By')) ?? null;
    if (next === null) {
      this.steppedAside = false;
      tx.respond(createResponse(req, 603, 'Cannot Transfer'));
      return;
    }
    tx.respond(createResponse(req, 202));
    this.referral = { cseq: req.cseq()!.seq, next, lastStatus: 0, subscribed: true };
    emitTransfer(this.host, this.call, 'transferee', 'accepted', target.text, 202);
    this.notify(100, 'Trying', false);
    if (next.state !== 'dialing') this.progress(next); // it may have ended already
  }

  /** The transfer call changed: tell the transferor (ringing, then the final outcome). */
  progress(next: Call): void {
    const r = this.referral;
    if (r === null || r.next !== next || r.lastStatus >= 200) return;
    if (next.state === 'connected') {
      this.notify(200, 'OK', true);
      emitTransfer(this.host, this.call, 'transferee', 'done', next.remote, 200);
    } else if (next.state === 'ended') {
      const status = next.status >= 300 ? next.status : 487;
      this.notify(status, next.reason || 'Call Failed', true);
      emitTransfer(this.host, this.call, 'transferee', 'failed', next.remote, status);
      // The transferor may keep the call after a failed transfer: it is ours again.
      this.steppedAside = false;
    } else if ((next.state === 'ringing' || next.state === 'early') && r.lastStatus < 180) {
      this.notify(180, 'Ringing', false);
    }
  }

  private notify(status: number, reason: string, final: boolean): void {
    const r = this.referral;
    const dialog = this.call.dialog;
    if (r === null || dialog === null) return;
    r.lastStatus = status;
    if (!r.subscribed) return;
    const req = referNotify(dialog, r.cseq, status, reason, final, this.host.contact(), this.host.ctx.userAgent);
    this.send(req, (res) => {
      // A transferor that hung up at once answers 481: the subscription is gone (RFC 6665
      // §4.1.3), so no more NOTIFYs; the transfer call itself goes on.
      if (res.status === 481) r.subscribed = false;
    });
  }
}
