import test from 'ava';
import {
  applyOwnAnswer,
  createAnswer,
  createOffer,
  getDirection,
  isHold,
  parseSdp,
  SdpNegotiationError,
  serializeSdp,
} from '../../firmware/sdp/index.ts';
import type { AnswerOptions, Codec, Direction, OfferOptions, SdpSession } from '../../firmware/sdp/index.ts';
import { crlf, PBX_OFFER, PHONE, PHONE_CODECS, RFC3264_ALICE_OFFER } from './fixtures.ts';

const ANSWER_OPTIONS: AnswerOptions = { ...PHONE, ptime: 20 };

function offerWith(media: string, session = ''): SdpSession {
  return parseSdp(`v=0\no=peer 1 1 IN IP4 198.51.100.1\ns=-\nc=IN IP4 198.51.100.1\nt=0 0\n${session}${media}`);
}

function answerTo(offer: SdpSession, codecs: Codec[] = PHONE_CODECS, options = ANSWER_OPTIONS): SdpSession {
  return createAnswer(offer, codecs, options);
}

test('createOffer writes the expected SDP', (t) => {
  const offer = createOffer({ codecs: PHONE_CODECS, ...PHONE, ptime: 20 });
  t.is(
    serializeSdp(offer),
    crlf(`v=0
o=- 3724394400 3724394400 IN IP4 192.0.2.10
s=-
c=IN IP4 192.0.2.10
t=0 0
m=audio 40000 RTP/AVP 0 8 101
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=sendrecv
`),
  );
});

test('createOffer options: version, username, name, maxptime, direction, IPv6, stereo', (t) => {
  const offer = createOffer({
    codecs: [{ name: 'L16', clockRate: 44100, payloadType: 10, channels: 2 }],
    address: '2001:db8::10',
    port: 5004,
    sessionId: '1',
    sessionVersion: '7',
    username: 'desk',
    sessionName: 'Call',
    maxptime: 60,
    direction: 'recvonly',
  });
  t.deepEqual(offer.origin, { username: 'desk', sessionId: '1', sessionVersion: '7', netType: 'IN', addrType: 'IP6', address: '2001:db8::10' });
  t.is(offer.connection?.addrType, 'IP6');
  t.is(offer.sessionName, 'Call');
  t.deepEqual(offer.media[0].attributes, [
    { name: 'rtpmap', value: '10 L16/44100/2' },
    { name: 'maxptime', value: '60' },
    { name: 'recvonly', value: null },
  ]);
  t.deepEqual(parseSdp(serializeSdp(offer)), offer);
});

const BAD_OFFER_OPTIONS: Array<[string, Partial<OfferOptions>]> = [
  ['no codecs', { codecs: [] }],
  ['duplicate payload type', { codecs: [PHONE_CODECS[0], { name: 'X', clockRate: 8000, payloadType: 0 }] }],
  ['payload type 128', { codecs: [{ name: 'X', clockRate: 8000, payloadType: 128 }] }],
  ['codec name with a slash', { codecs: [{ name: 'PCMU/8000', clockRate: 8000, payloadType: 0 }] }],
  ['clock rate 0', { codecs: [{ name: 'X', clockRate: 0, payloadType: 96 }] }],
  ['channels 0', { codecs: [{ name: 'X', clockRate: 8000, payloadType: 96, channels: 0 }] }],
  ['fmtp with a newline', { codecs: [{ name: 'X', clockRate: 8000, payloadType: 96, fmtp: 'a\r\na=evil' }] }],
  ['port 0', { port: 0 }],
  ['port 70000', { port: 70000 }],
  ['fractional port', { port: 4000.5 }],
  ['address with a space', { address: '1.2.3.4 x' }],
  ['empty address', { address: '' }],
  ['session id not digits', { sessionId: 'abc' }],
  ['session version not digits', { sessionVersion: '1e3' }],
  ['username with a space', { username: 'a b' }],
  ['session name with a newline', { sessionName: 'x\ny' }],
  ['negative ptime', { ptime: -20 }],
  ['unknown direction', { direction: 'both' as Direction }],
];

