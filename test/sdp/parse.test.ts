import test from 'ava';
import { parseSdp, serializeSdp } from '../../firmware/sdp/index.ts';
import {
  crlf,
  PBX_OFFER,
  RFC3264_ALICE_ANSWER,
  RFC3264_ALICE_OFFER,
  RFC3264_BOB_ANSWER,
  RFC3264_BOB_REOFFER,
  RFC4566_EXAMPLE,
} from './fixtures.ts';

test('RFC 4566 §5 example: session-level fields', (t) => {
  const s = parseSdp(crlf(RFC4566_EXAMPLE));
  t.deepEqual(s.origin, {
    username: 'jdoe',
    sessionId: '2890844526',
    sessionVersion: '2890842807',
    netType: 'IN',
    addrType: 'IP4',
    address: '10.47.16.5',
  });
  t.is(s.sessionName, 'SDP Seminar');
  t.is(s.information, 'A Seminar on the session description protocol');
  t.is(s.uri, 'http://www.example.com/seminars/sdp.pdf');
  t.deepEqual(s.emails, ['j.doe@example.com (Jane Doe)']);
  t.deepEqual(s.phones, []);
  t.deepEqual(s.connection, { netType: 'IN', addrType: 'IP4', address: '224.2.17.12', ttl: 127, addressCount: null });
  t.deepEqual(s.timings, [{ start: '2873397496', stop: '2873404696', repeats: [] }]);
  t.deepEqual(s.attributes, [{ name: 'recvonly', value: null }]);
});

test('RFC 4566 §5 example: media sections', (t) => {
  const s = parseSdp(crlf(RFC4566_EXAMPLE));
  t.is(s.media.length, 2);
  const [audio, video] = s.media;
  t.like(audio, { type: 'audio', port: 49170, portCount: null, protocol: 'RTP/AVP', formats: ['0'], attributes: [] });
  t.like(video, { type: 'video', port: 51372, protocol: 'RTP/AVP', formats: ['99'] });
  t.deepEqual(video.attributes, [{ name: 'rtpmap', value: '99 h263-1998/90000' }]);
});

for (const [name, text] of [
  ['RFC 4566 §5 example', RFC4566_EXAMPLE],
  ['RFC 3264 §10.1 offer', RFC3264_ALICE_OFFER],
  ['RFC 3264 §10.1 answer', RFC3264_BOB_ANSWER],
  ['RFC 3264 §10.1 re-offer', RFC3264_BOB_REOFFER],
  ['RFC 3264 §10.1 second answer', RFC3264_ALICE_ANSWER],
  ['PBX offer', PBX_OFFER],
] as const) {
  test(`${name} round-trips byte for byte`, (t) => {
    const wire = crlf(text);
    t.is(serializeSdp(parseSdp(wire)), wire);
  });
}

test('bare LF input parses like CRLF and is written back with CRLF', (t) => {
  const fromLf = parseSdp(RFC4566_EXAMPLE);
  t.deepEqual(fromLf, parseSdp(crlf(RFC4566_EXAMPLE)));
  t.is(serializeSdp(fromLf), crlf(RFC4566_EXAMPLE));
});

test('mixed line endings, a missing final newline and blank lines are tolerated', (t) => {
  const text = 'v=0\r\no=- 1 2 IN IP4 h\n\ns=x\r\n   \r\nt=0 0\r\nm=audio 1 RTP/AVP 0';
  const s = parseSdp(text);
  t.is(s.sessionName, 'x');
  t.deepEqual(s.media[0].formats, ['0']);
  t.is(serializeSdp(s), crlf('v=0\no=- 1 2 IN IP4 h\ns=x\nt=0 0\nm=audio 1 RTP/AVP 0\n'));
});

test('unknown line types and attributes are kept, in order, per section', (t) => {
  const text = crlf(`v=0
o=- 1 1 IN IP4 h
s=-
t=0 0
a=X-vendor:one
a=tool:quip
y=0123456789
m=audio 5004 RTP/AVP 0
a=zzz
a=X-vendor:two
a=rtpmap:0 PCMU/8000
y=9876543210
`);
  const s = parseSdp(text);
  t.deepEqual(s.attributes, [
    { name: 'X-vendor', value: 'one' },
    { name: 'tool', value: 'quip' },
  ]);
  t.deepEqual(s.otherLines, [{ type: 'y', value: '0123456789' }]);
  t.deepEqual(s.media[0].attributes.map((a) => a.name), ['zzz', 'X-vendor', 'rtpmap']);
  t.deepEqual(s.media[0].otherLines, [{ type: 'y', value: '9876543210' }]);
  t.is(serializeSdp(s), text);
});

test('attribute values keep colons and spaces; property attributes have a null value', (t) => {
  const s = parseSdp(crlf('v=0\no=- 1 1 IN IP4 h\ns=-\nt=0 0\na=sendonly\na=x:a:b c \na=y:\n'));
  t.deepEqual(s.attributes, [
    { name: 'sendonly', value: null },
    { name: 'x', value: 'a:b c ' },
    { name: 'y', value: '' },
  ]);
  t.is(serializeSdp(s), crlf('v=0\no=- 1 1 IN IP4 h\ns=-\nt=0 0\na=sendonly\na=x:a:b c \na=y:\n'));
});

