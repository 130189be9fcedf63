// SIP over TCP when the HAL says "retry later": the transport keeps what tcpWrite refused, in
// order, writes it on tcp_writable, and drops a connection whose peer stops reading for good.
// First against a fake NetHal that refuses on demand, then through the emulator's real Node
// network HAL and a peer that stops reading until the kernel buffers are full.
import test from 'ava';
import type { HalEvent, NetHal } from '../../hal/contract.ts';
import { NodeNet } from '../../hal/node/net.ts';
import { SipMessage, serializeMessage } from '../../firmware/sip/index.ts';
import { SipTransport } from '../../firmware/sip/transport/index.ts';
import type { Peer, TransportEvents } from '../../firmware/sip/transport/index.ts';
import { stalledPeer } from '../helpers/stalled-peer.ts';

const PEER: Peer = { transport: 'tcp', address: '192.0.2.20', port: 5060 };

/** TCP only, with a switch for "retry later". */
class FakeNet implements NetHal {
  accepting = true;
  written: string[] = [];
  refusals = 0;
  closed: number[] = [];
  private nextId = 1;
  udpOpen(): number { return this.nextId++; }
  udpSend(): boolean { return true; }
  udpClose(): void {}
  tcpConnect(): number { return this.nextId++; }
  tcpListen(): number { return this.nextId++; }
  tcpStopListening(): void {}
  tcpWrite(_conn: number, data: string): boolean {
    if (!this.accepting) {
      this.refusals++;
      return false;
    }
    this.written.push(data);
    return true;
  }
  tcpClose(conn: number): void { this.closed.push(conn); }
  dnsQuery(): number { return this.nextId++; }
  localAddress(): string { return '192.0.2.10'; }
}

function options(n: number): SipMessage {
  return SipMessage.request('OPTIONS', 'sip:bob@192.0.2.20')
    .add('Via', `SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bK${n}`)
    .add('Max-Forwards', '70')
    .add('From', '<sip:alice@192.0.2.10>;tag=a')
    .add('To', '<sip:bob@192.0.2.20>')
    .add('Call-ID', `c${n}`)
    .add('CSeq', `${n} OPTIONS`);
}

function setup(maxUnsentBytes?: number) {
  const hal = new FakeNet();
  const failed: Peer[] = [];
  const warnings: string[] = [];
  const events: TransportEvents = { onMessage: () => {}, onConnectionFailed: (p) => failed.push(p), onWarning: (m) => warnings.push(m) };
  const transport = new SipTransport(hal, { port: 5060, tcp: true, localAddress: () => '192.0.2.10', ...(maxUnsentBytes ? { maxUnsentBytes } : {}) }, events);
  return { hal, transport, failed, warnings };
}

/** Opens the connection to PEER with a first message and reports it connected; its id. */
function connected(s: ReturnType<typeof setup>): number {
  t0(s.transport.send(options(0), PEER));
  const conn = 1;
  t0(s.transport.handleEvent({ type: 'tcp_connected', conn, localAddress: '192.0.2.10', localPort: 40000 }));
  return conn;
}

function t0(ok: boolean): void {
  if (!ok) throw new Error('expected true');
}

test('a refused write waits with everything after it, in order, until tcp_writable', (t) => {
  const s = setup();
  const conn = connected(s);
  t.deepEqual(s.hal.written, [serializeMessage(options(0))]);
  s.hal.accepting = false;
  t.true(s.transport.send(options(1), PEER), 'queued is sent, as far as the transaction is concerned');
  t.true(s.transport.send(options(2), PEER));
  t.is(s.hal.refusals, 1, 'nothing more is offered to the HAL while a refusal stands');
  s.hal.accepting = true;
  t.true(s.transport.handleEvent({ type: 'tcp_writable', conn }));
  t.deepEqual(s.hal.written, [0, 1, 2].map((n) => serializeMessage(options(n))));
  t.true(s.transport.send(options(3), PEER));
  t.is(s.hal.written.at(-1), serializeMessage(options(3)), 'afterwards writes go straight out again');
  t.deepEqual(s.failed, []);
});

test('a refusal in the middle of a flush keeps the rest for the next tcp_writable', (t) => {
  const s = setup();
  const conn = connected(s);
  s.hal.accepting = false;
  for (const n of [1, 2, 3]) s.transport.send(options(n), PEER);
  let budget = 1;
  const write = s.hal.tcpWrite.bind(s.hal);
  s.hal.tcpWrite = (c, data) => (budget-- > 0 ? ((s.hal.accepting = true), write(c, data)) : ((s.hal.accepting = false), write(c, data)));
  s.transport.handleEvent({ type: 'tcp_writable', conn });
  t.deepEqual(s.hal.written, [0, 1].map((n) => serializeMessage(options(n))));
  s.hal.tcpWrite = write;
  s.hal.accepting = true;
  s.transport.handleEvent({ type: 'tcp_writable', conn });
  t.deepEqual(s.hal.written, [0, 1, 2, 3].map((n) => serializeMessage(options(n))));
});

