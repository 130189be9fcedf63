// One call (RFC 3261 §13–§15 with RFC 3262 and RFC 3264): outgoing — INVITE with an SDP
// offer, progress, early media, PRACK, redirects, challenges, CANCEL; incoming — ringing,
// reliable 180, answer, reject, CANCEL; in the call — BYE, hold/resume by re-INVITE,
// re-INVITE/UPDATE/INFO/OPTIONS answered, blind transfer both ways (REFER, transfer.ts).

import { SipMessage, createResponse, isSipUri, parseUri } from '../sip/index.ts';
import type { SipUri } from '../sip/index.ts';
import type { Peer } from '../sip/transport/index.ts';
import type { ClientTransaction, ServerTransaction, TimerConfig } from '../sip/transaction/index.ts';
import { isHold, parseSdp } from '../sdp/index.ts';
import { Authenticator } from './authenticator.ts';
import { Dialog } from '../sip/dialog/dialog.ts';
import type { MediaSession } from './media-session.ts';
import { prepareRetry } from './request-retry.ts';
import type { UaContext } from './context.ts';
import type { PortPair } from '../media/rtp-ports.ts';
import { DTMF_RELAY_CONTENT_TYPE, dtmfRelayBody, parseDtmfRelay } from '../media/dtmf.ts';
import { readReferTo, referNotify, referRequest } from './transfer.ts';

export type CallState = 'dialing' | 'trying' | 'ringing' | 'early' | 'connected' | 'held' | 'ended';

/** What a call needs from the user agent that owns it. */
export interface CallHost {
  ctx: UaContext;
  /** Our Contact URI for this call. */
  contact(): string;
  /** Where a request for `uri` goes first (outbound proxy, or the URI's host). */
  route(uri: SipUri, inDialog: boolean, cb: (peer: Peer | null) => void): void;
  credentials(): { username: string; password: string } | null;
  allow: string;
  supported: string;
  changed(call: Call): void;
  /** A DTMF digit the peer sent by SIP INFO (RFC 4733 digits come with the media). */
  dtmf?(call: Call, digit: string): void;
  /** The peer transfers us (REFER): call `target` for `call`; the new call, or null if we cannot. */
  referred?(call: Call, target: SipUri, targetText: string, referredBy: string | undefined): Call | null;
}

/** Our blind transfer of this call: asked for, or refused by the peer (the call stays). */
export interface TransferAttempt {
  target: string;
  state: 'requested' | 'failed';
  /** The REFER's final status once refused. */
  status: number;
}

const MAX_REDIRECTS = 5;
const MAX_AUTH = 2;

export class Call {
  state: CallState;
  status = 0;
  reason = '';
  dialog: Dialog | null = null;
  /** What we show for the other party. */
  remote: string;
  muted = false;
  localHold = false;
  remoteHold = false;
  readonly startedAt: number;
  connectedAt = 0;
  /** The RTP/RTCP sockets this call's SDP names (owned by the user agent's pool). */
  rtpPair: PortPair | null = null;
  // outgoing
  private invite: SipMessage | null = null;
  private inviteTx: ClientTransaction | null = null;
  private cancelRequested = false;
  private readonly visited = new Set<string>();
  private authRounds = 0;
  private lastAck: { msg: SipMessage; peer: Peer } | null = null;
  private prackedRseq = -1;
  private readonly auth: Authenticator;
  // incoming
  private serverTx: ServerTransaction | null = null;
  private okRetransmit: number | null = null;
  private okGiveUp: number | null = null;
  private reliable180: { res: SipMessage; rseq: number; timer: number | null; interval: number } | null = null;
  /** RSeq of the reliable provisional we sent: a PRACK for it is welcome even after the answer. */
  private sentRseq = -1;
  // in-dialog re-INVITE we sent
  private reinviteTx: ClientTransaction | null = null;
  /** The retry of our re-INVITE after a 491 (glare). */
  private glareTimer: number | null = null;
  private endTimer: number | null = null;
  // blind transfer
  /** Ours, as transferor. */
  transfer: TransferAttempt | null = null;
  /** The peer transferred us: this call steps aside for the one it asked for. */
  transferredAway = false;
  /** The call we were transferred from, on the call placed for a REFER. */
  referrer: Call | null = null;
  /** As transferee: the REFER we accepted and the call it made, until the final NOTIFY. */
  private referral: { cseq: number; next: Call; lastStatus: number; subscribed: boolean } | null = null;

