// The phone's SIP stack on the HAL: transport + transaction layer, a SipClock over HAL
// timers, and random identifiers (branches, tags, Call-IDs) from the HAL's random bytes.

import type { Hal } from '../../hal/contract.ts';
import { SipTransport } from '../sip/transport/index.ts';
import { TransactionLayer } from '../sip/transaction/index.ts';
import type { SipClock } from '../sip/index.ts';
import type { TransactionUser } from '../sip/transaction/index.ts';
import { toHex } from '../sip/digest.ts';
import type { EventRouter } from '../util/event-router.ts';
import type { Timers } from '../util/timers.ts';
import { RandomPool } from './random-pool.ts';

export class HalSipClock implements SipClock {
  constructor(
    private readonly hal: Hal,
    private readonly timers: Timers,
  ) {}

  now(): number {
    return this.hal.clock.monotonic();
  }

  setTimer(ms: number, fn: () => void): number {
    return this.timers.after(ms, fn);
  }

  clearTimer(handle: number): void {
    this.timers.cancel(handle);
  }
}

export interface StackOptions {
  port: number;
  tcp: boolean;
}

export class PhoneSipStack {
  readonly clock: HalSipClock;
  readonly transport: SipTransport;
  readonly layer: TransactionLayer;
  /** Random numbers (delays, sequence starts) from the HAL's entropy. */
  readonly rng: RandomPool;

  constructor(
    private readonly hal: Hal,
    events: EventRouter,
    timers: Timers,
    options: StackOptions,
    tu: TransactionUser,
    onReady: (port: number) => void,
    onError: (message: string) => void,
  ) {
    this.clock = new HalSipClock(hal, timers);
    this.rng = new RandomPool((n) => hal.crypto.randomBytes(n));
    this.transport = new SipTransport(events.netFor((ev) => this.transport.handleEvent(ev)), { port: options.port, tcp: options.tcp, localAddress: () => this.localAddress() }, {
      onMessage: (msg, source) => this.layer.receive(msg, source),
      onReady,
      onError,
      onConnectionFailed: (peer) => this.layer.connectionFailed(peer),
      onWarning: (message) => hal.system.log('warn', message),
    });
    this.layer = new TransactionLayer(this.transport, this.clock, tu, {
      random: () => this.random(8),
      maxTransactions: 256, // a phone, not a server: bounded under a flood
      tryingDelayMs: 200,
    });
  }

  start(): void {
    this.transport.start();
  }

  stop(): void {
    this.layer.shutdown();
    this.transport.stop();
  }

  get port(): number {
    return this.transport.port;
  }

  localAddress(): string {
    return this.hal.net.localAddress() ?? '127.0.0.1';
  }

  /** Random lower-case hex of `bytes` octets. */
  random(bytes: number): string {
    return toHex(this.hal.crypto.randomBytes(bytes));
  }
}