test('all line types: b, p, k, r, z, media i/c/b/k', (t) => {
  const text = crlf(`v=0
o=- 18446744073709551615 18446744073709551616 IN IP6 2001:db8::1
s=All lines
i=info
u=http://example.com/
e=a@example.com
e=b@example.com
p=+1 617 555-6011
c=IN IP6 ff15::101/3
b=CT:128
t=3034423619 3042462419
r=7d 1h 0 25h
r=604800 3600 0
t=0 0
z=2882844526 -1h 2898848070 0
k=prompt
a=sendrecv
m=audio 49170/2 RTP/AVP 0
i=voice
c=IN IP4 224.2.1.1/127/3
c=IN IP4 224.2.1.4/127
b=AS:64
b=RR:0
k=clear:secret
a=ptime:20
`);
  const s = parseSdp(text);
  t.is(s.origin.sessionId, '18446744073709551615');
  t.is(s.origin.sessionVersion, '18446744073709551616');
  t.deepEqual(s.phones, ['+1 617 555-6011']);
  t.deepEqual(s.connection, { netType: 'IN', addrType: 'IP6', address: 'ff15::101', ttl: null, addressCount: 3 });
  t.deepEqual(s.bandwidths, [{ type: 'CT', value: 128 }]);
  t.deepEqual(s.timings[0].repeats, [
    { interval: '7d', duration: '1h', offsets: ['0', '25h'] },
    { interval: '604800', duration: '3600', offsets: ['0'] },
  ]);
  t.deepEqual(s.timings[1], { start: '0', stop: '0', repeats: [] });
  t.deepEqual(s.timeZones, [
    { time: '2882844526', offset: '-1h' },
    { time: '2898848070', offset: '0' },
  ]);
  t.is(s.encryptionKey, 'prompt');
  const m = s.media[0];
  t.is(m.port, 49170);
  t.is(m.portCount, 2);
  t.is(m.information, 'voice');
  t.deepEqual(m.connections, [
    { netType: 'IN', addrType: 'IP4', address: '224.2.1.1', ttl: 127, addressCount: 3 },
    { netType: 'IN', addrType: 'IP4', address: '224.2.1.4', ttl: 127, addressCount: null },
  ]);
  t.deepEqual(m.bandwidths, [
    { type: 'AS', value: 64 },
    { type: 'RR', value: 0 },
  ]);
  t.is(m.encryptionKey, 'clear:secret');
  t.is(serializeSdp(s), text);
});

test('session-level lines out of RFC order are accepted and written in RFC order', (t) => {
  const s = parseSdp('v=0\ns=-\nt=0 0\nc=IN IP4 h\no=- 1 1 IN IP4 h\nm=audio 1 RTP/AVP 0\n');
  const out = serializeSdp(s);
  t.is(out, crlf('v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 h\nt=0 0\nm=audio 1 RTP/AVP 0\n'));
  t.is(serializeSdp(parseSdp(out)), out);
});

test('runs of spaces and tabs between fields are tolerated and normalized', (t) => {
  const s = parseSdp('v=0\no=-  1 1\tIN IP4 h\ns=two  spaces kept\nt=0 0\nm=audio  5004 RTP/AVP  0 8\n');
  t.is(s.origin.netType, 'IN');
  t.is(s.sessionName, 'two  spaces kept');
  t.deepEqual(s.media[0].formats, ['0', '8']);
  t.true(serializeSdp(s).includes('\r\nm=audio 5004 RTP/AVP 0 8\r\n'));
});

test('m= with port 0 and no formats, and non-RTP formats, are kept', (t) => {
  const s = parseSdp('v=0\no=- 1 1 IN IP4 h\ns=-\nt=0 0\nm=audio 0 RTP/AVP\nm=application 32416 udp wb\nm=image 0 udptl t38\n');
  t.deepEqual(s.media.map((m) => [m.type, m.port, m.protocol, m.formats]), [
    ['audio', 0, 'RTP/AVP', []],
    ['application', 32416, 'udp', ['wb']],
    ['image', 0, 'udptl', ['t38']],
  ]);
  t.is(serializeSdp(s), crlf('v=0\no=- 1 1 IN IP4 h\ns=-\nt=0 0\nm=audio 0 RTP/AVP\nm=application 32416 udp wb\nm=image 0 udptl t38\n'));
});

test('missing t= is tolerated (no timing lines)', (t) => {
  const s = parseSdp('v=0\no=- 1 1 IN IP4 h\ns=-\nm=audio 1 RTP/AVP 0\n');
  t.deepEqual(s.timings, []);
});

test('empty s= (as in RFC 3264 examples) is accepted', (t) => {
  t.is(parseSdp(crlf(RFC3264_ALICE_OFFER)).sessionName, '');
});

test('custom limits are honoured', (t) => {
  const text = crlf(RFC3264_ALICE_OFFER);
  t.notThrows(() => parseSdp(text, { maxMedia: 3 }));
  t.throws(() => parseSdp(text, { maxMedia: 2 }), { message: /line 10: more than 2 m= sections/ });
  t.throws(() => parseSdp(text, { maxLines: 5 }), { message: /line 6: more than 5 lines/ });
  t.throws(() => parseSdp(text, { maxLength: 20 }), { message: /line 2: SDP is longer than 20 characters/ });
});
