// RFC 3261 §17 transaction behaviour on a fake clock and a recording transport.
import test from 'ava';
import { SipMessage, createResponse, parseMessage, serializeMessage } from '../../firmware/sip/index.ts';
import { TransactionLayer, serverKey } from '../../firmware/sip/transaction/index.ts';
import type { Peer, Transport } from '../../firmware/sip/transport/index.ts';
import type { ServerTransaction, TransactionUser } from '../../firmware/sip/transaction/index.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

class RecordingTransport implements Transport {
  sent: Array<{ at: number; msg: SipMessage; dest: Peer }> = [];
  fail = false;
  constructor(private readonly clock: FakeClock, private readonly tcp = false) {}
  send(msg: SipMessage, dest: Peer): boolean {
    if (this.fail) return false;
    this.sent.push({ at: this.clock.now(), msg: parseMessage(serializeMessage(msg)), dest });
    return true;
  }
  sendResponse(res: SipMessage, source: Peer): boolean {
    return this.send(res, source);
  }
  via(transport: string, branch: string): string {
    return `SIP/2.0/${transport.toUpperCase()} 192.0.2.10:5060;branch=${branch};rport`;
  }
  preferTcp(req: SipMessage): boolean {
    return this.tcp && serializeMessage(req).length + 120 > 1300;
  }
  times(method: string): number[] {
    return this.sent.filter((s) => s.msg.method === method).map((s) => s.at);
  }
}

const UDP: Peer = { transport: 'udp', address: '192.0.2.20', port: 5060 };
const TCP: Peer = { transport: 'tcp', address: '192.0.2.20', port: 5060, conn: 7 };

function setup(tu: Partial<TransactionUser> = {}, opts: { tcp?: boolean; max?: number } = {}) {
  const clock = new FakeClock();
  const transport = new RecordingTransport(clock, opts.tcp);
  let n = 0;
  const requests: Array<{ req: SipMessage; tx: ServerTransaction }> = [];
  const layer = new TransactionLayer(transport, clock, {
    onRequest: (req, tx) => requests.push({ req, tx }),
    ...tu,
  }, { random: () => `r${++n}`, ...(opts.max ? { maxTransactions: opts.max } : {}) });
  return { clock, transport, layer, requests };
}

function request(method: string, extra: string[] = []): SipMessage {
  const m = SipMessage.request(method, 'sip:bob@biloxi.example.com')
    .add('Max-Forwards', '70')
    .add('From', '<sip:alice@atlanta.example.com>;tag=a1')
    .add('To', '<sip:bob@biloxi.example.com>')
    .add('Call-ID', 'call-1')
    .add('CSeq', `1 ${method}`);
  for (const e of extra) m.add(e.slice(0, e.indexOf(':')), e.slice(e.indexOf(':') + 1).trim());
  return m;
}

