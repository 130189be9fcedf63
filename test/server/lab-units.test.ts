// The lab server's pure decisions, without sockets: best response, expiry settling, next
// hops behind NAT, "is this for us?", and the loop-detection hash.
import test from 'ava';
import { SipMessage, createResponse, parseMessage, parseUri } from '../../firmware/sip/index.ts';
import type { Contact } from '../../firmware/sip/index.ts';
import { chooseBest, prepareBest } from '../../server/best-response.ts';
import { LocalIdentity } from '../../server/identity.ts';
import type { Binding, ContactChange } from '../../server/location.ts';
import { peerForBinding, peerForUri, requestUriOf } from '../../server/next-hop.ts';
import { loopHash } from '../../server/proxy.ts';
import { contactChanges } from '../../server/registrar.ts';
import { parseUsers } from '../../server/users.ts';

const INVITE = parseMessage([
  'INVITE sip:bob@lab.example SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa',
  'Max-Forwards: 70',
  'From: <sip:alice@lab.example>;tag=1',
  'To: <sip:bob@lab.example>',
  'Call-ID: c1',
  'CSeq: 1 INVITE',
  'Content-Length: 0',
  '',
  '',
].join('\r\n'));

function res(status: number, extra: Array<[string, string]> = []): SipMessage {
  const r = createResponse(INVITE, status, undefined, 'x');
  for (const [n, v] of extra) r.add(n, v);
  return r;
}

const codes = (list: number[]): number | undefined => chooseBest(list.map((c) => res(c)))?.status;

test('chooseBest follows RFC 3261 §16.7 step 6', (t) => {
  t.is(codes([486, 603, 302]), 603, 'a 6xx always wins');
  t.is(codes([503, 404]), 404, 'the lowest class');
  t.is(codes([486, 302]), 302);
  t.is(codes([408, 486]), 486, 'a timeout is the last resort');
  t.is(codes([486, 407]), 407, 'challenges are preferred among 4xx');
  t.is(codes([]), undefined);
});

test('prepareBest turns 503 into 500 and gathers every branch\'s challenges', (t) => {
  const unavailable = prepareBest(res(503, [['Retry-After', '5']]), []);
  t.is(unavailable.status, 500);
  t.false(unavailable.has('Retry-After'));
  const a = res(407, [['Proxy-Authenticate', 'Digest realm="a", nonce="1"']]);
  const b = res(401, [['WWW-Authenticate', 'Digest realm="b", nonce="2"']]);
  const merged = prepareBest(a, [a, b, res(486)]);
  t.deepEqual(merged.getAll('Proxy-Authenticate'), ['Digest realm="a", nonce="1"']);
  t.deepEqual(merged.getAll('WWW-Authenticate'), ['Digest realm="b", nonce="2"']);
});

const policy = { minExpires: 60, maxExpires: 7200, defaultExpires: 3600 };
const contact = (uri: string, expires: number | null = null, params: Array<[string, string]> = []): Contact => ({
  displayName: null, uri: parseUri(uri), uriText: uri, params: new Map(params), expires, q: null,
});

test('contactChanges settles each Contact\'s expiry (§10.3 step 7)', (t) => {
  const changes = contactChanges(false, [contact('sip:a@h', 120), contact('sip:b@h'), contact('sip:c@h', 0)], 300, policy);
  t.deepEqual((changes as readonly ContactChange[]).map((c) => c.expires), [120, 300, 0]);
  t.deepEqual((contactChanges(false, [contact('sip:a@h')], undefined, policy) as readonly ContactChange[])[0]!.expires, 3600);
  t.is(contactChanges(false, [contact('sip:a@h', 59)], undefined, policy), 60, '423 with Min-Expires 60');
  t.deepEqual((contactChanges(false, [contact('sip:a@h', 99999)], undefined, policy) as readonly ContactChange[])[0]!.expires, 7200);
  t.is(contactChanges(true, [], 0, policy), '*');
  t.is(typeof contactChanges(true, [], 10, policy), 'string');
  const outbound = contactChanges(false, [contact('sip:a@h', 60, [['+sip.instance', '"<urn:uuid:1>"'], ['reg-id', '1']])], undefined, policy);
  t.like((outbound as readonly ContactChange[])[0], { instance: '<urn:uuid:1>', regId: 1 });
});

