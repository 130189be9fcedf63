import test from 'ava';
import { SipParseError, formatCredentials, formatNameAddr, formatVia, parseCredentials, parseMessage, parseNameAddr, parseUri, parseVia } from '../../firmware/sip/index.ts';

/** A minimal valid request with extra header lines. */
function req(...extra: string[]): string {
  return [
    'OPTIONS sip:bob@biloxi.example.com SIP/2.0',
    'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKhjhs8ass877',
    'Max-Forwards: 70',
    'To: <sip:bob@biloxi.example.com>',
    'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710',
    'CSeq: 63104 OPTIONS',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

test('name-addr forms: quoted, token and no display name; addr-spec with header params', (t) => {
  const q = parseNameAddr('"Mr. \\"Watson\\"" <sip:watson@bell.example.com;transport=tcp>;tag=9f;x', 'To');
  t.is(q.displayName, 'Mr. "Watson"');
  t.is(q.uriText, 'sip:watson@bell.example.com;transport=tcp');
  t.deepEqual([...q.params], [['tag', '9f'], ['x', null]]);
  const tok = parseNameAddr('Bob   Smith<sip:bob@b.example>', 'From');
  t.is(tok.displayName, 'Bob Smith');
  const spec = parseNameAddr('sip:bob@b.example;tag=1', 'From');
  t.is(spec.displayName, null);
  t.is(spec.uriText, 'sip:bob@b.example');
  t.is(spec.params.get('tag'), '1');
  const ipv6 = parseNameAddr('<sip:[2001:db8::1]:5060>;expires=60', 'Contact');
  t.is(ipv6.uriText, 'sip:[2001:db8::1]:5060');
});

test('name-addr formatting quotes display names only when needed and round-trips', (t) => {
  for (const dn of ['Alice', 'Mr. "Watson"', 'Bell, Alexander', 'back\\slash', 'Ünïcödé']) {
    const text = formatNameAddr({ displayName: dn, uri: parseUri('sip:a@b.example'), params: new Map([['tag', 'x']]) });
    const back = parseNameAddr(text, 'From');
    t.is(back.displayName, dn, text);
    t.is(back.params.get('tag'), 'x');
  }
  t.is(formatNameAddr({ displayName: 'Alice', uri: parseUri('sip:a@b') }), 'Alice <sip:a@b>');
  t.is(formatNameAddr({ displayName: 'A, B', uri: parseUri('sip:a@b') }), '"A, B" <sip:a@b>');
});

test('malformed name-addrs are parse errors naming the header', (t) => {
  for (const v of ['"open <sip:a@b>', 'A, B <sip:a@b>', '< sip:a@b>', '<sip:a@b', 'sip:a@b?x=y', '<sip:a@b>;;tag=1', '<sip:a@b>;tag=', '<sip:a@b> junk']) {
    const e = t.throws(() => parseNameAddr(v, 'From'), { instanceOf: SipParseError }, v);
    t.is(e!.header, 'From', v);
  }
});

test('Via: sent-protocol with spaces, IPv6 sent-by, rport/received/ttl/maddr', (t) => {
  const v = parseVia('SIP / 2.0 / udp [2001:db8::9]:5070;branch=z9hG4bK77;rport=5071;received=192.0.2.1;maddr=224.2.0.1;ttl=16');
  t.is(v.protocol, 'SIP/2.0');
  t.is(v.transport, 'UDP');
  t.is(v.host, '[2001:db8::9]');
  t.is(v.port, 5070);
  t.is(v.branch, 'z9hG4bK77');
  t.is(v.rport, 5071);
  t.is(v.received, '192.0.2.1');
  t.is(v.maddr, '224.2.0.1');
  t.is(v.ttl, 16);
  t.is(parseVia('SIP/2.0/TCP client.example.com;rport').rport, true);
  t.is(parseVia('SIP/2.0/TCP client.example.com').rport, null);
  const edited = { ...parseVia('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa;rport'), received: '203.0.113.9', rport: 40001 as const };
  t.is(formatVia(edited), 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa;rport=40001;received=203.0.113.9');
  for (const bad of ['SIP/2.0 host', 'SIP/2.0/UDP', 'SIP/2.0/UDP host:70000', 'SIP/2.0/UDPhost', 'SIP/2.0/UDP host;rport=x', 'SIP/2.0/UDP host;ttl=300']) {
    t.throws(() => parseVia(bad), { instanceOf: SipParseError }, bad);
  }
});

test('typed access to the headers a phone uses', (t) => {
  const m = parseMessage(req(
    'Contact: "Alice" <sip:alice@pc33.atlanta.example.com>;expires=3600;q=0.7, <sip:alice@192.0.2.5:5062>',
    'Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>',
    'Record-Route: <sip:p3.example.com;lr>',
    'Expires: 7200',
    'Content-Type: application/sdp;charset=utf-8',
    'Allow: INVITE, ACK, CANCEL,OPTIONS, BYE',
    'k: 100rel, timer',
    'Require: 100rel',
    'RSeq: 988789',
    'RAck: 776656 1 INVITE',
    'o: message-summary;id=7',
    'Subscription-State: active;expires=3599',
    'Date: Sat, 13 Nov 2010 23:29:00 GMT',
    'Retry-After: 18000;duration=3600',
    'WWW-Authenticate: Digest realm="atlanta.example.com", qop="auth,auth-int", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", opaque="", stale=FALSE, algorithm=MD5',
  ));
  t.is(m.maxForwards(), 70);
  t.deepEqual(m.cseq(), { seq: 63104, method: 'OPTIONS' });
  t.is(m.from()?.tag, '1928301774');
  t.is(m.to()?.tag, null);
  const contacts = m.contacts();
  t.is(contacts.length, 2);
  t.is(contacts[0]!.displayName, 'Alice');
  t.is(contacts[0]!.expires, 3600);
  t.is(contacts[0]!.q, 0.7);
  t.is(contacts[1]!.expires, null);
  t.deepEqual(m.routes().map((r) => r.uriText), ['sip:p1.example.com;lr', 'sip:p2.example.com;lr']);
  t.is(m.recordRoutes().length, 1);
  t.is(m.expires(), 7200);
  t.deepEqual({ ...m.contentType()!, params: [...m.contentType()!.params] }, { type: 'application', subtype: 'sdp', params: [['charset', 'utf-8']] });
  t.deepEqual(m.allow(), ['INVITE', 'ACK', 'CANCEL', 'OPTIONS', 'BYE']);
  t.deepEqual(m.supported(), ['100rel', 'timer']);
  t.deepEqual(m.require(), ['100rel']);
  t.is(m.rseq(), 988789);
  t.deepEqual(m.rack(), { rseq: 776656, cseq: 1, method: 'INVITE' });
  t.is(m.event()?.event, 'message-summary');
  t.is(m.event()?.params.get('id'), '7');
  t.is(m.subscriptionState()?.state, 'active');
  t.is(m.subscriptionState()?.expires, 3599);
  t.is(m.date(), Date.UTC(2010, 10, 13, 23, 29, 0));
  t.is(m.retryAfter(), 18000);
  const [ch] = m.auth('WWW-Authenticate');
  t.is(ch!.scheme, 'Digest');
  t.is(ch!.params.get('qop'), 'auth,auth-int');
  t.is(ch!.params.get('opaque'), '');
  t.is(ch!.params.get('algorithm'), 'MD5');
  t.notThrows(() => m.validate());
});

test('Contact "*" is a wildcard and must stand alone', (t) => {
  const m = parseMessage(req('Contact: *', 'Expires: 0'));
  t.true(m.contactIsWildcard());
  t.deepEqual(m.contacts(), []);
  const bad = parseMessage(req('Contact: *, <sip:a@b>'));
  t.throws(() => bad.contacts(), { instanceOf: SipParseError });
});

test('digest credentials round-trip with the right quoting', (t) => {
  const text = 'Digest username="bob", realm="biloxi.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="sip:bob@biloxi.com", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41", algorithm=MD5';
  const c = parseCredentials(text, 'Authorization');
  t.is(c.params.get('username'), 'bob');
  t.is(c.params.get('nc'), '00000001');
  const again = formatCredentials(c, 'credentials');
  t.deepEqual(parseCredentials(again, 'Authorization'), c);
  t.true(again.includes('qop=auth,') && again.includes('nc=00000001') && again.includes('username="bob"'));
  const challenge = formatCredentials({ scheme: 'Digest', params: new Map([['realm', 'lab'], ['qop', 'auth'], ['algorithm', 'SHA-256']]) }, 'challenge');
  t.is(challenge, 'Digest realm="lab", qop="auth", algorithm=SHA-256');
  t.throws(() => parseCredentials('Digest realm="x", nonce', 'Authorization'), { instanceOf: SipParseError });
  t.throws(() => parseCredentials('Digest realm="x', 'Authorization'), { instanceOf: SipParseError });
});

test('lazily parsed headers still fail with SipParseError, through validate()', (t) => {
  for (const line of [
    'Contact: <sip:a@b>;expires=99999999999', 'Contact: <sip:a@b>;q=1.5', 'Expires: soon', 'RSeq: -1',
    'RAck: 1 INVITE', 'Content-Type: application', 'Allow: INVITE, ', 'Date: Sat, 13 Nov 2010 23:29:00 EST',
    'Route: sip:a@b, <sip:c@d', 'Subscription-State: active;expires=x', 'Event: ;id=1', 'Retry-After: (x',
  ]) {
    const m = parseMessage(req(line));
    t.throws(() => m.validate(), { instanceOf: SipParseError }, line);
  }
});