for (const [what, bad] of BAD_OFFER_OPTIONS) {
  test(`createOffer rejects ${what} with SdpNegotiationError`, (t) => {
    t.throws(() => createOffer({ codecs: PHONE_CODECS, ...PHONE, ...bad }), { instanceOf: SdpNegotiationError });
  });
}

test('RFC 3264 §10.1 offer: audio accepted, both video streams rejected in place', (t) => {
  const offer = parseSdp(RFC3264_ALICE_OFFER);
  const answer = answerTo(offer);
  t.is(answer.media.length, offer.media.length);
  t.is(
    serializeSdp(answer),
    crlf(`v=0
o=- 3724394400 3724394400 IN IP4 192.0.2.10
s=-
c=IN IP4 192.0.2.10
t=0 0
m=audio 40000 RTP/AVP 0
a=rtpmap:0 PCMU/8000
a=ptime:20
a=sendrecv
m=video 0 RTP/AVP 31
m=video 0 RTP/AVP 32
`),
  );
});

test('PBX offer: intersection in the offerer order, unsupported codecs left out', (t) => {
  const answer = answerTo(parseSdp(PBX_OFFER));
  const audio = answer.media[0];
  t.deepEqual(audio.formats, ['8', '0', '101']);
  t.deepEqual(audio.attributes, [
    { name: 'rtpmap', value: '8 PCMA/8000' },
    { name: 'rtpmap', value: '0 PCMU/8000' },
    { name: 'rtpmap', value: '101 telephone-event/8000' },
    { name: 'fmtp', value: '101 0-16' },
    { name: 'ptime', value: '20' },
    { name: 'sendrecv', value: null },
  ]);
});

test('the answer copies the offer t= line (RFC 3264 §6)', (t) => {
  const offer = parseSdp('v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 h\nt=3034423619 3042462419\nm=audio 1 RTP/AVP 0\n');
  t.deepEqual(answerTo(offer).timings, [{ start: '3034423619', stop: '3042462419', repeats: [] }]);
});

test('dynamic payload types keep the offerer numbers', (t) => {
  const codecs: Codec[] = [
    { name: 'opus', clockRate: 48000, payloadType: 109, channels: 2, fmtp: 'useinbandfec=1' },
    { name: 'PCMU', clockRate: 8000, payloadType: 0 },
    { name: 'telephone-event', clockRate: 8000, payloadType: 101, fmtp: '0-16' },
  ];
  const offer = offerWith(
    'm=audio 7000 RTP/AVP 111 0 96\na=rtpmap:111 OPUS/48000/2\na=rtpmap:96 telephone-event/8000\na=fmtp:96 0-15\n',
  );
  const audio = answerTo(offer, codecs).media[0];
  t.deepEqual(audio.formats, ['111', '0', '96']);
  t.deepEqual(
    audio.attributes.filter((a) => a.name === 'rtpmap' || a.name === 'fmtp'),
    [
      { name: 'rtpmap', value: '111 OPUS/48000/2' },
      { name: 'rtpmap', value: '0 PCMU/8000' },
      { name: 'rtpmap', value: '96 telephone-event/8000' },
      { name: 'fmtp', value: '111 useinbandfec=1' },
      { name: 'fmtp', value: '96 0-15' },
    ],
  );
});

test('dynamic types must match clock rate and channels, not just the name', (t) => {
  const codecs: Codec[] = [
    { name: 'opus', clockRate: 48000, payloadType: 111 },
    { name: 'PCMA', clockRate: 8000, payloadType: 8 },
  ];
  const offer = offerWith('m=audio 7000 RTP/AVP 111 112 8\na=rtpmap:111 opus/48000/2\na=rtpmap:112 opus/16000\n');
  t.deepEqual(answerTo(offer, codecs).media[0].formats, ['8']);
});