function binding(contactUri: string, received: Binding['received']): Binding {
  return {
    aor: 'sip:bob@lab.example', contact: contactUri, uri: parseUri(contactUri), expiresAt: 1e15, q: null, callId: 'c', cseq: 1,
    received, instance: null, regId: null, userAgent: null, updatedAt: 0,
  };
}

test('peerForBinding: the Contact when it is where the REGISTER came from, else the source (NAT)', (t) => {
  t.deepEqual(peerForBinding(binding('sip:bob@192.0.2.5:5070', { transport: 'udp', address: '192.0.2.5', port: 5070 })), { transport: 'udp', address: '192.0.2.5', port: 5070 });
  t.deepEqual(peerForBinding(binding('sip:bob@10.0.0.5', { transport: 'udp', address: '198.51.100.7', port: 40123 })), { transport: 'udp', address: '198.51.100.7', port: 40123 });
  t.deepEqual(peerForBinding(binding('sip:bob@bob-pc.local;transport=tcp', { transport: 'tcp', address: '198.51.100.7', port: 51000 })), { transport: 'tcp', address: '198.51.100.7', port: 51000 }, 'the TCP connection it registered on');
  t.deepEqual(peerForBinding(binding('sip:bob@192.0.2.5', null)), { transport: 'udp', address: '192.0.2.5', port: 5060 });
  t.is(peerForUri(parseUri('sip:bob@needs-dns.example')), null);
  t.is(peerForUri(parseUri('sips:bob@192.0.2.5')), null, 'no TLS in the lab');
  t.deepEqual(peerForUri(parseUri('sip:bob@needs-dns.example;maddr=192.0.2.9')), { transport: 'udp', address: '192.0.2.9', port: 5060 });
  t.is(requestUriOf(parseUri('sip:bob@h?Subject=x'), 'sip:bob@h?Subject=x'), 'sip:bob@h');
});

test('LocalIdentity: our hosts at our port; another port on our address is a phone', (t) => {
  const users = parseUsers(JSON.stringify({ domain: 'lab.example', hosts: ['pbx.lab.example'], users: [] }), 'u.json');
  const id = new LocalIdentity({ address: '192.0.2.1', port: 5062, bindAddress: '192.0.2.1', domain: 'lab.example', extraHosts: ['Lab.Local'], users });
  t.true(id.isLocalUri(parseUri('sip:alice@lab.example')));
  t.true(id.isLocalUri(parseUri('sip:alice@PBX.lab.example.')));
  t.true(id.isLocalUri(parseUri('sip:alice@lab.local:5062')));
  t.true(id.isLocalUri(parseUri('sip:alice@127.0.0.1')));
  t.false(id.isLocalUri(parseUri('sip:alice@192.0.2.1:5070')));
  t.false(id.isLocalUri(parseUri('sip:alice@elsewhere.example')));
  t.true(id.isOurRoute(parseUri('sip:192.0.2.1:5062;lr')));
  t.false(id.isOurRoute(parseUri('sip:192.0.2.1;lr')), 'no port means 5060');
  t.is(id.recordRoute('tcp'), '<sip:192.0.2.1:5062;transport=tcp;lr>');
});

test('loopHash ignores what every hop changes and sees what a loop keeps', (t) => {
  const copy = (): SipMessage => parseMessage(INVITE.headers.map((h) => `${h.name}: ${h.value}`).reduce((s, l) => `${s}${l}\r\n`, `${INVITE.method} ${INVITE.uri} SIP/2.0\r\n`) + '\r\n');
  const hopped = copy();
  hopped.prepend('Via', 'SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKb').set('Max-Forwards', '69').add('Record-Route', '<sip:192.0.2.2;lr>');
  t.is(loopHash(hopped), loopHash(INVITE));
  const retargeted = copy();
  retargeted.uri = 'sip:bob@192.0.2.7';
  t.not(loopHash(retargeted), loopHash(INVITE));
});
