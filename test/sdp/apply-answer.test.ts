import test from 'ava';
import {
  applyAnswer,
  applyOwnAnswer,
  createAnswer,
  createOffer,
  createReoffer,
  getDirection,
  holdDirection,
  parseSdp,
  resumeDirection,
  SdpNegotiationError,
  serializeSdp,
} from '../../firmware/sdp/index.ts';
import type { Direction, SdpSession } from '../../firmware/sdp/index.ts';
import {
  PHONE,
  PHONE_CODECS,
  RFC3264_ALICE_ANSWER,
  RFC3264_ALICE_OFFER,
  RFC3264_BOB_ANSWER,
  RFC3264_BOB_REOFFER,
} from './fixtures.ts';

const ourOffer = (): SdpSession => createOffer({ codecs: PHONE_CODECS, ...PHONE, ptime: 20 });

function answer(media: string, session = 'c=IN IP4 203.0.113.5\n'): SdpSession {
  return parseSdp(`v=0\no=peer 5 5 IN IP4 203.0.113.5\ns=-\n${session}t=0 0\n${media}`);
}

test('RFC 3264 §10.1: first exchange', (t) => {
  const result = applyAnswer(parseSdp(RFC3264_ALICE_OFFER), parseSdp(RFC3264_BOB_ANSWER));
  t.is(result.streams.length, 3);
  t.like(result.streams[0], {
    index: 0,
    rejected: false,
    parameters: { codecName: 'PCMU', payloadType: 0, clockRate: 8000, remoteAddress: 'host.example.com', remotePort: 49920, remoteRtcpPort: 49921, direction: 'sendrecv' },
  });
  t.deepEqual(result.streams[1], { index: 1, mediaType: 'video', rejected: true });
  t.like(result.streams[2], { index: 2, mediaType: 'video', rejected: false, parameters: { codecName: 'MPV', clockRate: 90000, remotePort: 53000 } });
  t.is(result.audio, result.streams[0].rejected ? null : result.streams[0].parameters);
});

test('RFC 3264 §10.1: re-offer with an extra recvonly stream, answered sendonly', (t) => {
  const result = applyAnswer(parseSdp(RFC3264_BOB_REOFFER), parseSdp(RFC3264_ALICE_ANSWER));
  t.deepEqual(result.streams.map((s) => s.rejected), [false, true, false, false]);
  t.like(result.streams[0], { parameters: { remoteAddress: 'host.anywhere.com', remotePort: 49170 } });
  t.like(result.streams[3], {
    mediaType: 'audio',
    parameters: { codecName: 'telephone-events', payloadType: 110, remotePort: 53122, direction: 'recvonly', remoteHold: true },
  });
});

test('typical PBX answer: chosen codec, DTMF type, ptime, RTCP', (t) => {
  const remote = answer('m=audio 30000 RTP/AVP 8 101\na=rtpmap:8 PCMA/8000\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-15\na=ptime:30\na=rtcp:30011 IN IP4 203.0.113.6\n');
  t.deepEqual(applyAnswer(ourOffer(), remote), {
    streams: [
      {
        index: 0,
        mediaType: 'audio',
        rejected: false,
        parameters: {
          mediaType: 'audio',
          codecName: 'PCMA',
          payloadType: 8,
          clockRate: 8000,
          channels: 1,
          fmtp: null,
          ptime: 30,
          remoteAddress: '203.0.113.5',
          remotePort: 30000,
          remoteRtcpAddress: '203.0.113.6',
          remoteRtcpPort: 30011,
          direction: 'sendrecv',
          remoteHold: false,
          dtmfPayloadType: 101,
        },
      },
    ],
    audio: {
      mediaType: 'audio',
      codecName: 'PCMA',
      payloadType: 8,
      clockRate: 8000,
      channels: 1,
      fmtp: null,
      ptime: 30,
      remoteAddress: '203.0.113.5',
      remotePort: 30000,
      remoteRtcpAddress: '203.0.113.6',
      remoteRtcpPort: 30011,
      direction: 'sendrecv',
      remoteHold: false,
      dtmfPayloadType: 101,
    },
  });
});

test('the first codec of the answer wins; our ptime applies when the peer gives none', (t) => {
  const agreed = applyAnswer(ourOffer(), answer('m=audio 30000 RTP/AVP 0 8\n')).audio;
  t.like(agreed, { codecName: 'PCMU', payloadType: 0, ptime: 20, dtmfPayloadType: null });
  const noPtime = createOffer({ codecs: PHONE_CODECS, ...PHONE });
  t.is(applyAnswer(noPtime, answer('m=audio 30000 RTP/AVP 8\n')).audio?.ptime, 20); // RFC 3551 default
});

