// The lab server as a transaction user: decides for each request whether it is a
// registration, a question to the server itself, a call to one of our users (proxy or
// redirect), or something passing through (a Record-Routed dialog, a pre-loaded route).

import { KNOWN_METHODS, isKnownMethod, isSipUri, isTelUri, uriEquals } from '../firmware/sip/index.ts';
import type { SipMessage, Uri } from '../firmware/sip/index.ts';
import type { Peer, Transport } from '../firmware/sip/transport/index.ts';
import type { ServerTransaction, TransactionLayer, TransactionUser } from '../firmware/sip/transaction/index.ts';
import { consumeCredentials } from './auth.ts';
import type { DigestAuth } from './auth.ts';
import { Exchange, transactionLogLine } from './exchange.ts';
import type { ExchangeEnv } from './exchange.ts';
import type { LocalIdentity } from './identity.ts';
import type { Binding, LocationService } from './location.ts';
import { peerForBinding, peerForUri, requestUriOf } from './next-hop.ts';
import { detectLoop } from './proxy.ts';
import type { StatefulProxy, Target } from './proxy.ts';
import { redirect } from './redirect.ts';
import { handleRegister } from './registrar.ts';
import type { ExpiresPolicy } from './registrar.ts';
import { forwardStateless, forwardStrayResponse, stripOurRoutes, undoStrictRouting } from './routing.ts';
import type { LabUser, UserDirectory } from './users.ts';
import type { Voicemail } from './voicemail.ts';

export type LabMode = 'proxy' | 'redirect';

/** Everything this server relays or answers. */
export const ALLOW = KNOWN_METHODS.join(', ');
/** What the server itself (a Request-URI without a user) handles as a UAS. */
export const SELF_ALLOW = 'OPTIONS, REGISTER';
/** Requests from our own users that must prove who they are. */
const AUTHENTICATED = new Set(['INVITE', 'MESSAGE', 'SUBSCRIBE']);
/** Requests that may create a dialog, so the server stays on its path. */
const RECORD_ROUTED = new Set(['INVITE', 'SUBSCRIBE', 'REFER', 'NOTIFY']);

export interface RouterDeps {
  env: ExchangeEnv;
  layer: TransactionLayer;
  transport: Transport;
  identity: LocalIdentity;
  users: UserDirectory;
  location: LocationService;
  auth: DigestAuth;
  proxy: StatefulProxy;
  mode: LabMode;
  expires: ExpiresPolicy;
  voicemail: Voicemail;
}

export class LabRouter implements TransactionUser {
  constructor(private readonly d: RouterDeps) {}

  onRequest(req: SipMessage, tx: ServerTransaction, source: Peer): void {
    const ex = new Exchange(req, tx, source, this.d.env);
    try {
      this.route(ex);
    } catch (e) {
      // Only a bug gets here (the transport validated the message); answer rather than hang.
      this.d.env.log(`error: ${req.method} ${req.uri}: ${(e as Error).stack ?? String(e)}`);
      if (!ex.done) ex.reply(500, 'Server Internal Error');
    }
  }

  onAck(ack: SipMessage, source: Peer): void {
    try {
      this.relayAck(ack);
    } catch (e) {
      this.d.env.log(`error: ACK from ${source.address}:${source.port}: ${(e as Error).message}`);
    }
  }

  onCancel(invite: ServerTransaction, cancel: SipMessage): void {
    this.d.env.log(transactionLogLine(new Date(this.d.env.now()), cancel, invite.source, '200 OK', 0));
    this.d.proxy.cancel(invite, cancel);
  }

  onStrayResponse(res: SipMessage): void {
    forwardStrayResponse(res, this.d.identity, this.d.transport);
  }

