// The stateful forking proxy (RFC 3261 §16.6-16.10): one client transaction per target,
// all started at once (highest q first), responses merged in a response context: 1xx and
// every 2xx go upstream at once, other finals wait for the best one, a 2xx or 6xx cancels
// the branches still ringing, Timer C cancels a branch that rings too long, and a CANCEL
// from the caller cancels them all.

import { createHash } from 'node:crypto';
import { BRANCH_COOKIE, SipMessage, createResponse } from '../firmware/sip/index.ts';
import type { SipClock } from '../firmware/sip/index.ts';
import type { Peer, Transport } from '../firmware/sip/transport/index.ts';
import type { ClientTransaction, ServerTransaction, TransactionLayer } from '../firmware/sip/transaction/index.ts';
import { chooseBest, prepareBest } from './best-response.ts';
import type { Exchange } from './exchange.ts';
import type { LocalIdentity } from './identity.ts';

/** One place to send the request: its new Request-URI and the next hop. */
export interface Target {
  uri: string;
  dest: Peer;
}

export interface ProxyDeps {
  layer: TransactionLayer;
  transport: Transport;
  clock: SipClock;
  identity: LocalIdentity;
  /** Timer C (§16.6 step 11): > 3 minutes in the RFC; tests shorten it. */
  timerCMs: number;
  /** How long a cancelled branch may take to end (64×T1, as §9.1 gives a CANCEL). */
  cancelGuardMs: number;
  random(): string;
}

export interface ForwardOptions {
  /** Add Record-Route so the dialog's later requests come through us. */
  recordRoute: boolean;
}

/**
 * The part of a branch parameter that identifies the request for loop detection (§16.6
 * step 8, with RFC 5393's advice to leave the top Via out): the fields a looped request
 * keeps unchanged, not the ones every hop rewrites.
 */
export function loopHash(req: SipMessage): string {
  const parts = [
    req.uri,
    req.from()?.tag ?? '',
    req.to()?.tag ?? '',
    req.callId() ?? '',
    String(req.cseq()?.seq ?? ''),
    req.method,
    ...req.headers.filter((h) => h.name === 'Route' || h.name === 'Proxy-Require' || h.name === 'Proxy-Authorization').map((h) => `${h.name}:${h.value}`),
  ];
  return createHash('md5').update(parts.join('\n'), 'utf8').digest('hex').slice(0, 16);
}

/** §16.3 step 4: a Via of ours whose branch carries this very request's hash means a loop. */
export function detectLoop(req: SipMessage, identity: LocalIdentity): boolean {
  const prefix = `${BRANCH_COOKIE}${loopHash(req)}.`;
  return req.vias().some((v) => identity.isOurVia(v) && v.branch !== null && v.branch.startsWith(prefix));
}

export class StatefulProxy {
  private readonly forks = new Map<ServerTransaction, Fork>();

  constructor(private readonly d: ProxyDeps) {}

  /** Response contexts still waiting for branches. */
  get active(): number {
    return this.forks.size;
  }

  forward(ex: Exchange, targets: readonly Target[], opts: ForwardOptions): void {
    const fork = new Fork(this.d, ex, opts, () => this.forks.delete(ex.tx));
    this.forks.set(ex.tx, fork);
    fork.start(targets);
  }

  /** The caller cancelled a forwarded INVITE (§16.10); false when we know no such INVITE. */
  cancel(invite: ServerTransaction, cancel: SipMessage): boolean {
    const fork = this.forks.get(invite);
    if (fork === undefined) return false;
    fork.callerCancelled(cancel.get('Reason'));
    return true;
  }
}

interface Branch {
  target: Target;
  tx: ClientTransaction | null;
  done: boolean;
  cancelled: boolean;
  timerC: number;
  guard: number;
}

/** The response context of one forwarded request (§16.7). */
class Fork {
  private readonly branches: Branch[] = [];
  /** Final non-2xx responses (and synthesized ones), already stripped of our Via. */
  private readonly finals: SipMessage[] = [];
  private readonly isInvite: boolean;
  private starting = false;
  private answered = false;
  private finished = false;

  constructor(
    private readonly d: ProxyDeps,
    private readonly ex: Exchange,
    private readonly opts: ForwardOptions,
    private readonly onFinished: () => void,
  ) {
    this.isInvite = ex.req.method === 'INVITE';
  }

  start(targets: readonly Target[]): void {
    // §16.2: a stateful proxy answers an INVITE with 100 at once, so the caller stops retransmitting.
    if (this.isInvite) this.ex.reply(100, 'Trying');
    const hash = loopHash(this.ex.req);
    this.starting = true; // a branch may fail inside layer.request(); judge only once all exist
    for (const target of targets) {
      const b: Branch = { target, tx: null, done: false, cancelled: false, timerC: -1, guard: -1 };
      this.branches.push(b);
      const tx = this.d.layer.request(this.branchRequest(target, hash), target.dest, {
        onProvisional: (res) => this.provisional(b, res),
        onFinal: (res) => this.final(b, res),
        onTimeout: () => this.ended(b, this.synthesized(408)),
        onTransportError: () => this.ended(b, this.synthesized(503)),
      }, { keepVia: true });
      if (tx === null) {
        this.ended(b, this.synthesized(503)); // the transaction table is full
        continue;
      }
      b.tx = tx;
      if (this.isInvite && !b.done) this.startTimerC(b);
    }
    this.starting = false;
    this.maybeFinish();
  }