test('a renumbered telephone-event in the answer is used as the answerer numbered it', (t) => {
  const agreed = applyAnswer(ourOffer(), answer('m=audio 30000 RTP/AVP 0 96\na=rtpmap:96 telephone-event/8000\n')).audio;
  t.is(agreed?.dtmfPayloadType, 96);
});

test('a dynamic type without rtpmap in the answer takes the offer mapping', (t) => {
  const agreed = applyAnswer(ourOffer(), answer('m=audio 30000 RTP/AVP 0 101\n')).audio;
  t.is(agreed?.dtmfPayloadType, 101);
});

test('media-level c= wins over session-level c=', (t) => {
  const agreed = applyAnswer(ourOffer(), answer('m=audio 30000 RTP/AVP 0\nc=IN IP4 203.0.113.99\n')).audio;
  t.like(agreed, { remoteAddress: '203.0.113.99', remoteRtcpAddress: '203.0.113.99' });
  const onlyMedia = answer('m=audio 30000 RTP/AVP 0\nc=IN IP4 203.0.113.98\n', '');
  t.is(applyAnswer(ourOffer(), onlyMedia).audio?.remoteAddress, '203.0.113.98');
});

const OUR_DIRECTION: Array<[Direction, string, Direction, boolean]> = [
  // what the answer says, extra answer lines, our direction, remote hold
  ['sendrecv', '', 'sendrecv', false],
  ['recvonly', '', 'sendonly', false],
  ['sendonly', '', 'recvonly', true],
  ['inactive', '', 'inactive', true],
  ['sendrecv', 'c=IN IP4 0.0.0.0\n', 'recvonly', true],
];

for (const [said, extra, ours, held] of OUR_DIRECTION) {
  test(`direction from our side: answer ${said}${extra ? ' with c=0.0.0.0' : ''} → ${ours}`, (t) => {
    const agreed = applyAnswer(ourOffer(), answer(`m=audio 30000 RTP/AVP 0\n${extra}a=${said}\n`)).audio;
    t.is(agreed?.direction, ours);
    t.is(agreed?.remoteHold, held);
  });
}

test('our own offer direction limits the result (we hold: sendonly offer, recvonly answer)', (t) => {
  const hold = createReoffer(ourOffer(), { direction: 'sendonly' });
  const agreed = applyAnswer(hold, answer('m=audio 30000 RTP/AVP 0\na=recvonly\n')).audio;
  t.like(agreed, { direction: 'sendonly', remoteHold: false });
  // A peer that wrongly answers sendrecv still cannot make us receive.
  t.is(applyAnswer(hold, answer('m=audio 30000 RTP/AVP 0\na=sendrecv\n')).audio?.direction, 'sendonly');
});

test('a rejected stream (port 0) in the answer', (t) => {
  const result = applyAnswer(ourOffer(), answer('m=audio 0 RTP/AVP 0\n'));
  t.deepEqual(result, { streams: [{ index: 0, mediaType: 'audio', rejected: true }], audio: null });
});

const INVALID_ANSWERS: Array<[string, string, number | null, RegExp]> = [
  ['no m= line', '', null, /answer has 0 m= lines, offer has 1/],
  ['an extra m= line', 'm=audio 30000 RTP/AVP 0\nm=audio 30002 RTP/AVP 0\n', null, /answer has 2 m= lines/],
  ['a different media type', 'm=video 30000 RTP/AVP 0\n', 0, /m=video where the offer has m=audio/],
  ['a different protocol', 'm=audio 30000 RTP/SAVP 0\n', 0, /protocol RTP\/SAVP differs/],
  ['a static codec that was not offered', 'm=audio 30000 RTP/AVP 18\n', 0, /G729\/8000 \(payload type 18\) was not offered/],
  ['a dynamic codec that was not offered', 'm=audio 30000 RTP/AVP 0 101\na=rtpmap:101 opus/48000/2\n', 0, /opus\/48000 \(payload type 101\) was not offered/],
  ['a dynamic type nobody mapped', 'm=audio 30000 RTP/AVP 99\n', 0, /payload type 99 has no rtpmap/],
  ['a non-numeric format', 'm=audio 30000 RTP/AVP PCMU\n', 0, /format "PCMU" is not an RTP payload type/],
  ['only telephone-event', 'm=audio 30000 RTP/AVP 101\n', 0, /no voice codec/],
  ['no formats at all', 'm=audio 30000 RTP/AVP\n', 0, /no voice codec/],
];

