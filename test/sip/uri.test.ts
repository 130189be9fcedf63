import test from 'ava';
import { SipParseError, formatUri, parseUri, uriEquals } from '../../firmware/sip/index.ts';
import type { SipUri, TelUri } from '../../firmware/sip/index.ts';

test('SIP URI components (RFC 3261 §19.1.1)', (t) => {
  const u = parseUri('sips:alice:secret@atlanta.com:5061;transport=tcp;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent') as SipUri;
  t.is(u.scheme, 'sips');
  t.is(u.user, 'alice');
  t.is(u.password, 'secret');
  t.is(u.host, 'atlanta.com');
  t.is(u.port, 5061);
  t.deepEqual([...u.params], [['transport', 'tcp'], ['lr', null], ['maddr', '239.255.255.1']]);
  t.deepEqual(u.headers, [['subject', 'project%20x'], ['priority', 'urgent']]);
});

test('hosts: name, IPv4, IPv6 reference with port', (t) => {
  t.is((parseUri('sip:192.0.2.4') as SipUri).host, '192.0.2.4');
  const v6 = parseUri('sip:bob@[2001:db8::10]:5070;transport=udp') as SipUri;
  t.is(v6.host, '[2001:db8::10]');
  t.is(v6.port, 5070);
  t.is((parseUri('sip:[::ffff:192.0.2.1]') as SipUri).host, '[::ffff:192.0.2.1]');
  t.is((parseUri('sip:host.example.com.') as SipUri).host, 'host.example.com.');
});

test('a user with reserved characters and a password is split at the only "@"', (t) => {
  const u = parseUri('sip:+1-212-555-1212:1234@gateway.com;user=phone') as SipUri;
  t.is(u.user, '+1-212-555-1212');
  t.is(u.password, '1234');
  t.is(u.params.get('user'), 'phone');
});

test('tel URIs (RFC 3966)', (t) => {
  const u = parseUri('tel:+1-201-555-0123;phone-context=example.com') as TelUri;
  t.is(u.scheme, 'tel');
  t.is(u.number, '+1-201-555-0123');
  t.is(u.params.get('phone-context'), 'example.com');
  t.true(uriEquals(u, parseUri('tel:+1(201)5550123;Phone-Context=EXAMPLE.com')));
  t.false(uriEquals(u, parseUri('tel:+1-201-555-0124;phone-context=example.com')));
});

test('other schemes stay opaque', (t) => {
  t.deepEqual(parseUri('urn:service:sos'), { scheme: 'urn', opaque: 'service:sos' });
});

const malformed = [
  'alice@atlanta.com', // no scheme
  'sip:', // no host
  'sip:@atlanta.com', // empty user
  'sip:alice@', // empty host
  'sip:alice@atlanta.com:99999', // port out of range
  'sip:alice@atlanta.com:', // empty port
  'sip:alice@[2001:db8::1', // unterminated IPv6
  'sip:alice@[2001:db8:::1]', // bad IPv6
  'sip:alice@-bad-.com',
  'sip:al ice@atlanta.com',
  'sip:alice@atlanta.com;;lr',
  'sip:alice@atlanta.com;transport=',
  'sip:alice@atlanta.com?subject',
  'sip:al%4ice@atlanta.com', // incomplete escape
  'sip:alice@atlanta.com>',
  'tel:',
  'tel:+1 555',
];
for (const text of malformed) {
  test(`rejects ${JSON.stringify(text)}`, (t) => {
    t.throws(() => parseUri(text), { instanceOf: SipParseError });
  });
}

test('format(parse(x)) keeps the URI text', (t) => {
  for (const text of [
    'sip:alice@atlanta.com',
    'sips:alice:pw@[2001:db8::1]:5061;transport=tls;lr?h=v&x=y',
    'sip:%61lice@atlanta.com;maddr=10.0.0.1',
    'tel:+358-555-1234567;postd=pp22',
    'mailto:a@b.c',
  ]) {
    t.is(formatUri(parseUri(text)), text);
  }
});

// The equal and unequal pairs of RFC 3261 §19.1.4.
const equal: Array<[string, string]> = [
  ['sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'],
  ['sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'],
  ['sip:carol@chicago.com', 'sip:carol@chicago.com;security=on'],
  ['sip:carol@chicago.com;newparam=5', 'sip:carol@chicago.com;security=on'],
  ['sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com', 'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com'],
  ['sip:alice@atlanta.com?subject=project%20x&priority=urgent', 'sip:alice@atlanta.com?priority=urgent&subject=project%20x'],
];
const unequal: Array<[string, string]> = [
  ['SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP'],
  ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060'],
  ['sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp;maddr=239.0.0.1'],
  ['sip:bob@biloxi.com', 'sips:bob@biloxi.com'],
  ['sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting'],
  ['sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4'],
  ['sip:alice@atlanta.com;user=phone', 'sip:alice@atlanta.com'],
];
test('URI comparison follows RFC 3261 §19.1.4', (t) => {
  for (const [a, b] of equal) {
    t.true(uriEquals(parseUri(a), parseUri(b)), `${a} == ${b}`);
    t.true(uriEquals(parseUri(b), parseUri(a)), `${b} == ${a}`);
  }
  for (const [a, b] of unequal) {
    t.false(uriEquals(parseUri(a), parseUri(b)), `${a} != ${b}`);
    t.false(uriEquals(parseUri(b), parseUri(a)), `${b} != ${a}`);
  }
});