  private route(ex: Exchange): void {
    const req = ex.req;
    const id = this.d.identity;
    if (!isKnownMethod(req.method)) {
      ex.reply(501, 'Not Implemented', [['Allow', ALLOW]]);
      return;
    }
    undoStrictRouting(req, id);
    stripOurRoutes(req, id);
    if (this.d.voicemail.owns(req)) {
      const sub = this.d.users.resolve(req.to()!.uri, (h) => this.d.identity.servesHost(h));
      if (sub !== undefined) return this.d.voicemail.subscribe(ex, sub.user, ex.source);
    }
    const inDialog = req.to()?.tag != null;
    const routes = req.routes();
    if (routes.length > 0) {
      this.relay(ex, routes[0]!.uri, inDialog); // a route set beyond us: follow it (§16.4)
      return;
    }
    const ruri = req.requestUri();
    if (!isSipUri(ruri) && !isTelUri(ruri)) {
      ex.reply(416, 'Unsupported URI Scheme');
      return;
    }
    if (!isTelUri(ruri) && !id.isLocalUri(ruri)) {
      this.relay(ex, ruri, inDialog);
      return;
    }
    if (req.method === 'REGISTER') {
      handleRegister({ ...this.d, now: () => this.d.env.now() }, ex);
      return;
    }
    if (isSipUri(ruri) && ruri.user === null) {
      this.answerForServer(ex);
      return;
    }
    this.toUser(ex, ruri, inDialog);
  }

  /** A request addressed to the server itself (no user part). */
  private answerForServer(ex: Exchange): void {
    if (ex.req.method !== 'OPTIONS') {
      ex.reply(405, 'Method Not Allowed', [['Allow', SELF_ALLOW]]);
      return;
    }
    const required = ex.req.require();
    if (required.length > 0) {
      ex.reply(420, 'Bad Extension', [['Unsupported', required.join(', ')]]);
      return;
    }
    ex.reply(200, 'OK', [['Allow', ALLOW], ['Accept', 'application/sdp'], ['Supported', '']]);
  }

  /** A request for one of our users: registered contacts, then proxy or redirect. */
  private toUser(ex: Exchange, ruri: Uri, inDialog: boolean): void {
    if (!this.forwardChecks(ex) || (!inDialog && !this.authorizeCaller(ex))) return;
    const user = this.d.users.resolve(ruri, (h) => this.d.identity.servesHost(h));
    if (user === undefined) {
      ex.reply(404, 'Not Found');
      return;
    }
    if (!inDialog && ex.req.method === 'SUBSCRIBE' && ex.req.event()?.event === 'message-summary') {
      this.d.voicemail.subscribe(ex, user.user, ex.source); // the lab is everyone's voicemail
      return;
    }
    const now = this.d.env.now();
    const bindings = this.d.location.bindings(this.d.users.aorOf(user, this.d.identity.domain), now);
    if (bindings.length === 0) {
      ex.reply(480, 'Temporarily Unavailable');
      return;
    }
    if (!inDialog && (this.d.mode === 'redirect' || user.redirect)) {
      redirect(ex, bindings, now);
      return;
    }
    const targets: Target[] = [];
    for (const b of bindings) {
      const dest = peerForBinding(b);
      if (dest !== null) targets.push({ uri: requestUriOf(b.uri, b.contact), dest });
    }
    if (targets.length === 0) {
      ex.reply(480, 'Temporarily Unavailable', [['Warning', '399 lab "no contact is reachable without DNS"']]);
      return;
    }
    this.d.proxy.forward(ex, targets, { recordRoute: !inDialog && RECORD_ROUTED.has(ex.req.method) });
  }

  /** Forwards to one next hop: the top Route, or a Request-URI outside our domain. */
  private relay(ex: Exchange, hop: Uri, inDialog: boolean): void {
    if (!this.forwardChecks(ex) || (!inDialog && !this.authorizeCaller(ex))) return;
    const dest = this.natAware(hop) ?? peerForUri(hop);
    if (dest === null) {
      ex.reply(404, 'Not Found', [['Warning', '399 lab "only IP addresses are reachable from the lab server"']]);
      return;
    }
    this.d.proxy.forward(ex, [{ uri: ex.req.uri, dest }], { recordRoute: !inDialog && RECORD_ROUTED.has(ex.req.method) });
  }

