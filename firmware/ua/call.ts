// One call: the INVITE session (RFC 3261 §13–§15, RFC 3264 offer/answer). Outgoing — INVITE
// with an SDP offer, progress, early media, redirects, challenges, CANCEL; incoming — ringing,
// answer, reject, CANCEL; in the call — the peer's requests, BYE. Beside it: 2xx and ACK
// retransmission (invite-2xx.ts), reliable provisionals (reliable-provisional.ts), hold and
// re-INVITEs (session-modification.ts), blind transfer (refer-subscription.ts). The app reads
// a call through its getters and changes it only through its methods.

import { createResponse, isSipUri, parseUri } from '../sip/index.ts';
import type { SipMessage, SipUri } from '../sip/index.ts';
import type { Peer } from '../sip/transport/index.ts';
import type { ClientTransaction, ServerTransaction } from '../sip/transaction/index.ts';
import { Authenticator } from './authenticator.ts';
import { Dialog } from '../sip/dialog/dialog.ts';
import type { MediaSession } from './media-session.ts';
import { prepareRetry } from './request-retry.ts';
import type { UaContext } from './context.ts';
import type { PortPair } from '../media/rtp-ports.ts';
import { DTMF_RELAY_CONTENT_TYPE, dtmfRelayBody } from '../media/dtmf.ts';
import { OkRetransmission, SentAck } from './invite-2xx.ts';
import { ProvisionalAcks, ReliableProvisional } from './reliable-provisional.ts';
import { Transferee, Transferor } from './refer-subscription.ts';
import { SessionModification } from './session-modification.ts';
import { answerPlainRequest, routeInDialog, sendInDialog } from './dialog-requests.ts';
import type { DialogSend, TransferAttempt } from './refer-subscription.ts';
import { failureText, hasToken, inviteRequest, inviteResponse, isSdp, redirectContacts, stripScheme } from './call-messages.ts';

export type { TransferAttempt } from './refer-subscription.ts';

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

const MAX_REDIRECTS = 5;
const MAX_AUTH = 2;

export class Call {
  private callState: CallState;
  private endStatus = 0;
  private endReason = '';
  private callDialog: Dialog | null = null;
  private remoteParty: string;
  private micMuted = false;
  private connectedTime = 0;
  private ports: PortPair | null = null;
  private transferredFrom: Call | null = null;
  readonly startedAt: number;
  // outgoing
  private invite: SipMessage | null = null;
  private inviteTx: ClientTransaction | null = null;
  private cancelRequested = false;
  private readonly visited = new Set<string>();
  private authRounds = 0;
  private readonly auth: Authenticator;
  private readonly sentAck: SentAck;
  private readonly pracks = new ProvisionalAcks();
  // incoming
  private serverTx: ServerTransaction | null = null;
  private readonly ok: OkRetransmission;
  private readonly reliable: ReliableProvisional;
  // in the call
  private readonly session: SessionModification;
  private endTimer: number | null = null;
  // blind transfer
  private readonly transferor: Transferor;
  private readonly transferee: Transferee;

  private constructor(
    private readonly host: CallHost,
    readonly direction: 'out' | 'in',
    readonly callId: string,
    readonly media: MediaSession,
    remote: string,
  ) {
    const ctx = host.ctx;
    this.callState = direction === 'out' ? 'dialing' : 'ringing';
    this.remoteParty = remote;
    this.startedAt = ctx.hal.clock.monotonic();
    this.auth = new Authenticator(ctx.hal);
    this.sentAck = new SentAck(ctx);
    this.ok = new OkRetransmission(ctx);
    this.reliable = new ReliableProvisional(ctx);
    const send: DialogSend = (req, onFinal) => sendInDialog(host, this.callDialog, req, null, onFinal);
    this.transferor = new Transferor(this, host, send);
    this.transferee = new Transferee(this, host, send);
    this.session = new SessionModification(this, host, {
      send: (req, onFinal, onTx) => sendInDialog(host, this.callDialog, req, null, onFinal, onTx),
      answerInvite: (tx, ok) => {
        this.serverTx = tx;
        this.sendOk(ok);
      },
      setState: (s) => this.setState(s),
      end: (status, reason) => this.end(status, reason),
    });
  }

  // ---- what the app sees ----------------------------------------------------------------

