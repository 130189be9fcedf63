// Firmware deviations found while building the lab server, now fixed; kept as regression tests.
import test from 'ava';
import { SipMessage, createResponse } from '../../firmware/sip/index.ts';
import { responseDestination, stampVia } from '../../firmware/sip/transport/index.ts';

test('RFC 3261 §18.2.2: a response goes to the Via maddr before the received address', (t) => {
  const req = SipMessage.request('OPTIONS', 'sip:lab.example')
    .add('Via', 'SIP/2.0/UDP phone.example.com:5062;branch=z9hG4bKm1;maddr=239.255.255.1;ttl=1')
    .add('From', '<sip:a@lab.example>;tag=1').add('To', '<sip:lab.example>').add('Call-ID', 'c').add('CSeq', '1 OPTIONS');
  const source = { transport: 'udp' as const, address: '192.0.2.7', port: 40000 };
  stampVia(req, source); // adds received=192.0.2.7 (the sent-by is a host name)
  const dest = responseDestination(createResponse(req, 200, undefined, 'x'), source);
  t.deepEqual(dest, { transport: 'udp', address: '239.255.255.1', port: 5062 });
});

// Found against Kamailio (test/interop/kamailio.test.ts): the lab left out received when the
// sent-by already was the source address, though the request asked for rport.
test('RFC 3581 §4: an empty rport gets received too, even when it equals the sent-by', (t) => {
  const via = (v: string): SipMessage => SipMessage.request('OPTIONS', 'sip:lab.example').add('Via', v)
    .add('From', '<sip:a@lab.example>;tag=1').add('To', '<sip:lab.example>').add('Call-ID', 'c').add('CSeq', '1 OPTIONS');
  const source = { transport: 'udp' as const, address: '127.0.0.1', port: 40000 };
  const asked = via('SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bKr1;rport');
  stampVia(asked, source);
  t.is(asked.get('Via'), 'SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bKr1;rport=40000;received=127.0.0.1');
  const notAsked = via('SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bKr2');
  stampVia(notAsked, source); // §18.2.1 alone: the sent-by is right, nothing to add
  t.is(notAsked.get('Via'), 'SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bKr2');
});
