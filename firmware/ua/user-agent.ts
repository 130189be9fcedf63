// The phone's SIP user agent core (RFC 3261 §8): the transaction user that owns the
// registrations, calls and message-waiting subscription, and answers everything else.

import type { BoardInfo } from '../../hal/contract.ts';
import { createResponse, isSipUri, isIpv4, isIpv6, parseUri } from '../sip/index.ts';
import type { SipMessage, SipUri } from '../sip/index.ts';
import type { Peer, TransportName } from '../sip/transport/index.ts';
import type { ServerTransaction, TransactionUser } from '../sip/transaction/index.ts';
import { Call } from './call.ts';
import type { CallHost } from './call.ts';
import { aorText, toAccount } from './context.ts';
import type { Account, UaContext } from './context.ts';
import { HalDnsResolver } from '../net/dns-resolver.ts';
import { MediaSession, codecsFor } from './media-session.ts';
import type { MessageSummary } from './message-summary.ts';
import { MessageWaiting } from './mwi.ts';
import { DEFAULT_SERVER_CHECK_S, Registration } from './registration.ts';
import { resolveTargets } from './targets.ts';
import { ipLiteralUri, keypadAddress } from './direct-dial.ts';
import { RtpPorts } from '../media/rtp-ports.ts';
import type { HalEvent } from '../../hal/contract.ts';

export const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, PRACK, UPDATE, INFO, REFER';
const SUPPORTED = ['100rel'];

/** Why a call could not be placed: a short `reason` for the LCD, a `cause` for machines. */
export interface DialRefusal {
  cause: 'no_network' | 'no_account' | 'bad_target';
  reason: string;
}

export interface UaListener {
  registration(r: Registration): void;
  call(call: Call): void;
  incoming(call: Call): void;
  messageWaiting(s: MessageSummary): void;
  dtmf?(call: Call, digit: string): void;
  /** The peer of `from` transferred us: `to` is the call we placed for it. */
  transferred?(from: Call, to: Call): void;
  /** A datagram on an RTP/RTCP socket: the front call's stream takes it. */
  mediaPacket?(socket: number, data: string, address: string, port: number): void;
}

export class UserAgent implements TransactionUser {
  readonly registrations: Registration[] = [];
  readonly calls: Call[] = [];
  readonly resolver: HalDnsResolver;
  mwi: MessageWaiting | null = null;
  /**
   * A second incoming call while in one: ring it as a waiting call (the phone decides, by
   * whether it can show one), or 486 Busy Here. A third call always gets 486.
   */
  callWaiting = false;
  private rtpPort = 16384;
  private readonly random = (): number => this.ctx.stack.rng.unit();
  private readonly transport: TransportName;
  /** RTP/RTCP sockets bound ahead of calls, so an SDP names a port that is really open. */
  readonly ports: RtpPorts;

  constructor(
    private readonly ctx: UaContext,
    private readonly board: BoardInfo,
    private readonly listener: UaListener,
  ) {
    this.resolver = new HalDnsResolver(ctx.events.netFor((ev) => this.resolver.handleEvent(ev)), ctx.timers);
    this.transport = board.sip.transport;
    this.ports = new RtpPorts(ctx.events.netFor((ev) => this.onMediaSocket(ev)), board.rtpPorts.min, board.rtpPorts.max, 2);
    // Bound now, alongside the SIP sockets: a call placed the moment the phone is up (no
    // account to register first) must find its media ports open.
    this.ports.open();
  }

  /** The media sockets' events: bind results for the port pool, datagrams for the stream. */
  private onMediaSocket(ev: HalEvent): void {
    if (ev.type === 'udp') this.listener.mediaPacket?.(ev.socket, ev.data, ev.address, ev.port);
    else this.ports.handleEvent(ev);
  }