for (const [what, media, index, message] of INVALID_ANSWERS) {
  test(`applyAnswer refuses ${what}`, (t) => {
    const error = t.throws(() => applyAnswer(ourOffer(), answer(media)), { instanceOf: SdpNegotiationError });
    t.is(error?.mediaIndex, index);
    t.regex(error?.message ?? '', message);
  });
}

test('applyAnswer refuses an answer without any c= line', (t) => {
  const error = t.throws(() => applyAnswer(ourOffer(), answer('m=audio 30000 RTP/AVP 0\n', '')), { instanceOf: SdpNegotiationError });
  t.regex(error?.message ?? '', /m= section 0: no c= line/);
});

test('re-offer: sess-version + 1, sess-id kept, previous offer untouched', (t) => {
  const first = ourOffer();
  const before = serializeSdp(first);
  const second = createReoffer(first);
  t.is(second.origin.sessionId, first.origin.sessionId);
  t.is(second.origin.sessionVersion, '3724394401');
  t.is(createReoffer(second).origin.sessionVersion, '3724394402');
  t.is(serializeSdp(first), before);
  t.is(serializeSdp(second), before.replace('3724394400 3724394400', '3724394400 3724394401'));
});

test('re-offer keeps the version as text past 2^64', (t) => {
  const offer = createOffer({ codecs: PHONE_CODECS, ...PHONE, sessionVersion: '18446744073709551615' });
  t.is(createReoffer(offer).origin.sessionVersion, '18446744073709551616');
});

test('hold and resume through re-offers (RFC 3264 §8.4)', (t) => {
  const offer = ourOffer();
  const held = createReoffer(offer, { direction: holdDirection('sendrecv') });
  t.is(getDirection(held, held.media[0]), 'sendonly');
  t.true(serializeSdp(held).includes('a=sendonly\r\n'));
  t.false(serializeSdp(held).includes('a=sendrecv'));
  const resumed = createReoffer(held, { direction: resumeDirection('sendonly') });
  t.is(getDirection(resumed, resumed.media[0]), 'sendrecv');
  t.is(resumed.origin.sessionVersion, '3724394402');
});

test('re-offer direction replaces a session-level default and skips rejected streams', (t) => {
  const previous = parseSdp('v=0\no=- 10 99 IN IP4 h\ns=-\nc=IN IP4 h\nt=0 0\na=recvonly\nm=audio 1 RTP/AVP 0\nm=video 0 RTP/AVP 31\n');
  const next = createReoffer(previous, { direction: 'inactive' });
  t.is(next.origin.sessionVersion, '100');
  t.deepEqual(next.attributes, []);
  t.deepEqual(next.media[0].attributes, [{ name: 'inactive', value: null }]);
  t.deepEqual(next.media[1].attributes, []);
});

test('re-offer refuses a previous session with a non-numeric version or bad direction', (t) => {
  const broken = ourOffer();
  broken.origin.sessionVersion = 'v2';
  t.throws(() => createReoffer(broken), { instanceOf: SdpNegotiationError });
  t.throws(() => createReoffer(ourOffer(), { direction: 'hold' as 'inactive' }), { instanceOf: SdpNegotiationError });
});

test('the peer holds us: their re-offer sendonly, our answer recvonly', (t) => {
  const theirs = parseSdp('v=0\no=peer 1 2 IN IP4 203.0.113.5\ns=-\nc=IN IP4 203.0.113.5\nt=0 0\nm=audio 30000 RTP/AVP 0 101\na=rtpmap:101 telephone-event/8000\na=sendonly\n');
  const ours = createAnswer(theirs, PHONE_CODECS, PHONE);
  t.like(applyOwnAnswer(theirs, ours).audio, { direction: 'recvonly', remoteHold: true, dtmfPayloadType: 101 });
});

test('full call: offer → peer answer text → apply, both sides agree', (t) => {
  const offer = ourOffer();
  const peerCodecs = [
    { name: 'PCMA', clockRate: 8000, payloadType: 8 },
    { name: 'telephone-event', clockRate: 8000, payloadType: 101, fmtp: '0-15' },
  ];
  const peerOffer = parseSdp(serializeSdp(offer));
  const peerAnswer = createAnswer(peerOffer, peerCodecs, { address: '203.0.113.5', port: 30000, sessionId: '42' });
  const mine = applyAnswer(offer, parseSdp(serializeSdp(peerAnswer))).audio;
  const theirs = applyOwnAnswer(peerOffer, peerAnswer).audio;
  t.like(mine, { codecName: 'PCMA', payloadType: 8, remoteAddress: '203.0.113.5', remotePort: 30000, dtmfPayloadType: 101 });
  t.like(theirs, { codecName: 'PCMA', payloadType: 8, remoteAddress: '192.0.2.10', remotePort: 40000, dtmfPayloadType: 101 });
});
