// Keeps one account registered (RFC 3261 §10.2): REGISTER on start, digest on challenge,
// refresh before the granted expiry, Min-Expires on 423, failover across the registrar's
// servers, back-off after failures, a corrected Contact when the registrar sees us behind
// NAT (received/rport), and Expires: 0 on shutdown. While registered it checks that the
// registrar is still there (OPTIONS): a registrar that stopped answering is reported as lost
// and the phone registers again (failing over, backing off) until one answers.

import { SipMessage, uriEquals, parseUri } from '../sip/index.ts';
import type { Peer, TransportName } from '../sip/transport/index.ts';
import type { ClientTransaction } from '../sip/transaction/index.ts';
import { Authenticator } from './authenticator.ts';
import { aorText } from './context.ts';
import type { Account, UaContext } from './context.ts';
import { prepareFailover, prepareRetry } from './request-retry.ts';
import type { HalDnsResolver } from '../net/dns-resolver.ts';
import { resolveTargets } from './targets.ts';

export type RegistrationState = 'idle' | 'registering' | 'registered' | 'failed' | 'unregistered';

const DEFAULT_EXPIRES = 3600;
const FIRST_BACKOFF_S = 15;
const MAX_BACKOFF_S = 600;
const MAX_AUTH_ROUNDS = 3;
/** Keeps NAT bindings and TCP connections to the registrar alive between refreshes. */
const KEEPALIVE_MS = 25_000;
/** Default seconds between liveness checks of the registrar (board sip.serverCheckS). */
export const DEFAULT_SERVER_CHECK_S = 30;
/**
 * A check unanswered this long means the registrar is gone. Shorter than Timer F (32 s): over
 * UDP that is still five retransmissions, and the user learns of the outage half a minute sooner.
 */
const CHECK_TIMEOUT_MS = 8_000;

export class Registration {
  state: RegistrationState = 'idle';
  /** Seconds the registrar granted, while registered. */
  granted = 0;
  lastStatus = 0;
  lastReason = '';
  /** The registrar stopped answering while we were registered; cleared when one registers us again. */
  lost = false;
  private readonly callId: string;
  private readonly fromTag: string;
  private cseq = 0;
  private requested: number;
  private targets: Peer[] = [];
  private targetIndex = 0;
  private refreshTimer: number | null = null;
  private tx: ClientTransaction | null = null;
  private backoffS = FIRST_BACKOFF_S;
  private authRounds = 0;
  private publicAddress: { address: string; port: number } | null = null;
  private readonly auth: Authenticator;
  private stopped = false;
  private unregistering = false;
  private keepAliveTimer: number | null = null;
  private checkTimer: number | null = null;
  private checkTx: ClientTransaction | null = null;

  constructor(
    private readonly ctx: UaContext,
    readonly account: Account,
    private readonly resolver: HalDnsResolver,
    private readonly transport: TransportName,
    private readonly onChange: (r: Registration) => void,
    /** Milliseconds between liveness checks while registered; 0 = off. */
    private readonly checkMs = DEFAULT_SERVER_CHECK_S * 1000,
  ) {
    this.callId = `${ctx.stack.random(10)}@${ctx.stack.localAddress()}`;
    this.fromTag = ctx.stack.random(6);
    this.requested = account.config.expires ?? DEFAULT_EXPIRES;
    this.auth = new Authenticator(ctx.hal);
  }

  /** Our Contact URI: the public address once the registrar told us about NAT. */
  contactUri(): string {
    const addr = this.publicAddress?.address ?? this.ctx.stack.localAddress();
    const port = this.publicAddress?.port ?? this.ctx.stack.port;
    const host = addr.indexOf(':') !== -1 ? `[${addr}]` : addr;
    return `sip:${this.account.user}@${host}:${port}${this.transport === 'tcp' ? ';transport=tcp' : ''}`;
  }

  /** This account's registrar/proxy servers: the only peers calls may come from. */
  isServer(peer: Peer): boolean {
    return this.targets.some((t) => t.address === peer.address && (peer.transport === 'tcp' || t.port === peer.port));
  }

  /** Where other requests of this account go (the registrar doubles as outbound proxy). */
  outboundTarget(): Peer | null {
    return this.targets[this.targetIndex] ?? null;
  }

  start(): void {
    this.stopped = false;
    this.unregistering = false;
    this.clearRefresh();
    this.setState('registering');
    const a = this.account;
    // Everything goes through the outbound proxy when one is set, REGISTER included.
    const forced = this.transport === 'tcp' ? 'tcp' : null; // UDP: let RFC 3263 pick among what the server offers
    resolveTargets(this.resolver, a.proxyHost, a.proxyPort, forced, [this.transport], () => this.ctx.stack.rng.unit(), (targets, error) => {
      if (this.stopped) return;
      if (targets.length === 0) return this.fail(0, `cannot find the registrar (${error ?? 'no address'})`);
      this.targets = targets;
      this.targetIndex = 0;
      this.send(this.build(this.requested));
    });
  }