  /** §16.3 steps 3-5: Max-Forwards, loops, Proxy-Require. False when already answered. */
  private forwardChecks(ex: Exchange): boolean {
    const req = ex.req;
    if (req.maxForwards() === 0) {
      ex.reply(483, 'Too Many Hops');
      return false;
    }
    if (detectLoop(req, this.d.identity)) {
      ex.reply(482, 'Loop Detected');
      return false;
    }
    const unsupported = req.proxyRequire();
    if (unsupported.length > 0) {
      ex.reply(420, 'Bad Extension', [['Unsupported', unsupported.join(', ')]]);
      return false;
    }
    return true;
  }

  /**
   * §16.3 step 6 / §22.3: a request whose From claims our domain must carry its credentials
   * (407), whether or not we know that user (else the 407 tells a scanner who exists); calls
   * from elsewhere to our users are let in, as befits a lab. False when answered.
   */
  private authorizeCaller(ex: Exchange): boolean {
    const req = ex.req;
    if (!AUTHENTICATED.has(req.method) || this.isSpiral(ex)) return true;
    const from = req.from()!.uri;
    if (!this.claimsOurDomain(from)) return true;
    const caller: LabUser | undefined = this.d.users.resolve(from, (h) => this.d.identity.servesHost(h));
    const result = this.d.auth.check(req, 'Proxy-Authorization', caller, ex.source);
    if (result.ok) {
      consumeCredentials(req, 'Proxy-Authorization', this.d.auth.realm);
      return true;
    }
    if (result.why === 'forbidden' || result.why === 'blocked') ex.reply(403, 'Forbidden');
    else ex.reply(407, 'Proxy Authentication Required', this.d.auth.challenges(result.why === 'stale').map((c) => ['Proxy-Authenticate', c] as const));
    return false;
  }

  /** A user of one of our hosts, or a number (tel: has no host; ours are in the users file). */
  private claimsOurDomain(uri: Uri): boolean {
    if (isTelUri(uri)) return true;
    return isSipUri(uri) && uri.user !== null && this.d.identity.servesHost(uri.host);
  }

  /** We sent this request to ourselves (a contact pointing back here): already authenticated. */
  private isSpiral(ex: Exchange): boolean {
    const top = ex.req.topVia();
    return top !== undefined && this.d.identity.isOurVia(top) && this.d.identity.servesHost(ex.source.address);
  }

  /** An in-dialog target that is a registered contact: reach it where it registered from (NAT). */
  private natAware(hop: Uri): Peer | null {
    if (!isSipUri(hop) || this.d.location.size === 0) return null;
    const b = this.findBinding(hop);
    return b === null ? null : peerForBinding(b);
  }

  private findBinding(uri: Uri): Binding | null {
    const now = this.d.env.now();
    for (const aor of this.d.location.aors()) {
      for (const b of this.d.location.bindings(aor, now)) if (uriEquals(b.uri, uri)) return b;
    }
    return null;
  }

  /** ACKs for 2xx (and ACKs of no transaction) follow the route set statelessly (§16.11). */
  private relayAck(ack: SipMessage): void {
    undoStrictRouting(ack, this.d.identity);
    stripOurRoutes(ack, this.d.identity);
    const routes = ack.routes();
    let hop: Uri;
    if (routes.length > 0) hop = routes[0]!.uri;
    else {
      hop = ack.requestUri();
      if (isTelUri(hop) || this.d.identity.isLocalUri(hop)) return; // for us: nothing to forward
    }
    const dest = this.natAware(hop) ?? peerForUri(hop);
    if (dest !== null) forwardStateless(ack, dest, this.d.layer, this.d.transport);
  }
}
