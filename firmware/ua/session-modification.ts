// Changing the session of a call that is up (RFC 3261 §14, RFC 3264 §8): our hold and resume by
// re-INVITE, the peer's re-INVITE or UPDATE answered (its hold, resume or session refresh), and
// glare — both sides re-INVITing at once — settled by 491 and a random retry (§14.1).

import { createResponse } from '../sip/index.ts';
import type { SipMessage } from '../sip/index.ts';
import type { Peer } from '../sip/transport/index.ts';
import type { ClientTransaction, ServerTransaction } from '../sip/transaction/index.ts';
import { isHold, parseSdp } from '../sdp/index.ts';
import type { Call, CallHost, CallState } from './call.ts';
import { isSdp } from './call-messages.ts';

/** What the session code does to its call. */
export interface SessionActions {
  /** Sends an in-dialog request; `onFinal` gets the final response and the hop it took. */
  send(req: SipMessage, onFinal: (res: SipMessage, peer: Peer) => void, onTx: (tx: ClientTransaction) => void): void;
  /** Answers the peer's re-INVITE on `tx` with `ok`, re-sent until the ACK. */
  answerInvite(tx: ServerTransaction, ok: SipMessage): void;
  setState(s: CallState): void;
  end(status: number, reason: string): void;
}

export class SessionModification {
  private heldByUs = false;
  private heldByPeer = false;
  /** Our re-INVITE until its final response. */
  private reinviteTx: ClientTransaction | null = null;
  /** The retry of our re-INVITE after a 491 (glare). */
  private glareTimer: number | null = null;

  constructor(private readonly call: Call, private readonly host: CallHost, private readonly act: SessionActions) {}

  get localHold(): boolean {
    return this.heldByUs;
  }

  get remoteHold(): boolean {
    return this.heldByPeer;
  }

  /** Puts the call on hold (sendonly re-INVITE) or takes it off hold (sendrecv). */
  hold(on: boolean): boolean {
    const call = this.call;
    const dialog = call.dialog;
    if ((call.state !== 'connected' && call.state !== 'held') || dialog === null || this.reinviteTx !== null) return false;
    this.stop(); // this request replaces a pending retry
    if (on === this.heldByUs) return true;
    const req = dialog.request('INVITE');
    req.add('Contact', `<${this.host.contact()}>`);
    req.add('Allow', this.host.allow);
    req.add('User-Agent', this.host.ctx.userAgent);
    req.add('Content-Type', 'application/sdp');
    const peerHeld = this.heldByPeer;
    req.body = call.media.reoffer(on ? (peerHeld ? 'inactive' : 'sendonly') : (peerHeld ? 'recvonly' : 'sendrecv'));
    this.act.send(req, (res, peer) => {
      this.reinviteTx = null;
      if (res.status >= 200 && res.status < 300) {
        if (res.body.length > 0) call.media.answered(res.bodyText());
        const ack = call.dialog!.request('ACK', req.cseq()!.seq);
        this.host.ctx.stack.layer.sendAck(ack, peer);
        this.heldByUs = on;
        this.act.setState(on || this.heldByPeer ? 'held' : 'connected');
      } else if (res.status === 491 && call.state !== 'ended') {
        // The Call-ID's owner retries after 2.1–4 s, the other side within 2 s.
        const r = this.host.ctx.stack.rng.unit();
        this.glareTimer = this.host.ctx.timers.after(call.direction === 'out' ? 2100 + r * 1900 : r * 2000, () => {
          this.glareTimer = null;
          this.hold(on);
        });
      } else if (res.status === 481 || res.status === 408) {
        this.act.end(res.status, 'Call lost');
      }
    }, (tx) => (this.reinviteTx = tx));
    return true;
  }

  /** A re-INVITE or UPDATE from the peer: answer its offer (hold, resume, session refresh). */
  remoteOffer(req: SipMessage, tx: ServerTransaction): void {
    const call = this.call;
    if (call.state === 'ended') {
      tx.respond(createResponse(req, 481));
      return;
    }
    if (req.method === 'INVITE' && this.reinviteTx !== null) {
      tx.respond(createResponse(req, 491)); // glare with our own re-INVITE
      return;
    }
    const dialog = call.dialog!;
    const c = req.contacts()[0];
    if (c) dialog.remoteTarget = c.uriText;
    const ok = createResponse(req, 200, undefined, dialog.localTag);
    for (const h of req.headers) if (h.name === 'Record-Route') ok.add('Record-Route', h.value);
    ok.add('Contact', `<${this.host.contact()}>`);
    if (req.body.length > 0 && isSdp(req)) {
      let held = false;
      try {
        held = isHold(parseSdp(req.bodyText()));
      } catch {
        held = false;
      }
      const answer = call.media.answer(req.bodyText());
      if (answer === null) {
        tx.respond(createResponse(req, 488));
        return;
      }
      ok.add('Content-Type', 'application/sdp');
      ok.body = answer;
      this.heldByPeer = held;
    } else if (req.method === 'INVITE') {
      ok.add('Content-Type', 'application/sdp');
      ok.body = call.media.offer();
    }
    if (req.method === 'INVITE') this.act.answerInvite(tx, ok);
    else tx.respond(ok);
    if (call.state === 'connected' || call.state === 'held') this.act.setState(this.heldByUs || this.heldByPeer ? 'held' : 'connected');
  }

  /** No glare retry any more (the call ended, or a new request replaces it). */
  stop(): void {
    this.host.ctx.timers.cancel(this.glareTimer);
    this.glareTimer = null;
  }
}