  /** Stops refreshing; with `unregister`, removes our binding first (shutdown). */
  stop(unregister: boolean): void {
    this.stopped = true;
    this.clearRefresh();
    this.tx?.terminate();
    this.tx = null;
    if (unregister && this.state === 'registered') {
      // Answered like any REGISTER (a challenge included); the refresh logic stays off.
      this.unregistering = true;
      this.send(this.build(0));
      this.setState('unregistered');
    }
  }

  /** The network came back, or the user asked: register again now. */
  restart(): void {
    this.backoffS = FIRST_BACKOFF_S;
    this.start();
  }

  private build(expires: number): SipMessage {
    const a = this.account;
    const aor = aorText(a);
    const host = registrarHostPort(a);
    const req = SipMessage.request('REGISTER', `sip:${host}`);
    req.add('Max-Forwards', '70');
    req.add('To', `<${aor}>`);
    req.add('From', `<${aor}>;tag=${this.fromTag}`);
    req.add('Call-ID', this.callId);
    req.add('CSeq', `${++this.cseq} REGISTER`);
    req.add('Contact', `<${this.contactUri()}>`);
    req.add('Expires', String(expires));
    req.add('Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, PRACK, UPDATE, INFO');
    req.add('Supported', '100rel, path');
    req.add('User-Agent', this.ctx.userAgent);
    return req;
  }

  private send(req: SipMessage): void {
    const target = this.outboundTarget();
    if (target === null) return this.fail(0, 'no registrar address');
    const expires = Number(req.get('Expires'));
    this.tx = this.ctx.stack.layer.request(req, target, {
      onFinal: (res) => this.onResponse(req, res, expires),
      onTimeout: () => this.failover(req, 408, 'Request Timeout'),
      onTransportError: () => this.failover(req, 503, 'Transport Error'),
    });
    if (this.tx === null) this.fail(503, 'too many transactions');
  }

  private onResponse(req: SipMessage, res: SipMessage, expires: number): void {
    this.tx = null;
    if (this.stopped && !this.unregistering) return;
    const code = res.status;
    if (code >= 200 && code < 300) return this.registered(res, expires);
    if ((code === 401 || code === 407) && this.authRounds < MAX_AUTH_ROUNDS) {
      this.authRounds++;
      if (this.auth.authorize(req, res, this.account.user, this.account.password)) {
        prepareRetry(req, ++this.cseq);
        return this.send(req);
      }
    }
    if (code === 423) {
      const min = res.minExpires();
      if (min !== undefined && min > expires && min <= 86400) {
        this.requested = min;
        prepareRetry(req, ++this.cseq);
        req.set('Expires', String(min));
        return this.send(req);
      }
    }
    if (code >= 500) return this.failover(req, code, res.reason, res.retryAfter());
    this.fail(code, res.reason);
  }

  private registered(res: SipMessage, requested: number): void {
    this.authRounds = 0;
    this.backoffS = FIRST_BACKOFF_S;
    this.lost = false;
    if (requested === 0 || this.stopped) {
      this.unregistering = false;
      this.setState('unregistered');
      return;
    }
    // NAT: the registrar saw a different address than we wrote (RFC 3581); register that.
    const top = res.topVia();
    if (top && top.received !== null && typeof top.rport === 'number') {
      const seen = { address: top.received, port: top.rport };
      const current = this.publicAddress ?? { address: this.ctx.stack.localAddress(), port: this.ctx.stack.port };
      if (seen.address !== current.address || seen.port !== current.port) {
        this.publicAddress = seen;
        this.ctx.hal.system.log('info', `registrar sees us at ${seen.address}:${seen.port}; updating Contact`);
        this.send(this.build(this.requested));
        return;
      }
    }
    let granted = requested;
    try {
      const mine = parseUri(this.contactUri());
      const ours = res.contacts().find((c) => uriEquals(c.uri, mine));
      if (ours && ours.expires !== null) granted = ours.expires;
      else if (res.expires() !== undefined) granted = res.expires()!;
    } catch {
      granted = requested;
    }
    this.granted = granted;
    this.lastStatus = res.status;
    this.lastReason = res.reason;
    this.setState('registered');
    this.ctx.emit({ event: 'registered', aor: aorText(this.account), contact: this.contactUri(), expires: granted });
    // Refresh well before expiry: at 85%, but never later than 30 s before it.
    const refreshS = Math.max(1, Math.min(granted * 0.85, granted - 30));
    this.clearRefresh();
    this.refreshTimer = this.ctx.timers.after(refreshS * 1000, () => {
      this.refreshTimer = null;
      this.setState('registering');
      this.send(this.build(this.requested));
    });
    this.scheduleKeepAlive();
    this.scheduleCheck();
  }