  /** Registers every provisioned account (auto-register on boot). */
  start(): void {
    for (const config of this.board.accounts.slice(0, this.board.maxAccounts)) {
      const account = toAccount(config);
      if (account === null) {
        this.ctx.emit({ event: 'registration_failed', aor: config.uri, status: 0, reason: 'bad account URI' });
        continue;
      }
      const reg = new Registration(this.ctx, account, this.resolver, this.transport, (r) => {
        this.listener.registration(r);
        if (r.state === 'registered' && r === this.registrations[0] && this.mwi === null) this.startMwi(r);
      }, (this.board.sip.serverCheckS ?? DEFAULT_SERVER_CHECK_S) * 1000);
      this.registrations.push(reg);
      reg.start();
    }
  }

  /** Shutdown: hang up, unregister. */
  stop(): void {
    for (const c of this.calls) c.hangup();
    for (const r of this.registrations) r.stop(true);
    this.mwi?.stop();
  }

  /** The network came back: register again. */
  networkUp(): void {
    for (const r of this.registrations) r.restart();
  }

  get primary(): Registration | null {
    return this.registrations[0] ?? null;
  }

  /** The (first) call the phone is in. */
  get activeCall(): Call | null {
    return this.calls.find(isLive) ?? null;
  }

  /**
   * Places a call to digits ("2002"), an IP address ("192*168*1*20" from the keypad, or
   * "192.168.1.20[:port]"), user@host or a SIP URI; or says why it cannot be placed.
   */
  dial(target: string): Call | DialRefusal {
    if (this.ctx.hal.net.localAddress() === null) return { cause: 'no_network', reason: 'No network' };
    const uri = this.targetUri(target);
    return 'cause' in uri ? uri : this.place(uri.uri, uri.text, null);
  }

  /** Blind-transfers `call` to digits, user@host or a SIP URI; false when that cannot be asked. */
  transfer(call: Call, target: string): boolean {
    const uri = this.targetUri(target);
    return 'uri' in uri && call.referTo(uri.text, this.fromAddress());
  }

  private place(uri: SipUri, text: string, referral: { from: Call; by: string | undefined } | null): Call {
    const pair = this.ports.acquire();
    const call = Call.dial(this.callHost(), uri, text, this.fromAddress(), this.newMedia(pair?.port), referral);
    call.attachRtpPorts(pair);
    this.track(call);
    return call;
  }

  /** Our From: the primary account's address of record; without one, our own address and port (direct IP calls). */
  private fromAddress(): string {
    const account = this.primary?.account ?? null;
    if (account !== null) return fromHeader(account);
    const a = this.ctx.stack.localAddress();
    return `<sip:${a.indexOf(':') !== -1 ? `[${a}]` : a}:${this.ctx.stack.port}>`;
  }

  // ---- TransactionUser ------------------------------------------------------------------

  onRequest(req: SipMessage, tx: ServerTransaction, _source: Peer): void {
    const unsupported = this.unsupported(req);
    if (unsupported.length > 0) {
      const res = createResponse(req, 420);
      res.add('Unsupported', unsupported.join(', '));
      tx.respond(res);
      return;
    }
    const toTag = req.to()?.tag;
    if (toTag) {
      // By dialog (Call-ID and both tags), whichever side placed the call.
      const call = this.calls.find((c) => c.state !== 'ended' && c.inDialogWith(req));
      if (call) return call.handleRequest(req, tx);
      if (req.method === 'NOTIFY' && this.mwi !== null && this.mwi.owns(req)) return this.mwi.notify(req, tx);
      tx.respond(createResponse(req, 481));
      return;
    }
    switch (req.method) {
      case 'INVITE':
        return this.incoming(req, tx);
      case 'OPTIONS': {
        const res = createResponse(req, 200, undefined, this.ctx.stack.random(6));
        res.add('Allow', ALLOW);
        res.add('Accept', 'application/sdp');
        res.add('Supported', SUPPORTED.join(', '));
        tx.respond(res);
        return;
      }
      case 'NOTIFY':
        if (req.event()?.event === 'message-summary') return this.notifyMwi(req, tx);
        tx.respond(createResponse(req, 489, 'Bad Event'));
        return;
      case 'BYE':
      case 'PRACK':
      case 'UPDATE':
      case 'INFO':
        tx.respond(createResponse(req, 481));
        return;
      default: {
        const res = createResponse(req, 405);
        res.add('Allow', ALLOW);
        tx.respond(res);
      }
    }
  }