  private constructor(
    private readonly host: CallHost,
    readonly direction: 'out' | 'in',
    readonly callId: string,
    readonly media: MediaSession,
    remote: string,
  ) {
    this.state = direction === 'out' ? 'dialing' : 'ringing';
    this.remote = remote;
    this.startedAt = host.ctx.hal.clock.monotonic();
    this.auth = new Authenticator(host.ctx.hal);
  }

  // ---- outgoing -------------------------------------------------------------------------

  static dial(
    host: CallHost, target: SipUri, targetText: string, from: string, media: MediaSession,
    referral: { from: Call; by: string | undefined } | null = null,
  ): Call {
    const ctx = host.ctx;
    const callId = `${ctx.stack.random(12)}@${ctx.stack.localAddress()}`;
    const call = new Call(host, 'out', callId, media, stripScheme(targetText));
    call.referrer = referral?.from ?? null;
    const inv = SipMessage.request('INVITE', targetText);
    inv.add('Max-Forwards', '70');
    inv.add('From', `${from};tag=${ctx.stack.random(6)}`);
    inv.add('To', `<${targetText}>`);
    inv.add('Call-ID', callId);
    inv.add('CSeq', '1 INVITE');
    inv.add('Contact', `<${host.contact()}>`);
    inv.add('Allow', host.allow);
    inv.add('Supported', host.supported);
    inv.add('User-Agent', ctx.userAgent);
    if (referral?.by !== undefined) inv.add('Referred-By', referral.by); // RFC 3892
    inv.add('Content-Type', 'application/sdp');
    inv.body = media.offer();
    call.invite = inv;
    call.visited.add(targetText);
    call.sendInvite(target, false);
    return call;
  }

  private sendInvite(target: SipUri, direct: boolean): void {
    const inv = this.invite!;
    this.host.route(target, direct, (peer) => {
      if (this.state === 'ended') return;
      if (peer === null) return this.end(404, 'Cannot find the callee');
      this.inviteTx = this.host.ctx.stack.layer.request(inv, peer, {
        onProvisional: (res) => this.onProvisional(res, peer),
        onFinal: (res) => this.onFinal(res, peer),
        onTimeout: () => this.end(408, 'No answer'),
        onTransportError: () => this.end(503, 'Network error'),
      });
      if (this.inviteTx === null) return this.end(503, 'Too busy');
      if (this.cancelRequested) this.host.ctx.stack.layer.cancel(this.inviteTx);
    });
  }

  private onProvisional(res: SipMessage, peer: Peer): void {
    if (this.state === 'ended' || this.state === 'connected') return;
    if (res.status === 100) {
      if (this.state === 'dialing') this.setState('trying');
      return;
    }
    const tag = res.to()?.tag;
    if (tag && (this.dialog === null || this.dialog.remoteTag !== tag)) this.dialog = Dialog.asUac(this.invite!, res);
    else if (this.dialog !== null && res.contacts()[0]) this.dialog.remoteTarget = res.contacts()[0]!.uriText;
    let early = false;
    if (res.body.length > 0 && isSdp(res) && this.media.awaitingAnswer) early = this.media.answered(res.bodyText()) === null;
    else if (res.body.length > 0 && isSdp(res) && this.media.params !== null) early = true;
    if (res.require().indexOf('100rel') !== -1) this.sendPrack(res, peer);
    this.setState(early || this.state === 'early' ? 'early' : 'ringing');
  }