  callerCancelled(reason: string | undefined): void {
    this.cancelBranches(reason);
    if (!this.ex.done) this.ex.reply(487, 'Request Terminated');
    this.maybeFinish();
  }

  /** §16.6: copy, new Request-URI, Max-Forwards - 1, Record-Route, our Via. */
  private branchRequest(target: Target, hash: string): SipMessage {
    const orig = this.ex.req;
    const m = SipMessage.request(orig.method, target.uri);
    m.headers = orig.headers.map((h) => ({ name: h.name, value: h.value }));
    m.body = orig.body;
    const mf = orig.maxForwards();
    m.set('Max-Forwards', String(mf === undefined ? 70 : mf - 1));
    if (this.opts.recordRoute) {
      // Two entries when the transports differ (RFC 3261 §16.6 step 4, RFC 5658): each side
      // then reaches us the way it sent.
      const inbound = this.ex.source.transport;
      const outbound = target.dest.transport;
      if (inbound !== outbound) m.prepend('Record-Route', this.d.identity.recordRoute(inbound));
      m.prepend('Record-Route', this.d.identity.recordRoute(outbound));
    }
    const branch = `${BRANCH_COOKIE}${hash}.${this.d.random()}`;
    m.prepend('Via', this.d.transport.via(target.dest.transport, branch));
    return m;
  }

  private provisional(b: Branch, res: SipMessage): void {
    if (this.isInvite && res.status > 100 && !b.done && !b.cancelled) this.startTimerC(b); // §16.7 step 2
    if (res.status === 100 || this.ex.done || !stripOurVia(res)) return;
    this.ex.send(res);
  }

  private final(b: Branch, res: SipMessage): void {
    if (!stripOurVia(res)) return;
    if (res.status >= 300) {
      if (!b.done) this.ended(b, res);
      return;
    }
    // A 2xx, or a retransmission of one: always upstream (§16.7 step 10).
    this.settle(b);
    this.ex.send(res);
    if (this.isInvite && !this.answered) {
      this.answered = true;
      this.cancelBranches('SIP;cause=200;text="Call completed elsewhere"');
    }
    this.maybeFinish();
  }

  /** A branch ended without a 2xx (a final response, a timeout, a transport error). */
  private ended(b: Branch, res: SipMessage): void {
    if (b.done) return;
    this.settle(b);
    this.finals.push(res);
    if (res.status >= 600 && this.isInvite) this.cancelBranches(`SIP;cause=${res.status};text="${res.reason.replace(/["\\]/g, '')}"`); // §16.7 step 5
    this.maybeFinish();
  }

  private settle(b: Branch): void {
    b.done = true;
    this.clear(b);
  }

  private cancelBranches(reason: string | undefined): void {
    for (const b of this.branches) {
      if (b.done || b.cancelled || b.tx === null || !this.isInvite) continue;
      this.cancelBranch(b, reason);
    }
  }

  private cancelBranch(b: Branch, reason: string | undefined): void {
    b.cancelled = true;
    this.clear(b);
    this.d.layer.cancel(b.tx!, reason);
    // The callee should answer 487; if it never does, the branch still has to end.
    b.guard = this.d.clock.setTimer(this.d.cancelGuardMs, () => {
      b.guard = -1;
      if (b.done) return;
      b.tx!.terminate();
      this.ended(b, this.synthesized(408));
    });
  }

  private startTimerC(b: Branch): void {
    if (b.timerC !== -1) this.d.clock.clearTimer(b.timerC);
    b.timerC = this.d.clock.setTimer(this.d.timerCMs, () => {
      b.timerC = -1;
      if (b.done || b.cancelled) return;
      if (b.tx!.state === 'proceeding') {
        this.cancelBranch(b, 'SIP;cause=408;text="Timer C"');
      } else {
        b.tx!.terminate(); // no provisional at all: as if 408 (§16.8)
        this.ended(b, this.synthesized(408));
      }
    });
  }

  private clear(b: Branch): void {
    if (b.timerC !== -1) this.d.clock.clearTimer(b.timerC);
    if (b.guard !== -1) this.d.clock.clearTimer(b.guard);
    b.timerC = -1;
    b.guard = -1;
  }

  private maybeFinish(): void {
    if (this.starting || this.finished || this.branches.some((b) => !b.done)) return;
    this.finished = true;
    this.onFinished();
    if (this.ex.done) return;
    const best = chooseBest(this.finals);
    if (best === null) {
      this.ex.reply(480, 'Temporarily Unavailable');
      return;
    }
    const res = prepareBest(best, this.finals);
    // RFC 4320: never a 408 to a non-INVITE; the caller has timed out by now anyway.
    if (!this.isInvite && res.status === 408) this.ex.abandon('every branch timed out');
    else this.ex.send(res);
  }

  private synthesized(status: number): SipMessage {
    return createResponse(this.ex.req, status, undefined, this.ex.toTag);
  }
}

/** Removes our Via from a response before it goes upstream; false when none is left (it was ours). */
function stripOurVia(res: SipMessage): boolean {
  if (res.count('Via') === 0) return false;
  res.removeFirst('Via');
  return res.count('Via') > 0;
}
