// The firmware's SIP stack (transport + transaction layer) on Node: the HAL network is
// NodeNet from the emulator, so the lab server and test endpoints run the same code the
// phone runs.

import { randomBytes } from 'node:crypto';
import { SipTransport } from '../firmware/sip/transport/index.ts';
import { TransactionLayer } from '../firmware/sip/transaction/index.ts';
import type { SipClock } from '../firmware/sip/index.ts';
import type { LayerOptions, TransactionUser } from '../firmware/sip/transaction/index.ts';
import type { HalEvent } from '../hal/contract.ts';
import { NodeNet } from '../hal/node/net.ts';
import { NodeClock } from './node-clock.ts';

export interface NodeSipStackOptions {
  /** UDP port (and TCP, when tcp is on); 0 = any. */
  port: number;
  tcp?: boolean;
  /** Address to bind (default 127.0.0.1). */
  bindAddress?: string;
  /** Address put in Via/Record-Route/Contact (default: the bind address). */
  advertisedAddress?: string;
  /** Transaction timers and limits. */
  layer?: Omit<LayerOptions, 'random'>;
  /** A clock to use instead of real time (tests). */
  clock?: SipClock;
}

export interface NodeSipStack {
  layer: TransactionLayer;
  transport: SipTransport;
  clock: SipClock;
  /** The bound port. */
  port: number;
  address: string;
  close(): void;
}

/** Starts a stack and resolves once its sockets are bound. */
export function startNodeSipStack(options: NodeSipStackOptions, tu: TransactionUser): Promise<NodeSipStack> {
  const bind = options.bindAddress ?? '127.0.0.1';
  const address = options.advertisedAddress ?? (bind === '0.0.0.0' ? '127.0.0.1' : bind);
  const clock = options.clock ?? new NodeClock();
  let transport: SipTransport;
  let layer: TransactionLayer;
  const net = new NodeNet((ev: HalEvent) => transport.handleEvent(ev), { bindAddress: bind, advertisedAddress: address });
  return new Promise((resolve, reject) => {
    transport = new SipTransport(net, { port: options.port, tcp: options.tcp === true, localAddress: () => address }, {
      onMessage: (msg, source) => layer.receive(msg, source),
      onConnectionFailed: (peer) => layer.connectionFailed(peer),
      onReady: (port) => resolve({
        layer,
        transport,
        clock,
        port,
        address,
        close: () => {
          layer.shutdown();
          transport.stop();
          net.close();
          if (clock instanceof NodeClock) clock.close();
        },
      }),
      onError: (message) => {
        net.close();
        reject(new Error(message));
      },
    });
    layer = new TransactionLayer(transport, clock, tu, { random: () => randomBytes(8).toString('hex'), ...options.layer });
    transport.start();
  });
}