test('static payload types match by number, with or without rtpmap', (t) => {
  const offer = offerWith('m=audio 7000 RTP/AVP 18 8 0\na=rtpmap:0 pcmu/8000\n');
  const audio = answerTo(offer).media[0];
  t.deepEqual(audio.formats, ['8', '0']);
  t.deepEqual(audio.attributes.slice(0, 2), [
    { name: 'rtpmap', value: '8 PCMA/8000' },
    { name: 'rtpmap', value: '0 PCMU/8000' },
  ]);
});

test('a dynamic payload type without rtpmap is not guessed at', (t) => {
  const answer = answerTo(offerWith('m=audio 7000 RTP/AVP 101 0\n'));
  t.deepEqual(answer.media[0].formats, ['0']);
});

test('no common codec: the stream is rejected with port 0 but keeps its place', (t) => {
  const offer = offerWith('m=audio 7000 RTP/AVP 18 4\nm=audio 7002 RTP/AVP 9\n');
  const answer = answerTo(offer);
  t.deepEqual(
    answer.media.map((m) => [m.type, m.port, m.formats]),
    [
      ['audio', 0, ['18', '4']],
      ['audio', 0, ['9']],
    ],
  );
  t.deepEqual(applyOwnAnswer(offer, answer), {
    streams: [
      { index: 0, mediaType: 'audio', rejected: true },
      { index: 1, mediaType: 'audio', rejected: true },
    ],
    audio: null,
  });
  t.deepEqual(parseSdp(serializeSdp(answer)), answer);
});

test('telephone-event or comfort noise alone is not a usable codec', (t) => {
  const codecs: Codec[] = [...PHONE_CODECS, { name: 'CN', clockRate: 8000, payloadType: 13 }];
  const offer = offerWith('m=audio 7000 RTP/AVP 13 101\na=rtpmap:101 telephone-event/8000\n');
  t.is(answerTo(offer, codecs).media[0].port, 0);
  const withVoice = offerWith('m=audio 7000 RTP/AVP 13 0 101\na=rtpmap:101 telephone-event/8000\n');
  t.deepEqual(answerTo(withVoice, codecs).media[0].formats, ['13', '0', '101']);
});

test('unsupported media types and protocols are rejected, later audio still accepted', (t) => {
  const offer = offerWith(
    'm=video 6000 RTP/AVP 31\nm=image 6002 udptl t38\nm=audio 6004 RTP/SAVP 0\nm=audio 6006 RTP/AVP 0\nm=audio 6008 RTP/AVP 0\n',
  );
  const answer = answerTo(offer);
  t.deepEqual(
    answer.media.map((m) => `${m.type} ${m.port} ${m.protocol}`),
    ['video 0 RTP/AVP', 'image 0 udptl', 'audio 0 RTP/SAVP', 'audio 40000 RTP/AVP', 'audio 0 RTP/AVP'],
  );
});

test('a stream the offerer disabled (port 0) stays rejected', (t) => {
  const answer = answerTo(offerWith('m=audio 0 RTP/AVP 0\nm=audio 7000 RTP/AVP 0\n'));
  t.deepEqual(answer.media.map((m) => m.port), [0, 40000]);
});

test('a stream without any c= line is rejected', (t) => {
  const offer = parseSdp('v=0\no=- 1 1 IN IP4 h\ns=-\nt=0 0\nm=audio 7000 RTP/AVP 0\n');
  t.is(answerTo(offer).media[0].port, 0);
});

const MIRROR: Array<[Direction, Direction, Direction]> = [
  // offered, our preference, answered
  ['sendrecv', 'sendrecv', 'sendrecv'],
  ['sendonly', 'sendrecv', 'recvonly'],
  ['recvonly', 'sendrecv', 'sendonly'],
  ['inactive', 'sendrecv', 'inactive'],
  ['sendrecv', 'sendonly', 'sendonly'],
  ['sendrecv', 'recvonly', 'recvonly'],
  ['sendrecv', 'inactive', 'inactive'],
  ['sendonly', 'sendonly', 'inactive'],
  ['recvonly', 'recvonly', 'inactive'],
];