  /** RFC 3262 §7.1: acknowledge a reliable provisional response once per RSeq. */
  private sendPrack(res: SipMessage, peer: Peer): void {
    const rseq = res.rseq();
    if (rseq === undefined || this.dialog === null || rseq <= this.prackedRseq) return;
    this.prackedRseq = rseq;
    const prack = this.dialog.request('PRACK');
    prack.add('RAck', `${rseq} ${this.invite!.cseq()!.seq} INVITE`);
    prack.add('User-Agent', this.host.ctx.userAgent);
    this.inDialog(prack, peer, () => {});
  }

  private onFinal(res: SipMessage, peer: Peer): void {
    const code = res.status;
    if (code >= 200 && code < 300) return this.onInvite2xx(res, peer);
    this.inviteTx = null;
    if (this.state === 'ended') return;
    if (code >= 300 && code < 400 && !this.cancelRequested) return this.redirect(res);
    if ((code === 401 || code === 407) && !this.cancelRequested && this.authRounds < MAX_AUTH) {
      const creds = this.host.credentials();
      this.authRounds++;
      if (creds !== null && this.auth.authorize(this.invite!, res, creds.username, creds.password)) {
        prepareRetry(this.invite!, this.invite!.cseq()!.seq + 1);
        const target = parseUri(this.invite!.uri);
        if (isSipUri(target)) return this.sendInvite(target, false);
      }
    }
    if (this.cancelRequested) return this.end(487, 'Cancelled');
    this.end(code, describe(code) ?? (res.reason || 'Call failed'));
  }

  private onInvite2xx(res: SipMessage, peer: Peer): void {
    if (this.lastAck !== null) {
      // A retransmitted 2xx: our ACK got lost (§13.2.2.4).
      this.host.ctx.stack.layer.sendStateless(this.lastAck.msg, this.lastAck.peer);
      return;
    }
    const tag = res.to()?.tag;
    if (this.dialog === null || this.dialog.remoteTag !== tag) this.dialog = Dialog.asUac(this.invite!, res);
    const dialog = this.dialog;
    if (dialog === null) return this.end(500, 'Bad 2xx (no To tag)');
    // The 2xx fixes the route set and target for the whole dialog (§12.1.2).
    const fixed = Dialog.asUac(this.invite!, res);
    if (fixed !== null) this.dialog = fixed;
    if (this.media.awaitingAnswer && res.body.length > 0) {
      const problem = this.media.answered(res.bodyText());
      if (problem !== null) this.host.ctx.hal.system.log('warn', `SDP answer refused: ${problem}`);
    }
    const ack = this.dialog!.request('ACK', this.invite!.cseq()!.seq);
    for (const h of this.invite!.headers) if (h.name === 'Proxy-Authorization' || h.name === 'Authorization') ack.add(h.name, h.value);
    this.routeInDialog(peer, (next) => {
      this.host.ctx.stack.layer.sendAck(ack, next); // adds its own Via: kept for re-ACKs
      this.lastAck = { msg: ack, peer: next };
      if (this.cancelRequested || this.state === 'ended') {
        this.bye(); // the callee answered while we hung up: end it properly
        return;
      }
      this.connectedAt = this.host.ctx.hal.clock.monotonic();
      this.setState('connected');
    });
  }

  /** Follows a 3xx to the best untried Contact (q order), at most MAX_REDIRECTS times (§8.1.3.4). */
  private redirect(res: SipMessage): void {
    let contacts;
    try {
      contacts = res.contacts().slice().sort((a, b) => (b.q ?? 1) - (a.q ?? 1));
    } catch {
      return this.end(res.status, 'Bad redirect');
    }
    const next = contacts.find((c) => !this.visited.has(c.uriText) && isSipUri(c.uri));
    if (next === undefined || this.visited.size > MAX_REDIRECTS) return this.end(res.status, 'Redirect failed');
    this.visited.add(next.uriText);
    const inv = this.invite!;
    prepareRetry(inv, inv.cseq()!.seq + 1);
    inv.uri = next.uriText;
    this.dialog = null;
    this.host.ctx.hal.system.log('info', `following ${res.status} to ${next.uriText}`);
    this.sendInvite(next.uri as SipUri, true);
  }

