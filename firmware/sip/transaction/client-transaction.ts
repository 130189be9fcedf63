// Client transactions (RFC 3261 §17.1, with RFC 6026's Accepted state): send a request,
// retransmit it over UDP, hand responses to the transaction user, time out.

import type { SipClock } from '../clock.ts';
import { SipMessage } from '../message.ts';
import { splitList } from '../scanner.ts';
import type { Peer } from '../transport/peer.ts';
import { isReliable } from '../transport/peer.ts';
import type { Transport } from '../transport/sip-transport.ts';
import { transactionTimeout } from './timers.ts';
import type { TimerConfig } from './timers.ts';

export interface ClientHandlers {
  /** 1xx responses. */
  onProvisional?(res: SipMessage, tx: ClientTransaction): void;
  /** The final response; for INVITE, also every retransmitted 2xx (the TU re-ACKs them). */
  onFinal(res: SipMessage, tx: ClientTransaction): void;
  /** No final response in time (Timer B/F): the TU acts as if it got 408. */
  onTimeout?(tx: ClientTransaction): void;
  /** The transport could not deliver the request (the TU acts as if it got 503). */
  onTransportError?(tx: ClientTransaction): void;
}

export type ClientState = 'calling' | 'trying' | 'proceeding' | 'accepted' | 'completed' | 'terminated';

export class ClientTransaction {
  state: ClientState;
  readonly isInvite: boolean;
  /** The last final response, if any. */
  final: SipMessage | null = null;
  /** Set when a CANCEL was asked for before any provisional response arrived (§9.1). */
  cancelPending = false;
  /** The Reason header value for that deferred CANCEL. */
  cancelReason: string | undefined;
  private retransmitTimer = -1;
  private timeoutTimer = -1;
  private interval: number;
  private ack: SipMessage | null = null;
  /**
   * The UDP hop a request too big for UDP was moved from to TCP (§18.1.1). If TCP fails before
   * any response — a UDP-only server has no listener — the request goes once more over UDP, as
   * a large datagram, instead of failing: a call through a UDP-only proxy that carries two
   * realms' credentials is just over 1300 bytes (found with SIPp, see test/interop/sipp.test.ts).
   */
  udpFallback: Peer | null = null;

  constructor(
    readonly key: string,
    readonly branch: string,
    readonly request: SipMessage,
    public dest: Peer,
    readonly handlers: ClientHandlers,
    private readonly transport: Transport,
    private readonly clock: SipClock,
    private readonly timers: TimerConfig,
    private readonly onTerminated: (tx: ClientTransaction) => void,
  ) {
    this.isInvite = request.method === 'INVITE';
    this.state = this.isInvite ? 'calling' : 'trying';
    this.interval = timers.t1;
  }

  start(): void {
    if (!this.transport.send(this.request, this.dest)) {
      this.transportError();
      return;
    }
    if (!isReliable(this.dest.transport)) this.scheduleRetransmit();
    this.timeoutTimer = this.clock.setTimer(transactionTimeout(this.timers), () => this.timeout());
  }

  /** A response matched to this transaction. */
  receive(res: SipMessage): void {
    const code = res.status;
    switch (this.state) {
      case 'calling':
      case 'trying':
      case 'proceeding':
        if (code < 200) {
          if (this.state !== 'proceeding') {
            this.state = 'proceeding';
            if (this.isInvite) {
              this.clearRetransmit(); // Timer A stops; INVITE waits for the TU (§17.1.1.2)
            } else {
              this.interval = this.timers.t2; // Timer E continues at T2 (§17.1.2.2)
            }
          }
          this.handlers.onProvisional?.(res, this);
          return;
        }
        this.final = res;
        this.clearRetransmit();
        this.clock.clearTimer(this.timeoutTimer);
        if (this.isInvite && code < 300) {
          this.state = 'accepted';
          this.timeoutTimer = this.clock.setTimer(transactionTimeout(this.timers), () => this.terminate()); // Timer M
        } else {
          this.state = 'completed';
          if (this.isInvite) this.sendAck(res);
          const wait = isReliable(this.dest.transport) ? 0 : this.isInvite ? 32000 : this.timers.t4; // Timer D / K
          this.timeoutTimer = this.clock.setTimer(wait, () => this.terminate());
        }
        this.handlers.onFinal(res, this);
        return;
      case 'accepted':
        if (code >= 200 && code < 300) this.handlers.onFinal(res, this); // 2xx retransmission: TU re-ACKs
        return;
      case 'completed':
        if (this.isInvite && code >= 300 && this.ack !== null) this.transport.send(this.ack, this.dest);
        return;
      default:
        return;
    }
  }

  /** Ends the transaction now (the TU is done with it, or the layer is shutting down). */
  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.clearRetransmit();
    this.clock.clearTimer(this.timeoutTimer);
    this.onTerminated(this);
  }

  transportError(): void {
    if (this.state === 'terminated') return;
    const udp = this.udpFallback;
    if (udp !== null && (this.state === 'calling' || this.state === 'trying')) {
      this.udpFallback = null;
      this.clearRetransmit();
      this.clock.clearTimer(this.timeoutTimer);
      this.request.replaceFirst('Via', this.transport.via('udp', this.branch)); // same branch, UDP Via
      this.dest = udp;
      this.interval = this.timers.t1;
      this.start();
      return;
    }
    this.terminate();
    this.handlers.onTransportError?.(this);
  }

  private timeout(): void {
    if (this.state === 'terminated' || this.state === 'accepted' || this.state === 'completed') return;
    if (this.isInvite && this.state === 'proceeding') return; // Timer B only runs in Calling
    this.terminate();
    this.handlers.onTimeout?.(this);
  }

  private scheduleRetransmit(): void {
    this.retransmitTimer = this.clock.setTimer(this.interval, () => {
      if (this.state !== 'calling' && this.state !== 'trying' && this.state !== 'proceeding') return;
      if (this.isInvite && this.state !== 'calling') return;
      this.transport.send(this.request, this.dest);
      // INVITE doubles without a cap (Timer A); non-INVITE doubles up to T2 (Timer E)
      this.interval = this.isInvite ? this.interval * 2 : Math.min(this.interval * 2, this.timers.t2);
      this.scheduleRetransmit();
    });
  }

  private clearRetransmit(): void {
    if (this.retransmitTimer !== -1) this.clock.clearTimer(this.retransmitTimer);
    this.retransmitTimer = -1;
  }

  /** ACK for a non-2xx final response, inside the transaction (§17.1.1.3). */
  private sendAck(res: SipMessage): void {
    const req = this.request;
    const ack = SipMessage.request('ACK', req.uri);
    ack.add('Via', splitList(req.get('Via')!, 'Via')[0]!); // the INVITE's own top Via
    for (const h of req.headers) if (h.name === 'Route') ack.add('Route', h.value);
    ack.add('Max-Forwards', '70');
    ack.add('From', req.get('From') ?? '');
    ack.add('To', res.get('To') ?? req.get('To') ?? '');
    ack.add('Call-ID', req.get('Call-ID') ?? '');
    ack.add('CSeq', `${req.cseq()!.seq} ACK`);
    this.ack = ack;
    this.transport.send(ack, this.dest);
  }
}