/** A request as it would arrive from a peer (with the peer's Via). */
function incoming(method: string, branch = 'z9hG4bKpeer1', cseq = 1): SipMessage {
  return parseMessage([
    `${method} sip:bob@192.0.2.10 SIP/2.0`,
    `Via: SIP/2.0/UDP 192.0.2.20:5060;branch=${branch}`,
    'Max-Forwards: 70',
    'From: <sip:alice@atlanta.example.com>;tag=a1',
    'To: <sip:bob@biloxi.example.com>',
    'Call-ID: call-2',
    `CSeq: ${cseq} ${method}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n'));
}

function responseTo(req: SipMessage, status: number, toTag = 'b1'): SipMessage {
  return parseMessage(serializeMessage(createResponse(req, status, undefined, toTag)));
}

test('client non-INVITE over UDP: Timer E doubles to T2, Timer F times out at 64*T1', (t) => {
  const { clock, transport, layer } = setup();
  let timedOut = 0;
  layer.request(request('OPTIONS'), UDP, { onFinal: () => t.fail(), onTimeout: () => timedOut++ });
  clock.advance(40000);
  t.deepEqual(transport.times('OPTIONS'), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
  t.is(timedOut, 1);
  t.is(layer.clientCount, 0);
});

test('client non-INVITE: a provisional moves retransmission to T2; the final arrives once; Timer K', (t) => {
  const { clock, transport, layer } = setup();
  const finals: number[] = [];
  const tx = layer.request(request('REGISTER'), UDP, { onFinal: (r) => finals.push(r.status) })!;
  clock.advance(600); // one retransmission at 500
  layer.receive(responseTo(tx.request, 100), UDP);
  clock.advance(9000);
  // Timer E already running fires at 1500, then restarts at T2 (§17.1.2.2)
  t.deepEqual(transport.times('REGISTER'), [0, 500, 1500, 5500, 9500]);
  layer.receive(responseTo(tx.request, 200), UDP);
  layer.receive(responseTo(tx.request, 200), UDP); // retransmitted final: absorbed
  t.deepEqual(finals, [200]);
  t.is(tx.state, 'completed');
  clock.advance(5000); // Timer K = T4
  t.is(tx.state, 'terminated');
});

test('client INVITE over UDP: Timer A doubles, Timer B times out at 64*T1', (t) => {
  const { clock, transport, layer } = setup();
  let timedOut = 0;
  layer.request(request('INVITE'), UDP, { onFinal: () => t.fail(), onTimeout: () => timedOut++ });
  clock.advance(33000);
  t.deepEqual(transport.times('INVITE'), [0, 500, 1500, 3500, 7500, 15500, 31500]);
  t.is(timedOut, 1);
});

test('client INVITE: 180 stops retransmission; a non-2xx final is ACKed in the transaction', (t) => {
  const { clock, transport, layer } = setup();
  const seen: number[] = [];
  const tx = layer.request(request('INVITE', ['Route: <sip:p1.example.com;lr>']), UDP, {
    onProvisional: (r) => seen.push(r.status),
    onFinal: (r) => seen.push(r.status),
  })!;
  layer.receive(responseTo(tx.request, 180), UDP);
  clock.advance(60000);
  t.deepEqual(transport.times('INVITE'), [0]); // no Timer B after a provisional
  const busy = responseTo(tx.request, 486, 'btag');
  layer.receive(busy, UDP);
  const acks = transport.sent.filter((s) => s.msg.method === 'ACK');
  t.is(acks.length, 1);
  const ack = acks[0]!.msg;
  t.is(ack.topVia()!.branch, tx.branch); // same branch as the INVITE (§17.1.1.3)
  t.is(ack.to()!.tag, 'btag');
  t.is(ack.cseq()!.method, 'ACK');
  t.is(ack.uri, tx.request.uri);
  t.deepEqual(ack.routes().map((r) => r.uriText), ['sip:p1.example.com;lr']);
  layer.receive(busy, UDP); // retransmitted 486: the ACK is repeated, the TU hears nothing
  t.is(transport.sent.filter((s) => s.msg.method === 'ACK').length, 2);
  t.deepEqual(seen, [180, 486]);
  clock.advance(32000); // Timer D
  t.is(tx.state, 'terminated');
});

test('client INVITE: a 2xx is Accepted (RFC 6026); retransmitted 2xx reach the TU; Timer M ends it', (t) => {
  const { clock, layer, transport } = setup();
  const finals: number[] = [];
  const tx = layer.request(request('INVITE'), UDP, { onFinal: (r) => finals.push(r.status) })!;
  const ok = responseTo(tx.request, 200);
  layer.receive(ok, UDP);
  layer.receive(ok, UDP);
  t.deepEqual(finals, [200, 200]);
  t.is(transport.sent.filter((s) => s.msg.method === 'ACK').length, 0); // 2xx ACK is the TU's job
  clock.advance(32000);
  t.is(tx.state, 'terminated');
  let stray = 0;
  const { layer: l2 } = setup({ onStrayResponse: () => stray++ });
  l2.receive(ok, UDP);
  t.is(stray, 1);
});

test('reliable transports are never retransmitted on', (t) => {
  const { clock, transport, layer } = setup();
  layer.request(request('INVITE'), TCP, { onFinal: () => {} });
  layer.request(request('OPTIONS'), TCP, { onFinal: () => {} });
  clock.advance(31000);
  t.is(transport.sent.length, 2);
});

test('a transport failure is reported at once', (t) => {
  const { transport, layer } = setup();
  transport.fail = true;
  let failed = 0;
  layer.request(request('OPTIONS'), UDP, { onFinal: () => {}, onTransportError: () => failed++ });
  t.is(failed, 1);
  t.is(layer.clientCount, 0);
});

test('server non-INVITE: retransmissions absorbed, then answered with the last response; Timer J', (t) => {
  const { clock, transport, layer, requests } = setup();
  const req = incoming('OPTIONS');
  layer.receive(req, UDP);
  layer.receive(req, UDP); // before any response: absorbed
  t.is(requests.length, 1);
  t.is(transport.sent.length, 0);
  requests[0]!.tx.respond(createResponse(req, 200, undefined, 'x'));
  layer.receive(req, UDP);
  t.deepEqual(transport.sent.map((s) => s.msg.status), [200, 200]);
  clock.advance(31999);
  t.is(layer.serverCount, 1);
  clock.advance(1);
  t.is(layer.serverCount, 0);
});

test('server INVITE: 100 Trying after 200 ms if the TU is silent', (t) => {
  const { clock, transport, layer } = setup();
  layer.receive(incoming('INVITE'), UDP);
  clock.advance(199);
  t.is(transport.sent.length, 0);
  clock.advance(1);
  t.deepEqual(transport.sent.map((s) => s.msg.status), [100]);
});

test('server INVITE: a non-2xx final is retransmitted (Timer G) until the ACK; Timer I', (t) => {
  const { clock, transport, layer, requests } = setup();
  const inv = incoming('INVITE');
  layer.receive(inv, UDP);
  const { tx } = requests[0]!;
  tx.respond(createResponse(inv, 486, undefined, 'busy'));
  clock.advance(8000);
  t.deepEqual(transport.sent.map((s) => s.at), [0, 500, 1500, 3500, 7500]);
  layer.receive(incoming('ACK'), UDP); // same branch: matches the INVITE transaction
  t.is(tx.state, 'confirmed');
  clock.advance(10000);
  t.is(transport.sent.length, 5);
  t.is(tx.state, 'terminated');
});

test('server INVITE: without an ACK, Timer H gives up at 64*T1', (t) => {
  const { clock, layer, requests } = setup();
  const inv = incoming('INVITE');
  layer.receive(inv, UDP);
  const { tx } = requests[0]!;
  let lost = 0;
  tx.onAckTimeout = () => lost++;
  tx.respond(createResponse(inv, 404, undefined, 'nf'));
  clock.advance(32000);
  t.is(lost, 1);
  t.is(tx.state, 'terminated');
});

test('server INVITE: a 2xx is Accepted; the 2xx ACK (new branch) goes to the TU', (t) => {
  const acks: SipMessage[] = [];
  const { layer, requests, transport } = setup({ onAck: (a) => acks.push(a) });
  const inv = incoming('INVITE');
  layer.receive(inv, UDP);
  const { tx } = requests[0]!;
  const ok = createResponse(inv, 200, undefined, 'ok');
  tx.respond(ok);
  t.is(tx.state, 'accepted');
  t.true(tx.respond(ok)); // the TU retransmits its 2xx through the transaction
  layer.receive(inv, UDP); // an INVITE retransmission in Accepted is absorbed
  t.is(transport.sent.length, 2);
  layer.receive(incoming('ACK', 'z9hG4bKack2'), UDP);
  t.is(acks.length, 1);
});

test('CANCEL: answered 200 and handed to the TU when the INVITE is pending; 481 otherwise', (t) => {
  const cancelled: ServerTransaction[] = [];
  const { layer, requests, transport } = setup({ onCancel: (inv) => cancelled.push(inv) });
  const inv = incoming('INVITE');
  layer.receive(inv, UDP);
  layer.receive(incoming('CANCEL'), UDP);
  t.is(cancelled.length, 1);
  t.is(cancelled[0], requests[0]!.tx);
  const cancelResponses = transport.sent.filter((s) => s.msg.cseq()?.method === 'CANCEL');
  t.deepEqual(cancelResponses.map((s) => s.msg.status), [200]);
  requests[0]!.tx.respond(createResponse(inv, 487, undefined, 'c'));
  layer.receive(incoming('CANCEL', 'z9hG4bKnosuch'), UDP);
  t.deepEqual(transport.sent.filter((s) => s.msg.cseq()?.method === 'CANCEL').map((s) => s.msg.status), [200, 481]);
});

test('client CANCEL waits for a provisional response, then copies the INVITE (§9.1)', (t) => {
  const { layer, transport } = setup();
  const tx = layer.request(request('INVITE', ['Route: <sip:p1.example.com;lr>']), UDP, { onFinal: () => {} })!;
  layer.cancel(tx, 'SIP;cause=487');
  t.is(transport.sent.filter((s) => s.msg.method === 'CANCEL').length, 0);
  layer.receive(responseTo(tx.request, 180), UDP);
  const cancel = transport.sent.find((s) => s.msg.method === 'CANCEL')!.msg;
  t.is(cancel.topVia()!.branch, tx.branch);
  t.is(cancel.vias().length, 1);
  t.is(cancel.uri, tx.request.uri);
  t.deepEqual(cancel.cseq(), { seq: 1, method: 'CANCEL' });
  t.is(cancel.get('Reason'), 'SIP;cause=487');
  t.is(cancel.routes().length, 1);
});

test('a full transaction table answers 503 and refuses new client transactions', (t) => {
  const { layer, transport } = setup({}, { max: 2 });
  layer.receive(incoming('OPTIONS', 'z9hG4bK1'), UDP);
  layer.receive(incoming('OPTIONS', 'z9hG4bK2'), UDP);
  layer.receive(incoming('OPTIONS', 'z9hG4bK3'), UDP);
  t.deepEqual(transport.sent.map((s) => s.msg.status), [503]);
  t.is(transport.sent[0]!.msg.get('Retry-After'), '5');
  t.is(layer.request(request('OPTIONS'), UDP, { onFinal: () => {} }), null);
});

test('a full table makes room by ending the oldest answered non-INVITE, never one in progress', (t) => {
  const { layer, transport, requests } = setup({}, { max: 3 });
  layer.receive(incoming('REGISTER', 'z9hG4bK1'), UDP);
  layer.receive(incoming('INVITE', 'z9hG4bK2'), UDP);
  layer.receive(incoming('REGISTER', 'z9hG4bK3'), UDP);
  requests[0]!.tx.respond(createResponse(requests[0]!.req, 200)); // completed: waits out Timer J
  requests[1]!.tx.respond(createResponse(requests[1]!.req, 486)); // INVITE completed: kept for its ACK
  t.is(layer.serverCount, 3);
  layer.receive(incoming('OPTIONS', 'z9hG4bK4'), UDP); // evicts the answered REGISTER
  t.is(requests.length, 4);
  t.is(layer.serverCount, 3);
  layer.receive(incoming('OPTIONS', 'z9hG4bK5'), UDP); // only work in progress and the INVITE left
  t.is(requests.length, 4);
  t.deepEqual(transport.sent.map((s) => s.msg.status), [200, 486, 503]);
  // The evicted REGISTER's retransmission is new work now; the INVITE's is still absorbed.
  requests[3]!.tx.respond(createResponse(requests[3]!.req, 200));
  layer.receive(incoming('INVITE', 'z9hG4bK2'), UDP);
  t.deepEqual(transport.sent.map((s) => s.msg.status), [200, 486, 503, 200, 486]);
});

test('a request too big for UDP goes over TCP with a TCP Via (§18.1.1)', (t) => {
  const { layer, transport } = setup({}, { tcp: true });
  const big = request('MESSAGE', ['Content-Type: text/plain']);
  big.body = 'x'.repeat(1500);
  layer.request(big, UDP, { onFinal: () => {} });
  t.is(transport.sent[0]!.dest.transport, 'tcp');
  t.is(transport.sent[0]!.msg.topVia()!.transport, 'TCP');
});

test('RFC 2543 requests without the magic cookie still match their transaction', (t) => {
  const a = incoming('INVITE', 'oldstyle');
  const ack = incoming('ACK', 'oldstyle');
  t.is(serverKey(a, 'INVITE'), serverKey(ack, 'INVITE'));
  t.not(serverKey(a, 'INVITE'), serverKey(incoming('INVITE', 'oldstyle', 2), 'INVITE'));
  t.regex(serverKey(a, 'INVITE')!, /^2543\|/);
});