  // ---- incoming -------------------------------------------------------------------------

  static incoming(host: CallHost, req: SipMessage, tx: ServerTransaction, media: MediaSession): Call {
    const from = req.from();
    const who = from ? from.displayName || stripScheme(from.uriText) : 'unknown';
    const call = new Call(host, 'in', req.callId()!, media, who);
    call.serverTx = tx;
    const localTag = host.ctx.stack.random(6);
    call.dialog = Dialog.asUas(req, localTag, host.ctx.stack.rng.int(1, 10000));
    if (call.dialog === null) {
      tx.respond(createResponse(req, 400, 'Missing Contact or From tag'));
      call.state = 'ended';
      return call;
    }
    call.dialog.acceptRemoteSeq(req.cseq()!.seq);
    const reliable = hasToken(req, 'Require', '100rel') || hasToken(req, 'Supported', '100rel');
    const ringing = call.response(180);
    if (reliable) {
      const rseq = host.ctx.stack.rng.int(1, 1000);
      ringing.add('Require', '100rel');
      ringing.add('RSeq', String(rseq));
      call.reliable180 = { res: ringing, rseq, timer: null, interval: call.sip.t1 };
      call.sentRseq = rseq;
      call.retransmit180();
    }
    tx.respond(ringing);
    return call;
  }

  /** Answers a ringing incoming call with 200 and our SDP answer (or offer). */
  answer(): boolean {
    if (this.direction !== 'in' || this.state !== 'ringing' || this.serverTx === null) return false;
    const req = this.serverTx.request;
    const ok = this.response(200);
    let body: string | null;
    if (req.body.length > 0 && isSdp(req)) {
      body = this.media.answer(req.bodyText());
      if (body === null) {
        this.serverTx.respond(this.response(488));
        this.end(488, 'No common codec');
        return false;
      }
    } else {
      body = this.media.offer(); // no offer in the INVITE: ours goes in the 200, theirs in the ACK
    }
    ok.add('Content-Type', 'application/sdp');
    ok.body = body;
    this.stopReliable180();
    this.sendOk(ok);
    this.connectedAt = this.host.ctx.hal.clock.monotonic();
    this.setState('connected');
    return true;
  }

  /** Declines a ringing incoming call (486 Busy Here, or 603 Decline). */
  reject(code = 486): void {
    if (this.direction !== 'in' || this.state !== 'ringing' || this.serverTx === null) return;
    this.stopReliable180();
    this.serverTx.respond(this.response(code));
    this.end(code, code === 603 ? 'Declined' : 'Rejected');
  }

  /** The caller cancelled (the layer already answered the CANCEL). */
  cancelled(): void {
    if (this.state !== 'ringing' || this.serverTx === null) return;
    this.stopReliable180();
    this.serverTx.respond(this.response(487));
    this.end(487, 'Missed call');
  }

  /** The ACK for our 2xx (possibly carrying the answer to our offer). */
  acked(ack: SipMessage): void {
    // A late copy of the ACK for an earlier 2xx must not stop the current one's retransmission.
    if (this.serverTx !== null && ack.cseq()?.seq !== this.serverTx.request.cseq()?.seq) return;
    this.clearOk();
    if (ack.body.length > 0 && isSdp(ack) && this.media.awaitingAnswer) this.media.answered(ack.bodyText());
  }

  private response(code: number): SipMessage {
    const req = this.serverTx!.request;
    const res = createResponse(req, code, undefined, this.dialog?.localTag);
    if (code >= 180 && code < 300) {
      // §12.1.1: the route set travels back in dialog-creating responses.
      for (const h of req.headers) if (h.name === 'Record-Route') res.add('Record-Route', h.value);
      res.add('Contact', `<${this.host.contact()}>`);
    }
    if (code === 200) {
      res.add('Allow', this.host.allow);
      res.add('Supported', this.host.supported);
    }
    res.add('User-Agent', this.host.ctx.userAgent);
    return res;
  }

