import test from 'ava';
import { SipMessage, SipParseError, StreamFramer, createResponse, parseMessage, serializeMessage } from '../../firmware/sip/index.ts';
import { binaryToBytes, decodeUtf8, encodeUtf8 } from '../../firmware/util/utf8.ts';

function invite(body: string, extra = ''): string {
  return [
    'INVITE sip:bob@biloxi.example.com SIP/2.0',
    'Via: SIP/2.0/TCP pc33.atlanta.example.com;branch=z9hG4bK776asdhds',
    'Max-Forwards: 70',
    'To: Bob <sip:bob@biloxi.example.com>',
    'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
    'CSeq: 314159 INVITE',
    ...(extra ? [extra] : []),
    `Content-Length: ${body.length}`,
    '',
    body,
  ].join('\r\n');
}

test('stream framing: several messages and partial messages in one buffer', (t) => {
  const a = invite('v=0\r\n');
  const b = invite('', 'Subject: second');
  const c = invite('x'.repeat(300));
  const framer = new StreamFramer();
  let got: string[] = [];
  const stream = a + b + c;
  got = got.concat(framer.push(stream.slice(0, 10)).messages);
  t.deepEqual(got, []);
  got = got.concat(framer.push(stream.slice(10, a.length + 5)).messages);
  t.deepEqual(got, [a]);
  got = got.concat(framer.push(binaryToBytes(stream.slice(a.length + 5))).messages);
  t.deepEqual(got, [a, b, c]);
  t.is(framer.pending, 0);
  t.is(parseMessage(got[2]!).body.length, 300);
});

test('stream framing: CRLF keep-alives (RFC 5626) between messages', (t) => {
  const framer = new StreamFramer();
  const r1 = framer.push('\r\n\r\n');
  t.is(r1.pings, 1);
  const r2 = framer.push('\r\n\r');
  t.is(r2.pings, 0);
  const r3 = framer.push('\n' + invite(''));
  t.is(r3.pings, 1);
  t.is(r3.messages.length, 1);
  const r4 = framer.push('\r\n'); // a pong
  t.deepEqual(r4, { messages: [], pings: 0 });
});

test('stream framing errors are unrecoverable and reported as SipParseError', (t) => {
  const noLength = invite('').replace(/Content-Length: 0\r\n/, '');
  for (const bad of [noLength, invite('').replace('Content-Length: 0', 'Content-Length: -5'), invite('').replace('Content-Length: 0', 'Content-Length: 2\r\nl: 3')]) {
    const framer = new StreamFramer();
    t.throws(() => framer.push(bad), { instanceOf: SipParseError });
    t.is(framer.pending, 0);
  }
  const small = new StreamFramer(1000);
  t.throws(() => small.push('INVITE sip:a@b SIP/2.0\r\nX: ' + 'y'.repeat(2000)), { instanceOf: SipParseError });
  t.throws(() => new StreamFramer(1000).push(invite('').replace('Content-Length: 0', 'Content-Length: 5000')), { instanceOf: SipParseError });
});

test('datagrams: limits, leading CRLF, bare LF line ends and a body without Content-Length', (t) => {
  t.is(parseMessage('\r\n\r\n' + invite('')).method, 'INVITE');
  const lf = invite('v=0\n').replace(/\r\n/g, '\n');
  t.is(parseMessage(lf).body, 'v=0\n');
  const noLength = invite('body!').replace(/Content-Length: 5\r\n/, '');
  t.is(parseMessage(noLength).body, 'body!');
  t.is(t.throws(() => parseMessage(invite('x'.repeat(70000))), { instanceOf: SipParseError })!.status, 513);
  const many = invite('', Array.from({ length: 300 }, (_, i) => `X-H${i}: ${i}`).join('\r\n'));
  t.is(t.throws(() => parseMessage(many), { instanceOf: SipParseError })!.code, 'too-many-headers');
  for (const bad of ['', '\r\n', 'INVITE sip:a@b SIP/2.0', 'garbage\r\n\r\n', 'INVITE sip:a@b SIP/2.0\r\nNoColon\r\n\r\n', 'INVITE sip:a@b SIP/2.0\r\n folded-first: x\r\n\r\n', 'SIP/2.0 20 OK\r\n\r\n', 'SIP/2.0 200OK\r\n\r\n', 'INVITE sip:a@b SIP/2.0\r\nBad Name: x\r\n\r\n']) {
    t.throws(() => parseMessage(bad), { instanceOf: SipParseError }, JSON.stringify(bad));
  }
});