  /** The ACK for a 2xx we sent: to an INVITE we took, or a re-INVITE on any call. */
  onAck(ack: SipMessage): void {
    this.calls.find((c) => c.inDialogWith(ack))?.acked(ack);
  }

  /** CANCEL for the INVITE a ringing call is answering (not any call that shares its Call-ID). */
  onCancel(invite: ServerTransaction): void {
    this.calls.find((c) => c.answers(invite))?.cancelled();
  }

  // ---- internals ------------------------------------------------------------------------

  private incoming(req: SipMessage, tx: ServerTransaction): void {
    const live = this.calls.filter(isLive).length;
    const pair = live === 0 || (live === 1 && this.callWaiting) ? this.ports.acquire() : null;
    if (live > 0 && pair === null) {
      tx.respond(createResponse(req, 486, undefined, this.ctx.stack.random(6)));
      return;
    }
    const call = Call.incoming(this.callHost(), req, tx, this.newMedia(pair?.port));
    call.attachRtpPorts(pair);
    if (call.state === 'ended') {
      if (pair !== null) this.ports.release(pair);
      return;
    }
    this.track(call);
    this.listener.incoming(call);
  }

  /**
   * Out-of-dialog requests are taken only from the registrar/proxy of one of our accounts, in
   * every registration state (a registrar that is down or refused us does not open the phone to
   * scanners), unless the board accepts direct calls (sip.acceptDirectCalls) or the phone has no
   * account: then there is no registrar for a call to come through (direct IP calling).
   */
  private trusted(source: Peer): boolean {
    if (this.board.sip.acceptDirectCalls === true) return true;
    if (this.registrations.length === 0 && this.board.accounts.length === 0) return true;
    return this.registrations.some((r) => r.isServer(source));
  }

  /**
   * Requests from strangers (not our registrar/proxy) outside a dialog are answered without a
   * transaction: an INVITE 403, OPTIONS 200, the rest 405. A scanner's flood then neither rings
   * the phone nor fills its transaction table. NOTIFY (message waiting) and in-dialog requests
   * take the normal path.
   */
  screen(req: SipMessage, source: Peer): SipMessage | null {
    if (req.method === 'NOTIFY' || req.to()?.tag || this.trusted(source)) return null;
    const unsupported = this.unsupported(req);
    if (unsupported.length > 0) {
      const res = createResponse(req, 420);
      res.add('Unsupported', unsupported.join(', '));
      return res;
    }
    if (req.method === 'INVITE') return createResponse(req, 403, 'Calls Must Come Through the Proxy', this.ctx.stack.random(6));
    const res = createResponse(req, req.method === 'OPTIONS' ? 200 : 405, undefined, this.ctx.stack.random(6));
    res.add('Allow', ALLOW);
    return res;
  }

  private notifyMwi(req: SipMessage, tx: ServerTransaction): void {
    if (this.mwi !== null) return this.mwi.notify(req, tx);
    tx.respond(createResponse(req, 200));
  }

  private startMwi(reg: Registration): void {
    this.mwi = new MessageWaiting(this.ctx, reg.account, () => reg.contactUri(), () => reg.outboundTarget(), (s) => this.listener.messageWaiting(s));
    this.mwi.subscribe();
  }

  private unsupported(req: SipMessage): string[] {
    let required: string[];
    try {
      required = req.require();
    } catch {
      return [];
    }
    return required.filter((r) => SUPPORTED.indexOf(r) === -1);
  }

  private track(call: Call): void {
    this.calls.push(call);
    // Keep the table small: forget ended calls beyond the last few.
    while (this.calls.length > 8) {
      const i = this.calls.findIndex((c) => c.state === 'ended');
      if (i === -1) break;
      this.calls.splice(i, 1);
    }
  }