test('writes before tcp_connected wait too, and stop at a refusal when it comes', (t) => {
  const s = setup();
  for (const n of [0, 1, 2]) s.transport.send(options(n), PEER);
  t.deepEqual(s.hal.written, []);
  s.hal.accepting = false;
  s.transport.handleEvent({ type: 'tcp_connected', conn: 1, localAddress: '192.0.2.10', localPort: 40000 });
  t.is(s.hal.refusals, 1);
  s.hal.accepting = true;
  s.transport.handleEvent({ type: 'tcp_writable', conn: 1 });
  t.deepEqual(s.hal.written, [0, 1, 2].map((n) => serializeMessage(options(n))));
});

test('a keep-alive pong waits behind refused data', (t) => {
  const s = setup();
  const conn = connected(s);
  s.hal.accepting = false;
  s.transport.send(options(1), PEER);
  s.transport.handleEvent({ type: 'tcp_data', conn, data: '\r\n\r\n' });
  s.hal.accepting = true;
  s.transport.handleEvent({ type: 'tcp_writable', conn });
  t.deepEqual(s.hal.written.slice(1), [serializeMessage(options(1)), '\r\n']);
});

test('past the cap the connection is dropped with a log line, and its messages count as failed', (t) => {
  const size = serializeMessage(options(1)).length;
  const s = setup(size * 2 + 10);
  const conn = connected(s);
  s.hal.accepting = false;
  t.true(s.transport.send(options(1), PEER));
  t.true(s.transport.send(options(2), PEER));
  t.deepEqual(s.hal.closed, []);
  t.true(s.transport.send(options(3), PEER));
  t.deepEqual(s.hal.closed, [conn]);
  t.is(s.warnings.length, 1);
  t.regex(s.warnings[0]!, /192\.0\.2\.20:5060: \d+ bytes unsent, the peer is not reading; connection dropped/);
  s.transport.send(options(4), PEER);
  s.hal.accepting = true;
  s.transport.handleEvent({ type: 'tcp_writable', conn });
  t.is(s.hal.written.length, 1, 'nothing more goes out on a dropped connection');
  t.deepEqual(s.failed, []);
  t.true(s.transport.handleEvent({ type: 'tcp_closed', conn, error: null }));
  t.deepEqual(s.failed, [{ ...PEER, conn }]);
});

test('tcp_writable for a connection it does not own is left for others', (t) => {
  const s = setup();
  t.false(s.transport.handleEvent({ type: 'tcp_writable', conn: 99 }));
});

// ---- through the Node network HAL ---------------------------------------------------

test('through the Node network HAL: a peer that stops reading, then reads, gets every message in order', async (t) => {
  t.timeout(60000);
  const peer = await stalledPeer(t);
  let transport: SipTransport | null = null;
  const deliver = (ev: HalEvent): void => {
    transport?.handleEvent(ev);
  };
  const hal = new NodeNet(deliver, { bindAddress: '127.0.0.1' });
  t.teardown(() => hal.close());
  let refusals = 0;
  let writables = 0;
  const counting: NetHal = Object.assign(Object.create(hal) as NodeNet, {
    tcpWrite: (conn: number, data: string): boolean => {
      const ok = hal.tcpWrite(conn, data);
      if (!ok) refusals++;
      return ok;
    },
  });
  const failed: Peer[] = [];
  transport = new SipTransport(counting, { port: 0, tcp: true, localAddress: () => '127.0.0.1' }, { onMessage: () => {}, onConnectionFailed: (p) => failed.push(p) });
  const inner = transport.handleEvent.bind(transport);
  transport.handleEvent = (ev) => {
    if (ev.type === 'tcp_writable') writables++;
    return inner(ev);
  };
  const dest: Peer = { transport: 'tcp', address: '127.0.0.1', port: peer.port };
  const big = (n: number): SipMessage => {
    const m = options(n);
    m.body = String.fromCharCode(n % 256).repeat(16 * 1024);
    return m;
  };
  let expected = '';
  // Until the HAL has refused (kernel buffers and its own backlog full), then a few more that must wait.
  let after = 0;
  for (let n = 0; after < 8 && n < 20000; n++) {
    const m = big(n);
    t.true(transport.send(m, dest));
    expected += serializeMessage(m);
    if (refusals > 0) after++;
    if (n % 4 === 0) await new Promise((r) => setImmediate(r));
  }
  t.true(refusals > 0, 'the HAL said "retry later"');
  await pause(50);
  t.is(writables, 0, 'no tcp_writable while the peer reads nothing');
  peer.resume();
  await peer.received(expected.length);
  t.is(peer.bytes(), expected.length);
  t.true(peer.data() === expected, 'every byte, in order');
  t.true(writables >= 1);
  t.deepEqual(failed, []);
});

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