  private scheduleKeepAlive(): void {
    this.ctx.timers.cancel(this.keepAliveTimer);
    this.keepAliveTimer = this.ctx.timers.after(KEEPALIVE_MS, () => {
      this.keepAliveTimer = null;
      const target = this.outboundTarget();
      if (this.state !== 'registered' || this.stopped || target === null) return;
      this.ctx.stack.transport.keepAlive(target);
      this.scheduleKeepAlive();
    });
  }

  private scheduleCheck(): void {
    this.endCheck();
    this.checkTimer = this.checkMs > 0 ? this.ctx.timers.after(this.checkMs, () => this.check()) : null;
  }

  /**
   * Asks the registrar (through the outbound proxy, if any) for OPTIONS. Any final answer, even
   * 404 or 483, proves it is there; silence or an unreachable server means it is lost.
   */
  private check(): void {
    this.checkTimer = null;
    const target = this.outboundTarget();
    if (this.state !== 'registered' || this.stopped || target === null || this.checkTx !== null) return;
    const a = this.account;
    const host = registrarHostPort(a);
    const req = SipMessage.request('OPTIONS', `sip:${host}`);
    req.add('Max-Forwards', '70');
    req.add('To', `<sip:${host}>`);
    req.add('From', `<${aorText(a)}>;tag=${this.ctx.stack.random(6)}`);
    req.add('Call-ID', `${this.ctx.stack.random(10)}@${this.ctx.stack.localAddress()}`);
    req.add('CSeq', '1 OPTIONS');
    req.add('User-Agent', this.ctx.userAgent);
    let tx: ClientTransaction | null = null;
    const settle = (alive: boolean, why: string): void => {
      if (tx === null || this.checkTx !== tx) return; // settled already, or an older check
      this.endCheck();
      if (alive) this.scheduleCheck();
      else this.registrarLost(target, why);
    };
    tx = this.ctx.stack.layer.request(req, target, {
      onFinal: () => settle(true, ''),
      onTimeout: () => settle(false, 'no answer'),
      onTransportError: () => settle(false, 'unreachable'),
    });
    if (tx === null) return this.scheduleCheck(); // transaction table full: try later
    this.checkTx = tx;
    this.checkTimer = this.ctx.timers.after(CHECK_TIMEOUT_MS, () => settle(false, 'no answer'));
  }

  /** Forgets the check in flight (its deadline shares checkTimer). */
  private endCheck(): void {
    this.ctx.timers.cancel(this.checkTimer);
    this.checkTimer = null;
    this.checkTx?.terminate();
    this.checkTx = null;
  }

  private registrarLost(target: Peer, why: string): void {
    if (this.state !== 'registered' || this.stopped) return;
    this.lost = true;
    const server = `${target.address}:${target.port}`;
    this.ctx.hal.system.log('warn', `registrar ${server} lost (${why}); registering again`);
    this.ctx.emit({ event: 'registrar_lost', aor: aorText(this.account), server, reason: why });
    // Our binding may be gone with it (a restarted registrar): register again right away, over
    // the whole server set; failures then back off as usual until the registrar is back.
    this.tx?.terminate();
    this.tx = null;
    this.start();
  }

  /** Tries the next server of the registrar's set; when none is left, fails with back-off. */
  private failover(req: SipMessage, code: number, reason: string, retryAfter?: number): void {
    this.tx = null;
    if (this.stopped) return;
    if (this.targetIndex + 1 < this.targets.length) {
      this.targetIndex++;
      prepareFailover(req);
      return this.send(req);
    }
    this.targetIndex = 0;
    this.fail(code, reason, retryAfter);
  }

  private fail(code: number, reason: string, retryAfter?: number): void {
    if (this.stopped) {
      this.unregistering = false;
      return;
    }
    this.lastStatus = code;
    this.lastReason = reason;
    this.granted = 0;
    this.setState('failed');
    this.ctx.emit({ event: 'registration_failed', aor: aorText(this.account), status: code, reason });
    const wait = retryAfter !== undefined && retryAfter > 0 ? Math.min(retryAfter, MAX_BACKOFF_S) : this.backoffS;
    this.backoffS = Math.min(this.backoffS * 2, MAX_BACKOFF_S);
    this.authRounds = 0;
    this.clearRefresh();
    this.refreshTimer = this.ctx.timers.after(wait * 1000, () => {
      this.refreshTimer = null;
      this.start();
    });
  }

  private clearRefresh(): void {
    this.ctx.timers.cancel(this.refreshTimer);
    this.ctx.timers.cancel(this.keepAliveTimer);
    this.refreshTimer = null;
    this.keepAliveTimer = null;
    this.endCheck();
  }

  private setState(s: RegistrationState): void {
    this.state = s;
    this.onChange(this);
  }
}

/** The registrar as the Request-URI host of REGISTER and of the liveness OPTIONS. */
function registrarHostPort(a: Account): string {
  return a.registrarPort !== null ? `${a.registrarHost}:${a.registrarPort}` : a.registrarHost;
}