  private newMedia(bound?: number): MediaSession {
    const port = bound ?? this.rtpPort;
    if (bound === undefined) this.rtpPort = this.rtpPort >= 32766 ? 16384 : this.rtpPort + 2;
    const sessionId = String(Math.floor(this.ctx.hal.clock.now() / 1000));
    return new MediaSession(codecsFor(this.board.codecs), this.ctx.stack.localAddress(), port, sessionId);
  }

  /**
   * A SIP URI as is; user@host → sip:user@host; an IP address (keypad '*' for dots, see
   * direct-dial.ts) → sip:address[:port]; other digits → sip:digits@domain of the account.
   */
  targetUri(target: string): { uri: SipUri; text: string } | DialRefusal {
    const t = target.trim();
    let text: string;
    if (/^sips?:/i.test(t)) text = t;
    else if (t.indexOf('@') !== -1) text = `sip:${t}`;
    else {
      const direct = ipLiteralUri(keypadAddress(t) ?? t);
      const account = this.primary?.account;
      if (direct !== null) text = direct;
      else if (account === undefined) return { cause: 'no_account', reason: 'No account: dial an IP address' };
      else {
        const user = t.replace(/#/g, '%23'); // '#' is not allowed in a SIP URI user part
        text = `sip:${user}@${account.domain}${account.aor.port !== null ? ':' + account.aor.port : ''}`;
      }
    }
    const bad: DialRefusal = { cause: 'bad_target', reason: 'Cannot call that address' };
    try {
      const uri = parseUri(text);
      return isSipUri(uri) ? { uri, text } : bad;
    } catch {
      return bad;
    }
  }

  private callHost(): CallHost {
    return {
      ctx: this.ctx,
      contact: () => this.primary?.contactUri() ?? `sip:quip@${this.ctx.stack.localAddress()}:${this.ctx.stack.port}`,
      route: (uri, direct, cb) => this.route(uri, direct, cb),
      credentials: () => {
        const a = this.primary?.account;
        return a ? { username: a.user, password: a.password } : null;
      },
      allow: ALLOW,
      supported: SUPPORTED.join(', '),
      changed: (call) => {
        if (call.state === 'ended' && call.rtpPair !== null) {
          this.ports.release(call.rtpPair);
        }
        call.referrer?.transferProgress(call); // first, so a failed transfer hands the old call back
        this.listener.call(call);
      },
      dtmf: (call, digit) => this.listener.dtmf?.(call, digit),
      referred: (call, target, text, by) => {
        const next = this.place(target, text, { from: call, by });
        this.listener.transferred?.(call, next);
        return next;
      },
    };
  }

  /** Initial requests go through the registrar (our outbound proxy); others to the URI's host. */
  private route(uri: SipUri, direct: boolean, cb: (peer: Peer | null) => void): void {
    const outbound = direct ? null : this.primary?.outboundTarget() ?? null;
    if (outbound !== null) return cb(outbound);
    const host = uri.host.startsWith('[') ? uri.host.slice(1, -1) : uri.host;
    const param = uri.params.get('transport');
    const transport: TransportName | null = param === 'tcp' ? 'tcp' : param === 'udp' ? 'udp' : null;
    if (isIpv4(host) || isIpv6(host)) return cb({ transport: transport ?? 'udp', address: host, port: uri.port ?? 5060 });
    resolveTargets(this.resolver, host, uri.port, transport, [this.transport, this.transport === 'udp' ? 'tcp' : 'udp'], this.random, (targets) => cb(targets[0] ?? null));
  }
}

/** A call the phone is in: not ended, and not one a transfer has taken us away from. */
function isLive(c: Call): boolean {
  return c.state !== 'ended' && !c.transferredAway;
}

function fromHeader(a: Account): string {
  const aor = aorText(a);
  return a.displayName ? `"${a.displayName.replace(/(["\\])/g, '\\$1')}" <${aor}>` : `<${aor}>`;
}