for (const [offered, preference, answered] of MIRROR) {
  test(`direction: offer ${offered}, we prefer ${preference} → answer ${answered}`, (t) => {
    const offer = offerWith(`m=audio 7000 RTP/AVP 0\na=${offered}\n`);
    const answer = answerTo(offer, PHONE_CODECS, { ...ANSWER_OPTIONS, direction: preference });
    t.is(getDirection(answer, answer.media[0]), answered);
  });
}

test('hold via session-level sendonly is recognized and answered recvonly', (t) => {
  const offer = offerWith('m=audio 7000 RTP/AVP 0\n', 'a=sendonly\n');
  t.true(isHold(offer));
  const answer = answerTo(offer);
  t.is(getDirection(answer, answer.media[0]), 'recvonly');
  const agreed = applyOwnAnswer(offer, answer).audio;
  t.is(agreed?.direction, 'recvonly');
  t.true(agreed?.remoteHold);
});

test('legacy hold c=0.0.0.0 (RFC 2543): recognized, we answer recvonly and do not send', (t) => {
  const offer = parseSdp('v=0\no=peer 1 2 IN IP4 198.51.100.1\ns=-\nc=IN IP4 0.0.0.0\nt=0 0\nm=audio 7000 RTP/AVP 0\n');
  t.true(isHold(offer, offer.media[0]));
  const answer = answerTo(offer);
  t.is(getDirection(answer, answer.media[0]), 'recvonly');
  const agreed = applyOwnAnswer(offer, answer).audio;
  t.like(agreed, { direction: 'recvonly', remoteHold: true, remoteAddress: '0.0.0.0' });
});

test('telephone-event: event lists are intersected, a missing fmtp means 0-15', (t) => {
  const fmtpOf = (media: string): string | undefined =>
    answerTo(offerWith(media)).media[0].attributes.find((a) => a.name === 'fmtp')?.value ?? undefined;
  t.is(fmtpOf('m=audio 7000 RTP/AVP 0 101\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-11\n'), '101 0-11');
  t.is(fmtpOf('m=audio 7000 RTP/AVP 0 101\na=rtpmap:101 telephone-event/8000\n'), '101 0-15');
  t.is(fmtpOf('m=audio 7000 RTP/AVP 0 101\na=rtpmap:101 telephone-event/8000\na=fmtp:101 32-40\n'), undefined);
  t.is(fmtpOf('m=audio 7000 RTP/AVP 0 101\na=rtpmap:101 telephone-event/16000\n'), undefined);
});

test('applyOwnAnswer gives the answerer its call media parameters', (t) => {
  const offer = parseSdp(PBX_OFFER);
  const answer = answerTo(offer);
  t.deepEqual(applyOwnAnswer(offer, answer).audio, {
    mediaType: 'audio',
    codecName: 'PCMA',
    payloadType: 8,
    clockRate: 8000,
    channels: 1,
    fmtp: null,
    ptime: 30, // what the PBX asked to receive
    remoteAddress: '198.51.100.7',
    remotePort: 12000,
    remoteRtcpAddress: '198.51.100.7',
    remoteRtcpPort: 12001,
    direction: 'sendrecv',
    remoteHold: false,
    dtmfPayloadType: 101,
  });
});

test('createAnswer rejects bad local settings with SdpNegotiationError', (t) => {
  const offer = parseSdp(PBX_OFFER);
  t.throws(() => createAnswer(offer, [], ANSWER_OPTIONS), { instanceOf: SdpNegotiationError });
  t.throws(() => createAnswer(offer, PHONE_CODECS, { ...ANSWER_OPTIONS, port: -1 }), { instanceOf: SdpNegotiationError });
});