  private retransmit180(): void {
    const r = this.reliable180;
    if (r === null) return;
    r.timer = this.host.ctx.timers.after(r.interval, () => {
      if (this.reliable180 !== r || this.state !== 'ringing' || this.serverTx === null) return;
      r.interval *= 2;
      if (r.interval > 64 * this.sip.t1) {
        // No PRACK (RFC 3262 §3): give up on the call.
        this.serverTx.respond(this.response(504));
        return this.end(504, 'No PRACK');
      }
      this.serverTx.respond(r.res);
      this.retransmit180();
    });
  }

  private stopReliable180(): void {
    if (this.reliable180 !== null) this.host.ctx.timers.cancel(this.reliable180.timer);
    this.reliable180 = null;
  }

  /** Sends a 2xx and retransmits it until the ACK (§13.3.1.4). */
  private sendOk(ok: SipMessage): void {
    const tx = this.serverTx!;
    this.clearOk(); // a re-INVITE answered before the last 2xx's ACK: that one is superseded
    tx.respond(ok);
    const { t1, t2 } = this.sip;
    let interval = t1;
    const again = (): void => {
      this.okRetransmit = this.host.ctx.timers.after(interval, () => {
        tx.respond(ok);
        interval = Math.min(interval * 2, t2);
        again();
      });
    };
    again();
    this.okGiveUp = this.host.ctx.timers.after(64 * t1, () => {
      this.clearOk();
      if (this.state !== 'ended') {
        this.bye(); // the ACK never came: end the call (§13.3.1.4)
      }
    });
  }

  private clearOk(): void {
    this.host.ctx.timers.cancel(this.okRetransmit);
    this.host.ctx.timers.cancel(this.okGiveUp);
    this.okRetransmit = null;
    this.okGiveUp = null;
  }

  // ---- in the call ----------------------------------------------------------------------

  /** Ends the call from our side: CANCEL while it rings, BYE once it is up. */
  hangup(): void {
    if (this.state === 'ended') return;
    if (this.direction === 'in' && this.state === 'ringing') return this.reject(486);
    if (this.direction === 'out' && this.lastAck === null) {
      this.cancelRequested = true;
      if (this.inviteTx !== null) this.host.ctx.stack.layer.cancel(this.inviteTx, 'SIP;cause=487;text="Call cancelled"');
      // If no final response comes, stop waiting (§9.1: the UAC gives up after 64*T1).
      this.endTimer = this.host.ctx.timers.after(64 * this.sip.t1, () => this.end(487, 'Cancelled'));
      return;
    }
    this.bye();
  }

  private bye(reason = 'Call ended'): void {
    if (this.dialog !== null) {
      const req = this.dialog.request('BYE');
      req.add('User-Agent', this.host.ctx.userAgent);
      this.inDialog(req, null, () => {});
    }
    this.end(this.status || 200, reason);
  }

  // ---- blind transfer -------------------------------------------------------------------

  /**
   * Transfers the peer to `target` (a SIP URI): REFER; once the peer accepts, the call is
   * theirs to make and ours ends ("Transferred"). Refused, the call stays as it was.
   */
  referTo(target: string, referredBy: string): boolean {
    if ((this.state !== 'connected' && this.state !== 'held') || this.dialog === null || this.transfer?.state === 'requested') return false;
    const req = referRequest(this.dialog, target, referredBy, this.host.contact(), this.host.ctx.userAgent);
    const attempt: TransferAttempt = { target, state: 'requested', status: 0 };
    this.transfer = attempt;
    this.emitTransfer('transferor', 'requested', target, 0);
    this.host.changed(this);
    this.inDialog(req, null, (res) => {
      if (this.transfer !== attempt || this.state === 'ended') return;
      if (res.status >= 200 && res.status < 300) {
        this.emitTransfer('transferor', 'accepted', target, res.status);
        this.bye('Transferred');
        return;
      }
      attempt.state = 'failed';
      attempt.status = res.status;
      this.emitTransfer('transferor', 'failed', target, res.status);
      this.host.changed(this);
    });
    return true;
  }