test('UTF-8 in headers is decoded; the body stays octets', (t) => {
  const body = encodeUtf8('s=Grüße\r\n');
  const text = invite(body, 'Subject: ' + encodeUtf8('Grüße, 大停電'));
  const m = parseMessage(text);
  t.is(m.get('Subject'), 'Grüße, 大停電');
  t.is(m.body.length, body.length);
  t.is(m.bodyText(), 's=Grüße\r\n');
  t.is(serializeMessage(m), text);
  t.is(decodeUtf8('\xff\xc3'), '\ufffd\ufffd');
});

test('building a request and serializing it writes the Content-Length from the body', (t) => {
  const m = SipMessage.request('MESSAGE', 'sip:bob@biloxi.example.com')
    .add('Via', 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKnashds8')
    .add('Max-Forwards', '70')
    .add('From', '<sip:alice@atlanta.example.com>;tag=49583')
    .add('To', '<sip:bob@biloxi.example.com>')
    .add('Call-ID', 'asd88asd77a@1.2.3.4')
    .add('CSeq', '1 MESSAGE')
    .add('Content-Type', 'text/plain')
    .add('Content-Length', '999');
  m.body = 'Watson, come here.';
  const wire = serializeMessage(m);
  t.true(wire.endsWith('Content-Length: 18\r\n\r\nWatson, come here.'));
  t.false(wire.includes('999'));
  const compact = serializeMessage(m, { compact: true });
  t.true(compact.includes('\r\nv: SIP/2.0/UDP') && compact.includes('\r\ni: asd88asd77a@1.2.3.4') && compact.includes('\r\nl: 18\r\n'));
  t.deepEqual(parseMessage(compact).headers, parseMessage(wire).headers);
});

test('header editing: set/add/prepend/remove/removeFirst keep order and refresh typed views', (t) => {
  const m = parseMessage(invite('', 'Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>'));
  t.is(m.topVia()!.host, 'pc33.atlanta.example.com');
  m.prepend('v', 'SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1');
  t.is(m.topVia()!.host, 'proxy.example.com');
  t.is(m.vias().length, 2);
  m.removeFirst('Via');
  t.is(m.topVia()!.branch, 'z9hG4bK776asdhds');
  m.removeFirst('Route');
  t.deepEqual(m.routes().map((r) => r.uriText), ['sip:p2.example.com;lr']);
  m.removeFirst('Route');
  t.false(m.has('Route'));
  m.set('max-forwards', '69');
  t.is(m.maxForwards(), 69);
  t.is(m.headers[1]!.name, 'Max-Forwards'); // stayed in place
  m.remove('Max-Forwards');
  t.is(m.maxForwards(), undefined);
  m.uri = 'sip:carol@chicago.example.com';
  t.is((m.requestUri() as { user: string }).user, 'carol');
  t.deepEqual(m.getAll('Via').length, 1);
  t.is(m.get('CALL-id'), 'a84b4c76e66710@pc33.atlanta.example.com');
});

test('createResponse copies the transaction headers and adds a To tag except on 100', (t) => {
  const req = parseMessage(invite('', 'Timestamp: 54'));
  const ringing = createResponse(req, 180, undefined, 'a6c85cf');
  t.is(ringing.reason, 'Ringing');
  t.is(ringing.to()!.tag, 'a6c85cf');
  t.is(ringing.cseq()!.method, 'INVITE');
  t.is(ringing.topVia()!.branch, 'z9hG4bK776asdhds');
  t.false(ringing.has('Timestamp'));
  const trying = createResponse(req, 100, undefined, 'zzz');
  t.is(trying.to()!.tag, null);
  t.is(trying.get('Timestamp'), '54');
  const parsed = parseMessage(serializeMessage(createResponse(req, 486)));
  t.is(parsed.status, 486);
  t.is(parsed.reason, 'Busy Here');
});
