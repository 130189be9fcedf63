// RFC 3261 §18.1.1 moves a request over 1300 bytes from UDP to TCP. When the next hop has no TCP
// (a UDP-only proxy), the request must still get through over UDP rather than fail: found with
// SIPp (test/interop/sipp.test.ts), where an INVITE carrying the lab's and SIPp's credentials
// crossed 1300 bytes and the phone's call ended "503 Network error".
import test from 'ava';
import { SipMessage, createResponse, parseMessage, serializeMessage } from '../../firmware/sip/index.ts';
import { TransactionLayer } from '../../firmware/sip/transaction/index.ts';
import type { Peer, Transport } from '../../firmware/sip/transport/index.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

const UDP: Peer = { transport: 'udp', address: '192.0.2.20', port: 5060 };

class UdpOnlyTransport implements Transport {
  sent: Array<{ msg: SipMessage; dest: Peer }> = [];
  send(msg: SipMessage, dest: Peer): boolean {
    this.sent.push({ msg: parseMessage(serializeMessage(msg)), dest });
    return true; // a TCP connect is only refused later, by an event
  }
  sendResponse(res: SipMessage, source: Peer): boolean {
    return this.send(res, source);
  }
  via(transport: string, branch: string): string {
    return `SIP/2.0/${transport.toUpperCase()} 192.0.2.10:5060;branch=${branch};rport`;
  }
  preferTcp(req: SipMessage): boolean {
    return serializeMessage(req).length + 120 > 1300;
  }
}

function bigInvite(): SipMessage {
  const m = SipMessage.request('INVITE', 'sip:bob@biloxi.example.com')
    .add('Max-Forwards', '70')
    .add('From', '<sip:alice@atlanta.example.com>;tag=a1')
    .add('To', '<sip:bob@biloxi.example.com>')
    .add('Call-ID', 'call-1')
    .add('CSeq', '3 INVITE')
    .add('Content-Type', 'application/sdp');
  m.body = 'v=0\r\n' + 'a=x\r\n'.repeat(260);
  return m;
}

function setup() {
  const clock = new FakeClock();
  const transport = new UdpOnlyTransport();
  let n = 0;
  const layer = new TransactionLayer(transport, clock, { onRequest: () => {} }, { random: () => `r${++n}` });
  return { clock, transport, layer };
}

test('a big request whose TCP connection fails is sent again over UDP, same branch, UDP Via', (t) => {
  const { transport, layer } = setup();
  const events: string[] = [];
  const tx = layer.request(bigInvite(), UDP, {
    onFinal: (res) => events.push(`final ${res.status}`),
    onTransportError: () => events.push('transport error'),
  })!;
  t.is(transport.sent[0]!.dest.transport, 'tcp');
  t.is(transport.sent[0]!.msg.topVia()!.transport, 'TCP');

  layer.connectionFailed({ transport: 'tcp', address: UDP.address, port: UDP.port }); // refused
  t.deepEqual(events, [], 'the transaction user hears nothing of it');
  const retry = transport.sent[1]!;
  t.is(retry.dest.transport, 'udp');
  t.is(retry.msg.topVia()!.transport, 'UDP');
  t.is(retry.msg.topVia()!.branch, transport.sent[0]!.msg.topVia()!.branch);
  t.is(retry.msg.vias().length, 1);

  // The response over UDP still matches the transaction.
  const res = createResponse(retry.msg, 200);
  res.set('To', '<sip:bob@biloxi.example.com>;tag=b1');
  layer.receive(parseMessage(serializeMessage(res)), UDP);
  t.deepEqual(events, ['final 200']);
  t.is(tx.dest.transport, 'udp');
});

test('after the fallback a TCP failure to that host no longer concerns the transaction; a request that fits UDP never moves', (t) => {
  const { transport, layer } = setup();
  let errors = 0;
  layer.request(bigInvite(), UDP, { onFinal: () => {}, onTransportError: () => errors++ });
  layer.connectionFailed({ transport: 'tcp', address: UDP.address, port: UDP.port });
  t.is(errors, 0);
  const tx = [...transport.sent].pop()!;
  t.is(tx.dest.transport, 'udp');
  layer.connectionFailed({ transport: 'tcp', address: UDP.address, port: UDP.port }); // not this tx's hop any more
  t.is(errors, 0);

  const small = SipMessage.request('OPTIONS', 'sip:bob@biloxi.example.com')
    .add('Max-Forwards', '70').add('From', '<sip:a@b>;tag=1').add('To', '<sip:bob@biloxi.example.com>')
    .add('Call-ID', 'c2').add('CSeq', '1 OPTIONS');
  layer.request(small, UDP, { onFinal: () => {} });
  t.is(transport.sent[transport.sent.length - 1]!.dest.transport, 'udp');
});