  get state(): CallState { return this.callState; }
  /** The final status once ended (0 before). */
  get status(): number { return this.endStatus; }
  get reason(): string { return this.endReason; }
  get dialog(): Dialog | null { return this.callDialog; }
  /** What we show for the other party. */
  get remote(): string { return this.remoteParty; }
  get muted(): boolean { return this.micMuted; }
  get localHold(): boolean { return this.session.localHold; }
  get remoteHold(): boolean { return this.session.remoteHold; }
  get connectedAt(): number { return this.connectedTime; }
  /** The RTP/RTCP sockets this call's SDP names (owned by the user agent's pool). */
  get rtpPair(): PortPair | null { return this.ports; }
  /** Ours, as transferor. */
  get transfer(): Readonly<TransferAttempt> | null { return this.transferor.current; }
  /** The peer transferred us: this call steps aside for the one it asked for. */
  get transferredAway(): boolean { return this.transferee.away; }
  /** The call we were transferred from, on the call placed for a REFER. */
  get referrer(): Call | null { return this.transferredFrom; }

  /** Only the user agent, which owns the RTP socket pool, lends a call its pair (and takes it back). */
  attachRtpPorts(pair: PortPair | null): void {
    this.ports = pair;
  }

  // ---- outgoing -------------------------------------------------------------------------

  static dial(
    host: CallHost, target: SipUri, targetText: string, from: string, media: MediaSession,
    referral: { from: Call; by: string | undefined } | null = null,
  ): Call {
    const ctx = host.ctx;
    const callId = `${ctx.stack.random(12)}@${ctx.stack.localAddress()}`;
    const call = new Call(host, 'out', callId, media, stripScheme(targetText));
    call.transferredFrom = referral?.from ?? null;
    call.invite = inviteRequest(host, callId, targetText, from, referral?.by, media.offer());
    call.visited.add(targetText);
    call.sendInvite(target, false);
    return call;
  }

