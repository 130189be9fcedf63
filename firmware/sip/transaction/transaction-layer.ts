// The transaction layer (RFC 3261 §17): matches requests and responses to transactions,
// creates them, and hands the transaction user (a UA core, a proxy, a registrar) only what
// it must see. CANCEL is answered here (§9.2); 2xx ACKs and stray responses go to the TU.

import type { SipClock } from '../clock.ts';
import { SipMessage } from '../message.ts';
import { createResponse } from '../response.ts';
import { splitList } from '../scanner.ts';
import { BRANCH_COOKIE } from '../via.ts';
import type { Peer } from '../transport/peer.ts';
import type { Transport } from '../transport/sip-transport.ts';
import { ClientTransaction } from './client-transaction.ts';
import type { ClientHandlers } from './client-transaction.ts';
import { ServerTransaction } from './server-transaction.ts';
import { DEFAULT_TIMERS } from './timers.ts';
import type { TimerConfig } from './timers.ts';

export interface TransactionUser {
  /** A new request (not a retransmission, not an ACK, not a CANCEL). Answer through tx.respond(). */
  onRequest(req: SipMessage, tx: ServerTransaction, source: Peer): void;
  /** An ACK that belongs to no transaction: the ACK for a 2xx (§17.1.1.3, §13.3.1.4). */
  onAck?(ack: SipMessage, source: Peer): void;
  /** A CANCEL matched a pending INVITE; the layer already answered the CANCEL with 200. */
  onCancel?(invite: ServerTransaction, cancel: SipMessage): void;
  /** A response that matches no client transaction (a late 2xx, a forked 2xx). */
  onStrayResponse?(res: SipMessage, source: Peer): void;
  /**
   * Optional gate before a server transaction is made: a response to send statelessly (so a
   * flood from strangers costs no transaction state), or null to go on as usual.
   */
  screen?(req: SipMessage, source: Peer): SipMessage | null;
}

export interface LayerOptions {
  timers?: Partial<TimerConfig>;
  /** Random hex for branches; the phone passes the HAL's random bytes, tests a counter. */
  random(): string;
  /** Upper bound on live transactions; past it requests get 503 (flood protection). */
  maxTransactions?: number;
  /** When an INVITE server transaction sends 100 Trying if the TU has not answered. */
  tryingDelayMs?: number;
}

export interface RequestOptions {
  /** The request already carries our top Via (a CANCEL copying its INVITE's). */
  keepVia?: boolean;
}

export class TransactionLayer {
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly servers = new Map<string, ServerTransaction>();
  /** T1/T2/T4 in force: TUs that retransmit themselves (a UAS's 2xx) use the same table. */
  readonly timers: TimerConfig;

  constructor(
    private readonly transport: Transport,
    private readonly clock: SipClock,
    private readonly tu: TransactionUser,
    private readonly options: LayerOptions,
  ) {
    this.timers = { ...DEFAULT_TIMERS, ...options.timers };
  }

  get clientCount(): number {
    return this.clients.size;
  }

  get serverCount(): number {
    return this.servers.size;
  }

  newBranch(): string {
    return BRANCH_COOKIE + this.options.random();
  }

  /** Sends a request in a new client transaction; null when the layer is full. */
  request(req: SipMessage, dest: Peer, handlers: ClientHandlers, opts: RequestOptions = {}): ClientTransaction | null {
    if (this.clients.size + this.servers.size >= this.max()) return null;
    let target = dest;
    let branch: string;
    if (opts.keepVia === true) {
      branch = req.topVia()?.branch ?? this.newBranch();
    } else {
      // RFC 3261 §18.1.1: a request near the MTU goes over TCP (the Via must say so).
      if (target.transport === 'udp' && this.transport.preferTcp(req)) {
        target = { transport: 'tcp', address: target.address, port: target.port };
      }
      branch = this.newBranch();
      req.prepend('Via', this.transport.via(target.transport, branch));
    }
    const key = `${branch}|${req.method}`;
    const tx = new ClientTransaction(key, branch, req, target, handlers, this.transport, this.clock, this.timers, (t) => {
      if (this.clients.get(t.key) === t) this.clients.delete(t.key);
    });
    if (target !== dest) tx.udpFallback = dest; // moved to TCP for size: UDP if TCP fails
    this.clients.set(key, tx);
    tx.start();
    return tx;
  }

  /**
   * Cancels a pending INVITE (§9.1): a CANCEL with the INVITE's Request-URI, Call-ID, From,
   * To, CSeq number, Route set and top Via. Deferred until a provisional response arrives.
   */
  cancel(invite: ClientTransaction, reason?: string): void {
    if (!invite.isInvite) return;
    if (invite.state === 'calling') {
      invite.cancelPending = true;
      invite.cancelReason = reason;
      return;
    }
    if (invite.state !== 'proceeding') return;
    const req = invite.request;
    const cancel = SipMessage.request('CANCEL', req.uri);
    cancel.add('Via', splitList(req.get('Via')!, 'Via')[0]!);
    for (const h of req.headers) if (h.name === 'Route') cancel.add('Route', h.value);
    cancel.add('Max-Forwards', '70');
    cancel.add('From', req.get('From') ?? '');
    cancel.add('To', req.get('To') ?? '');
    cancel.add('Call-ID', req.get('Call-ID') ?? '');
    cancel.add('CSeq', `${req.cseq()!.seq} CANCEL`);
    if (reason !== undefined) cancel.add('Reason', reason);
    this.request(cancel, invite.dest, { onFinal: () => {} }, { keepVia: true });
  }