  /** The peer's REFER: accept it (202), call the target, and report that call in NOTIFYs. */
  private referred(req: SipMessage, tx: ServerTransaction): void {
    if (this.state !== 'connected' && this.state !== 'held') {
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
    this.transferredAway = true; // steps aside before the new call exists, so it can be the active one
    const next = this.host.referred?.(this, target.uri, target.text, req.get('Referred-By')) ?? null;
    if (next === null) {
      this.transferredAway = false;
      tx.respond(createResponse(req, 603, 'Cannot Transfer'));
      return;
    }
    tx.respond(createResponse(req, 202));
    this.referral = { cseq: req.cseq()!.seq, next, lastStatus: 0, subscribed: true };
    this.emitTransfer('transferee', 'accepted', target.text, 202);
    this.notifyReferral(100, 'Trying', false);
    if (next.state !== 'dialing') this.transferProgress(next); // it may have ended already
  }

  /** The transfer call changed: tell the transferor (ringing, then the final outcome). */
  transferProgress(next: Call): void {
    const r = this.referral;
    if (r === null || r.next !== next || r.lastStatus >= 200) return;
    if (next.state === 'connected') {
      this.notifyReferral(200, 'OK', true);
      this.emitTransfer('transferee', 'done', next.remote, 200);
    } else if (next.state === 'ended') {
      const status = next.status >= 300 ? next.status : 487;
      this.notifyReferral(status, next.reason || 'Call Failed', true);
      this.emitTransfer('transferee', 'failed', next.remote, status);
      // The transferor may keep the call after a failed transfer: it is ours again.
      this.transferredAway = false;
    } else if ((next.state === 'ringing' || next.state === 'early') && r.lastStatus < 180) {
      this.notifyReferral(180, 'Ringing', false);
    }
  }

  private notifyReferral(status: number, reason: string, final: boolean): void {
    const r = this.referral;
    if (r === null || this.dialog === null) return;
    r.lastStatus = status;
    if (!r.subscribed) return;
    const req = referNotify(this.dialog, r.cseq, status, reason, final, this.host.contact(), this.host.ctx.userAgent);
    this.inDialog(req, null, (res) => {
      // A transferor that hung up at once answers 481: the subscription is gone (RFC 6665
      // §4.1.3), so no more NOTIFYs; the transfer call itself goes on.
      if (res.status === 481) r.subscribed = false;
    });
  }

  private emitTransfer(role: 'transferor' | 'transferee', state: string, target: string, status: number): void {
    this.host.ctx.emit({ event: 'transfer', call_id: this.callId, role, state, target: stripScheme(target), status });
  }

  /** Puts the call on hold (sendonly re-INVITE) or takes it off hold (sendrecv). */
  hold(on: boolean): boolean {
    if ((this.state !== 'connected' && this.state !== 'held') || this.dialog === null || this.reinviteTx !== null) return false;
    this.host.ctx.timers.cancel(this.glareTimer); // this request replaces a pending retry
    this.glareTimer = null;
    if (on === this.localHold) return true;
    const req = this.dialog.request('INVITE');
    req.add('Contact', `<${this.host.contact()}>`);
    req.add('Allow', this.host.allow);
    req.add('User-Agent', this.host.ctx.userAgent);
    req.add('Content-Type', 'application/sdp');
    req.body = this.media.reoffer(on ? (this.remoteHold ? 'inactive' : 'sendonly') : (this.remoteHold ? 'recvonly' : 'sendrecv'));
    this.inDialog(req, null, (res, peer) => {
      this.reinviteTx = null;
      if (res.status >= 200 && res.status < 300) {
        if (res.body.length > 0) this.media.answered(res.bodyText());
        const ack = this.dialog!.request('ACK', req.cseq()!.seq);
        this.host.ctx.stack.layer.sendAck(ack, peer);
        this.localHold = on;
        this.setState(on || this.remoteHold ? 'held' : 'connected');
      } else if (res.status === 491 && this.state !== 'ended') {
        // Glare (§14.1): the Call-ID's owner retries after 2.1–4 s, the other side within 2 s.
        const r = this.host.ctx.stack.rng.unit();
        this.glareTimer = this.host.ctx.timers.after(this.direction === 'out' ? 2100 + r * 1900 : r * 2000, () => {
          this.glareTimer = null;
          this.hold(on);
        });
      } else if (res.status === 481 || res.status === 408) {
        this.end(res.status, 'Call lost');
      }
    }, (tx) => (this.reinviteTx = tx));
    return true;
  }

  /** DTMF by SIP INFO (application/dtmf-relay), for peers without telephone-events. */
  sendInfoDtmf(digit: string): void {
    if (this.dialog === null || (this.state !== 'connected' && this.state !== 'held')) return;
    const req = this.dialog.request('INFO');
    req.add('Content-Type', DTMF_RELAY_CONTENT_TYPE);
    req.body = dtmfRelayBody(digit, 160);
    this.inDialog(req, null, () => {});
  }

  setMuted(on: boolean): void {
    this.muted = on;
    this.host.changed(this);
  }

  /** The request (ACK included) belongs to this call's dialog: Call-ID and both tags (§12.2.2). */
  inDialogWith(req: SipMessage): boolean {
    const d = this.dialog;
    return d !== null && req.callId() === d.callId && req.to()?.tag === d.localTag && req.from()?.tag === d.remoteTag;
  }

  /** `tx` is the INVITE this call is answering (for CANCEL). */
  answers(tx: ServerTransaction): boolean {
    return this.serverTx === tx;
  }

  /** A request inside our dialog. Returns false when it is not ours. */
  handleRequest(req: SipMessage, tx: ServerTransaction): void {
    const dialog = this.dialog!;
    if (!dialog.acceptRemoteSeq(req.cseq()!.seq) && req.method !== 'ACK') {
      tx.respond(createResponse(req, 500, 'CSeq Out of Order'));
      return;
    }
    switch (req.method) {
      case 'BYE':
        tx.respond(createResponse(req, 200));
        this.clearOk();
        this.end(200, this.transferredAway ? 'Transferred' : 'Remote hangup');
        return;
      case 'REFER':
        return this.referred(req, tx);
      case 'INVITE':
      case 'UPDATE':
        return this.remoteOffer(req, tx);
      case 'PRACK': {
        const rack = req.rack();
        if (rack && rack.rseq === this.sentRseq && rack.method === 'INVITE') {
          this.stopReliable180();
          tx.respond(createResponse(req, 200));
        } else {
          tx.respond(createResponse(req, 481, 'No Matching Provisional'));
        }
        return;
      }
      case 'INFO': {
        const digit = isDtmfRelay(req) ? parseDtmfRelay(req.bodyText()) : null;
        tx.respond(createResponse(req, 200));
        if (digit !== null) this.host.dtmf?.(this, digit);
        return;
      }
      case 'OPTIONS':
      case 'NOTIFY': {
        const res = createResponse(req, 200);
        if (req.method === 'OPTIONS') res.add('Allow', this.host.allow);
        tx.respond(res);
        return;
      }
      default: {
        const res = createResponse(req, 405);
        res.add('Allow', this.host.allow);
        tx.respond(res);
      }
    }
  }

  /** A re-INVITE or UPDATE from the peer: answer its offer (hold, resume, session refresh). */
  private remoteOffer(req: SipMessage, tx: ServerTransaction): void {
    if (this.state === 'ended') {
      tx.respond(createResponse(req, 481));
      return;
    }
    if (req.method === 'INVITE' && this.reinviteTx !== null) {
      tx.respond(createResponse(req, 491)); // glare with our own re-INVITE
      return;
    }
    const c = req.contacts()[0];
    if (c) this.dialog!.remoteTarget = c.uriText;
    const ok = createResponse(req, 200, undefined, this.dialog!.localTag);
    for (const h of req.headers) if (h.name === 'Record-Route') ok.add('Record-Route', h.value);
    ok.add('Contact', `<${this.host.contact()}>`);
    if (req.body.length > 0 && isSdp(req)) {
      let held = false;
      try {
        held = isHold(parseSdp(req.bodyText()));
      } catch {
        held = false;
      }
      const answer = this.media.answer(req.bodyText());
      if (answer === null) {
        tx.respond(createResponse(req, 488));
        return;
      }
      ok.add('Content-Type', 'application/sdp');
      ok.body = answer;
      this.remoteHold = held;
    } else if (req.method === 'INVITE') {
      ok.add('Content-Type', 'application/sdp');
      ok.body = this.media.offer();
    }
    if (req.method === 'INVITE') {
      this.serverTx = tx;
      this.sendOk(ok);
    } else {
      tx.respond(ok);
    }
    if (this.state === 'connected' || this.state === 'held') this.setState(this.localHold || this.remoteHold ? 'held' : 'connected');
  }

  /** Sends an in-dialog request along the route set; `onFinal` gets the response and the hop. */
  private inDialog(
    req: SipMessage,
    hint: Peer | null,
    onFinal: (res: SipMessage, peer: Peer) => void,
    onTx?: (tx: ClientTransaction) => void,
  ): void {
    this.routeInDialog(hint, (peer) => {
      const tx = this.host.ctx.stack.layer.request(req, peer, {
        onFinal: (res) => onFinal(res, peer),
        onTimeout: () => onFinal(createResponse(req, 408), peer),
        onTransportError: () => onFinal(createResponse(req, 503), peer),
      });
      if (tx !== null) onTx?.(tx);
    });
  }

  private routeInDialog(hint: Peer | null, cb: (peer: Peer) => void): void {
    const next = this.dialog?.nextHop() ?? null;
    if (next === null) {
      if (hint !== null) cb(hint);
      return;
    }
    this.host.route(next, true, (peer) => {
      const p = peer ?? hint;
      if (p !== null) cb(p);
    });
  }

  private end(status: number, reason: string): void {
    if (this.state === 'ended') return;
    this.status = status;
    this.reason = reason;
    this.stopReliable180();
    this.clearOk();
    this.host.ctx.timers.cancel(this.endTimer);
    this.host.ctx.timers.cancel(this.glareTimer);
    this.glareTimer = null;
    this.setState('ended');
  }

  /** T1/T2 of the transaction layer, so the call's own retransmissions follow the same table. */
  private get sip(): TimerConfig {
    return this.host.ctx.stack.layer.timers;
  }

  private setState(s: CallState): void {
    if (this.state === s && s !== 'connected' && s !== 'held') return;
    this.state = s;
    this.host.changed(this);
  }
}

/** The body is application/<subtype> (a bad Content-Type counts as not). */
function isApplication(m: SipMessage, subtype: string): boolean {
  try {
    const ct = m.contentType();
    return ct !== undefined && ct.type === 'application' && ct.subtype === subtype;
  } catch {
    return false;
  }
}

function isSdp(m: SipMessage): boolean {
  return isApplication(m, 'sdp');
}

function isDtmfRelay(m: SipMessage): boolean {
  return isApplication(m, 'dtmf-relay');
}

function hasToken(m: SipMessage, header: 'Require' | 'Supported', token: string): boolean {
  try {
    return (header === 'Require' ? m.require() : m.supported()).indexOf(token) !== -1;
  } catch {
    return false;
  }
}

function stripScheme(uri: string): string {
  const i = uri.indexOf(':');
  return i === -1 ? uri : uri.slice(i + 1);
}

/** Short words for the LCD for the failures people meet; others keep the reason phrase. */
function describe(code: number): string | null {
  if (code === 486 || code === 600) return 'Busy';
  if (code === 603) return 'Declined';
  if (code === 404 || code === 604) return 'Not found';
  if (code === 480) return 'Unavailable';
  if (code === 408) return 'No answer';
  return null;
}
