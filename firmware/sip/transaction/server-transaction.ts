// Server transactions (RFC 3261 §17.2, with RFC 6026's Accepted state): absorb request
// retransmissions by repeating the last response, retransmit INVITE final responses over
// UDP until the ACK, and linger long enough to catch late retransmissions.

import type { SipClock } from '../clock.ts';
import type { SipMessage } from '../message.ts';
import { createResponse } from '../response.ts';
import type { Peer } from '../transport/peer.ts';
import { isReliable } from '../transport/peer.ts';
import type { Transport } from '../transport/sip-transport.ts';
import { transactionTimeout } from './timers.ts';
import type { TimerConfig } from './timers.ts';

export type ServerState = 'trying' | 'proceeding' | 'accepted' | 'completed' | 'confirmed' | 'terminated';

export class ServerTransaction {
  state: ServerState;
  readonly isInvite: boolean;
  /** The last response sent. */
  lastResponse: SipMessage | null = null;
  /** Set by the layer when a CANCEL for this INVITE arrives; the TU decides what to do. */
  cancelled = false;
  /** Called if no ACK arrives for a non-2xx final response (Timer H). */
  onAckTimeout: (() => void) | null = null;
  private retransmitTimer = -1;
  private stateTimer = -1;
  private tryingTimer = -1;
  private interval: number;

  constructor(
    readonly key: string,
    readonly request: SipMessage,
    readonly source: Peer,
    private readonly transport: Transport,
    private readonly clock: SipClock,
    private readonly timers: TimerConfig,
    private readonly onTerminated: (tx: ServerTransaction) => void,
  ) {
    this.isInvite = request.method === 'INVITE';
    this.state = this.isInvite ? 'proceeding' : 'trying';
    this.interval = timers.t1;
  }

  /** INVITE: answer 100 Trying unless the TU answers first (§17.2.1: within 200 ms). */
  scheduleTrying(delayMs: number): void {
    if (!this.isInvite) return;
    const send = (): void => {
      this.tryingTimer = -1;
      if (this.state === 'proceeding' && this.lastResponse === null) this.respond(createResponse(this.request, 100));
    };
    if (delayMs <= 0) send();
    else this.tryingTimer = this.clock.setTimer(delayMs, send);
  }

  /** Sends a response from the TU. Returns false when the state no longer allows it. */
  respond(res: SipMessage): boolean {
    const code = res.status;
    const st = this.state;
    if (st === 'accepted') {
      // RFC 6026: the TU retransmits its 2xx through the transaction until the ACK
      if (code >= 200 && code < 300) return this.transport.sendResponse(res, this.source);
      return false;
    }
    if (st !== 'trying' && st !== 'proceeding') return false;
    this.lastResponse = res;
    if (this.tryingTimer !== -1) {
      this.clock.clearTimer(this.tryingTimer);
      this.tryingTimer = -1;
    }
    const sent = this.transport.sendResponse(res, this.source);
    if (code < 200) {
      this.state = 'proceeding';
      return sent;
    }
    const reliable = isReliable(this.source.transport);
    if (this.isInvite && code < 300) {
      this.state = 'accepted';
      this.stateTimer = this.clock.setTimer(transactionTimeout(this.timers), () => this.terminate()); // Timer L
    } else if (this.isInvite) {
      this.state = 'completed';
      if (!reliable) this.scheduleRetransmit(); // Timer G
      this.stateTimer = this.clock.setTimer(transactionTimeout(this.timers), () => {
        // Timer H: the ACK never came
        this.terminate();
        this.onAckTimeout?.();
      });
    } else {
      this.state = 'completed';
      this.stateTimer = this.clock.setTimer(reliable ? 0 : transactionTimeout(this.timers), () => this.terminate()); // Timer J
    }
    return sent;
  }

  /** A retransmission of the request: repeat the last response (§17.2.1, §17.2.2). */
  retransmission(): void {
    if ((this.state === 'proceeding' || this.state === 'completed') && this.lastResponse !== null) {
      this.transport.sendResponse(this.lastResponse, this.source);
    }
  }

  /** The ACK for our non-2xx final response. */
  ack(): void {
    if (this.state !== 'completed' || !this.isInvite) return;
    this.state = 'confirmed';
    this.clearTimers();
    this.stateTimer = this.clock.setTimer(isReliable(this.source.transport) ? 0 : this.timers.t4, () => this.terminate()); // Timer I
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.clearTimers();
    if (this.tryingTimer !== -1) this.clock.clearTimer(this.tryingTimer);
    this.onTerminated(this);
  }

  private scheduleRetransmit(): void {
    this.retransmitTimer = this.clock.setTimer(this.interval, () => {
      if (this.state !== 'completed' || this.lastResponse === null) return;
      this.transport.sendResponse(this.lastResponse, this.source);
      this.interval = Math.min(this.interval * 2, this.timers.t2);
      this.scheduleRetransmit();
    });
  }

  private clearTimers(): void {
    if (this.retransmitTimer !== -1) this.clock.clearTimer(this.retransmitTimer);
    if (this.stateTimer !== -1) this.clock.clearTimer(this.stateTimer);
    this.retransmitTimer = -1;
    this.stateTimer = -1;
  }
}