  /** Sends a request or response outside any transaction (an ACK for 2xx, a stateless reply). */
  sendStateless(msg: SipMessage, dest: Peer): boolean {
    return this.transport.send(msg, dest);
  }

  /** An ACK for a 2xx: its own branch, no transaction (§13.2.2.4). */
  sendAck(ack: SipMessage, dest: Peer): boolean {
    if (ack.get('Via') === undefined) ack.prepend('Via', this.transport.via(dest.transport, this.newBranch()));
    return this.transport.send(ack, dest);
  }

  /** Terminates every transaction (shutdown, reboot). */
  shutdown(): void {
    for (const tx of [...this.clients.values()]) tx.terminate();
    for (const tx of [...this.servers.values()]) tx.terminate();
  }

  /** A TCP connection we sent requests on failed: their transactions fail now, not at Timer B/F. */
  connectionFailed(peer: Peer): void {
    for (const tx of [...this.clients.values()]) {
      if (tx.dest.transport === peer.transport && tx.dest.address === peer.address && tx.dest.port === peer.port) tx.transportError();
    }
  }

  /** Everything the transport received. */
  receive(msg: SipMessage, source: Peer): void {
    if (msg.kind === 'response') this.receiveResponse(msg, source);
    else this.receiveRequest(msg, source);
  }

  private receiveResponse(res: SipMessage, source: Peer): void {
    const branch = res.topVia()?.branch;
    const method = res.cseq()?.method;
    const tx = branch && method ? this.clients.get(`${branch}|${method}`) : undefined;
    if (tx === undefined) {
      this.tu.onStrayResponse?.(res, source);
      return;
    }
    tx.receive(res);
    if (tx.isInvite && tx.cancelPending && res.status < 200) {
      tx.cancelPending = false;
      this.cancel(tx, tx.cancelReason);
    }
  }

  private receiveRequest(req: SipMessage, source: Peer): void {
    const key = serverKey(req, req.method === 'ACK' || req.method === 'CANCEL' ? 'INVITE' : req.method);
    if (key === null) return;
    if (req.method === 'ACK') {
      const tx = this.servers.get(key);
      if (tx !== undefined && tx.state === 'completed') tx.ack();
      else if (tx === undefined || tx.state === 'accepted') this.tu.onAck?.(req, source);
      return; // an ACK in confirmed/terminated state is absorbed
    }
    if (req.method === 'CANCEL') return this.receiveCancel(req, source, key);
    const existing = this.servers.get(key);
    if (existing !== undefined) {
      existing.retransmission();
      return;
    }
    const early = this.tu.screen?.(req, source) ?? null;
    if (early !== null) {
      this.transport.sendResponse(early, source);
      return;
    }
    if (this.clients.size + this.servers.size >= this.max() && !this.evictCompleted()) {
      const busy = createResponse(req, 503, 'Service Unavailable');
      busy.add('Retry-After', '5');
      this.transport.sendResponse(busy, source);
      return;
    }
    const tx = this.serverTx(key, req, source);
    tx.scheduleTrying(this.options.tryingDelayMs ?? 200);
    this.tu.onRequest(req, tx, source);
  }

  private receiveCancel(cancel: SipMessage, source: Peer, inviteKey: string): void {
    const key = serverKey(cancel, 'CANCEL')!;
    const existing = this.servers.get(key);
    if (existing !== undefined) {
      existing.retransmission();
      return;
    }
    const cancelTx = this.serverTx(key, cancel, source);
    const invite = this.servers.get(inviteKey);
    if (invite === undefined) {
      cancelTx.respond(createResponse(cancel, 481));
      return;
    }
    cancelTx.respond(createResponse(cancel, 200, undefined, invite.lastResponse?.to()?.tag ?? undefined));
    if (invite.state === 'proceeding' && !invite.cancelled) {
      invite.cancelled = true;
      this.tu.onCancel?.(invite, cancel);
    }
  }

  private serverTx(key: string, req: SipMessage, source: Peer): ServerTransaction {
    const tx = new ServerTransaction(key, req, source, this.transport, this.clock, this.timers, (t) => {
      if (this.servers.get(t.key) === t) this.servers.delete(t.key);
    });
    this.servers.set(key, tx);
    return tx;
  }

  /**
   * Makes room by ending the oldest completed non-INVITE server transaction: it has answered and
   * only waits out Timer J (32 s over UDP) to absorb retransmissions, so without this a busy
   * server's table fills with finished work (4096 / 32 s caps it near 128 REGISTER/s). A late
   * retransmission of it is then handled as new, which non-INVITE requests tolerate. Requests
   * still in progress are never evicted, so a flood still gets 503.
   */
  private evictCompleted(): boolean {
    for (const tx of this.servers.values()) {
      if (tx.state === 'completed' && !tx.isInvite) {
        tx.terminate();
        this.servers.delete(tx.key);
        return true;
      }
    }
    return false;
  }

  private max(): number {
    return this.options.maxTransactions ?? 4096;
  }
}

/**
 * The server transaction a request belongs to (§17.2.3): branch, sent-by and method when
 * the branch has the RFC 3261 cookie; RFC 2543 identifiers otherwise.
 */
export function serverKey(req: SipMessage, method: string): string | null {
  const top = req.topVia();
  if (top === undefined) return null;
  const sentBy = `${top.host.toLowerCase()}:${top.port ?? ''}`;
  const branch = top.branch;
  if (branch !== null && branch.length > BRANCH_COOKIE.length && branch.startsWith(BRANCH_COOKIE)) {
    return `${branch}|${sentBy}|${method}`;
  }
  return `2543|${req.callId()}|${req.cseq()?.seq}|${req.from()?.tag}|${req.uri}|${sentBy}|${branch ?? ''}|${method}`;
}