  private sendInvite(target: SipUri, direct: boolean): void {
    const inv = this.invite!;
    this.host.route(target, direct, (peer) => {
      if (this.callState === 'ended') return;
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
    if (this.callState === 'ended' || this.callState === 'connected') return;
    if (res.status === 100) {
      if (this.callState === 'dialing') this.setState('trying');
      return;
    }
    const tag = res.to()?.tag;
    const dialog = this.callDialog;
    if (tag && (dialog === null || dialog.remoteTag !== tag)) this.callDialog = Dialog.asUac(this.invite!, res);
    else if (dialog !== null && res.contacts()[0]) dialog.remoteTarget = res.contacts()[0]!.uriText;
    let early = false;
    if (res.body.length > 0 && isSdp(res) && this.media.awaitingAnswer) early = this.media.answered(res.bodyText()) === null;
    else if (res.body.length > 0 && isSdp(res) && this.media.params !== null) early = true;
    const prack = this.pracks.prack(res, this.callDialog, this.invite!, this.host.ctx.userAgent);
    if (prack !== null) sendInDialog(this.host, this.callDialog, prack, peer, () => {});
    this.setState(early || this.callState === 'early' ? 'early' : 'ringing');
  }

  private onFinal(res: SipMessage, peer: Peer): void {
    const code = res.status;
    if (code >= 200 && code < 300) return this.onInvite2xx(res, peer);
    this.inviteTx = null;
    if (this.callState === 'ended') return;
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
    this.end(code, failureText(code) ?? (res.reason || 'Call failed'));
  }

  private onInvite2xx(res: SipMessage, peer: Peer): void {
    if (this.sentAck.resend()) return; // a retransmitted 2xx: our ACK got lost
    const tag = res.to()?.tag;
    if (this.callDialog === null || this.callDialog.remoteTag !== tag) this.callDialog = Dialog.asUac(this.invite!, res);
    if (this.callDialog === null) return this.end(500, 'Bad 2xx (no To tag)');
    // The 2xx fixes the route set and target for the whole dialog (§12.1.2).
    const fixed = Dialog.asUac(this.invite!, res);
    if (fixed !== null) this.callDialog = fixed;
    if (this.media.awaitingAnswer && res.body.length > 0) {
      const problem = this.media.answered(res.bodyText());
      if (problem !== null) this.host.ctx.hal.system.log('warn', `SDP answer refused: ${problem}`);
    }
    const ack = this.callDialog!.request('ACK', this.invite!.cseq()!.seq);
    for (const h of this.invite!.headers) if (h.name === 'Proxy-Authorization' || h.name === 'Authorization') ack.add(h.name, h.value);
    routeInDialog(this.host, this.callDialog, peer, (next) => {
      this.sentAck.send(ack, next);
      if (this.cancelRequested || this.callState === 'ended') {
        this.bye(); // the callee answered while we hung up: end it properly
        return;
      }
      this.connectedTime = this.host.ctx.hal.clock.monotonic();
      this.setState('connected');
    });
  }

  /** Follows a 3xx to the best untried Contact (q order), at most MAX_REDIRECTS times (§8.1.3.4). */
  private redirect(res: SipMessage): void {
    const contacts = redirectContacts(res);
    if (contacts === null) return this.end(res.status, 'Bad redirect');
    const next = contacts.find((c) => !this.visited.has(c.uriText) && isSipUri(c.uri));
    if (next === undefined || this.visited.size > MAX_REDIRECTS) return this.end(res.status, 'Redirect failed');
    this.visited.add(next.uriText);
    const inv = this.invite!;
    prepareRetry(inv, inv.cseq()!.seq + 1);
    inv.uri = next.uriText;
    this.callDialog = null;
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
    const dialog = Dialog.asUas(req, localTag, host.ctx.stack.rng.int(1, 10000));
    call.callDialog = dialog;
    if (dialog === null) {
      tx.respond(createResponse(req, 400, 'Missing Contact or From tag'));
      call.callState = 'ended';
      return call;
    }
    dialog.acceptRemoteSeq(req.cseq()!.seq);
    const ringing = call.response(180);
    if (hasToken(req, 'Require', '100rel') || hasToken(req, 'Supported', '100rel')) {
      const rseq = host.ctx.stack.rng.int(1, 1000);
      call.reliable.send(tx, ringing, rseq, () => call.callState === 'ringing', () => {
        call.serverTx!.respond(call.response(504));
        call.end(504, 'No PRACK');
      });
    } else {
      tx.respond(ringing);
    }
    return call;
  }

  /** Answers a ringing incoming call with 200 and our SDP answer (or offer). */
  answer(): boolean {
    if (this.direction !== 'in' || this.callState !== 'ringing' || this.serverTx === null) return false;
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
    this.reliable.stop();
    this.sendOk(ok);
    this.connectedTime = this.host.ctx.hal.clock.monotonic();
    this.setState('connected');
    return true;
  }

  /** Declines a ringing incoming call (486 Busy Here, or 603 Decline). */
  reject(code = 486): void {
    if (this.direction !== 'in' || this.callState !== 'ringing' || this.serverTx === null) return;
    this.reliable.stop();
    this.serverTx.respond(this.response(code));
    this.end(code, code === 603 ? 'Declined' : 'Rejected');
  }

  /** The caller cancelled (the layer already answered the CANCEL). */
  cancelled(): void {
    if (this.callState !== 'ringing' || this.serverTx === null) return;
    this.reliable.stop();
    this.serverTx.respond(this.response(487));
    this.end(487, 'Missed call');
  }

  /** The ACK for our 2xx (possibly carrying the answer to our offer). */
  acked(ack: SipMessage): void {
    // A late copy of the ACK for an earlier 2xx must not stop the current one's retransmission.
    if (this.serverTx !== null && ack.cseq()?.seq !== this.serverTx.request.cseq()?.seq) return;
    this.ok.stop();
    if (ack.body.length > 0 && isSdp(ack) && this.media.awaitingAnswer) this.media.answered(ack.bodyText());
  }

  private response(code: number): SipMessage {
    return inviteResponse(this.host, this.serverTx!.request, code, this.callDialog?.localTag);
  }

  /** Sends our 2xx to the INVITE we are answering until its ACK; without one, BYE. */
  private sendOk(ok: SipMessage): void {
    this.ok.start(this.serverTx!, ok, () => {
      if (this.callState !== 'ended') this.bye(); // the ACK never came (§13.3.1.4)
    });
  }

  // ---- in the call ----------------------------------------------------------------------

  /** Ends the call from our side: CANCEL while it rings, BYE once it is up. */
  hangup(): void {
    if (this.callState === 'ended') return;
    if (this.direction === 'in' && this.callState === 'ringing') return this.reject(486);
    if (this.direction === 'out' && !this.sentAck.sent) {
      this.cancelRequested = true;
      if (this.inviteTx !== null) this.host.ctx.stack.layer.cancel(this.inviteTx, 'SIP;cause=487;text="Call cancelled"');
      // If no final response comes, stop waiting (§9.1: the UAC gives up after 64*T1).
      this.endTimer = this.host.ctx.timers.after(64 * this.host.ctx.stack.layer.timers.t1, () => this.end(487, 'Cancelled'));
      return;
    }
    this.bye();
  }

  private bye(reason = 'Call ended'): void {
    if (this.callDialog !== null) {
      const req = this.callDialog.request('BYE');
      req.add('User-Agent', this.host.ctx.userAgent);
      sendInDialog(this.host, this.callDialog, req, null, () => {});
    }
    this.end(this.endStatus || 200, reason);
  }

  /**
   * Transfers the peer to `target` (a SIP URI): REFER; once the peer accepts, the call is
   * theirs to make and ours ends ("Transferred"). Refused, the call stays as it was.
   */
  referTo(target: string, referredBy: string): boolean {
    return this.transferor.request(target, referredBy, () => this.bye('Transferred'));
  }

  /** The call placed for the peer's REFER changed: the transferor hears of it. */
  transferProgress(next: Call): void {
    this.transferee.progress(next);
  }

  /** Puts the call on hold (sendonly re-INVITE) or takes it off hold (sendrecv). */
  hold(on: boolean): boolean {
    return this.session.hold(on);
  }

  /** DTMF by SIP INFO (application/dtmf-relay), for peers without telephone-events. */
  sendInfoDtmf(digit: string): void {
    if (this.callDialog === null || (this.callState !== 'connected' && this.callState !== 'held')) return;
    const req = this.callDialog.request('INFO');
    req.add('Content-Type', DTMF_RELAY_CONTENT_TYPE);
    req.body = dtmfRelayBody(digit, 160);
    sendInDialog(this.host, this.callDialog, req, null, () => {});
  }

  setMuted(on: boolean): void {
    this.micMuted = on;
    this.host.changed(this);
  }

  /** The request (ACK included) belongs to this call's dialog: Call-ID and both tags (§12.2.2). */
  inDialogWith(req: SipMessage): boolean {
    const d = this.callDialog;
    return d !== null && req.callId() === d.callId && req.to()?.tag === d.localTag && req.from()?.tag === d.remoteTag;
  }

  /** `tx` is the INVITE this call is answering (for CANCEL). */
  answers(tx: ServerTransaction): boolean {
    return this.serverTx === tx;
  }

  /** A request inside our dialog (the user agent matched it with inDialogWith). */
  handleRequest(req: SipMessage, tx: ServerTransaction): void {
    const dialog = this.callDialog!;
    if (!dialog.acceptRemoteSeq(req.cseq()!.seq) && req.method !== 'ACK') {
      tx.respond(createResponse(req, 500, 'CSeq Out of Order'));
      return;
    }
    switch (req.method) {
      case 'BYE':
        tx.respond(createResponse(req, 200));
        this.ok.stop();
        this.end(200, this.transferee.away ? 'Transferred' : 'Remote hangup');
        return;
      case 'REFER':
        return this.transferee.refer(req, tx);
      case 'INVITE':
      case 'UPDATE':
        return this.session.remoteOffer(req, tx);
      case 'PRACK':
        if (this.reliable.prack(req)) tx.respond(createResponse(req, 200));
        else tx.respond(createResponse(req, 481, 'No Matching Provisional'));
        return;
      default: {
        const digit = answerPlainRequest(this.host, req, tx);
        if (digit !== null) this.host.dtmf?.(this, digit);
      }
    }
  }

  private end(status: number, reason: string): void {
    if (this.callState === 'ended') return;
    this.endStatus = status;
    this.endReason = reason;
    this.reliable.stop();
    this.ok.stop();
    this.host.ctx.timers.cancel(this.endTimer);
    this.session.stop();
    this.setState('ended');
  }

  private setState(s: CallState): void {
    if (this.callState === s && s !== 'connected' && s !== 'held') return;
    this.callState = s;
    this.host.changed(this);
  }
}
