import test from 'ava';
import {
  describeFormats,
  findAttribute,
  getConnection,
  getDirection,
  getFmtp,
  getMaxptime,
  getPtime,
  getRtcp,
  getRtpmap,
  getRtpmaps,
  getTelephoneEvent,
  holdDirection,
  incrementDecimal,
  intersectDirections,
  intersectEvents,
  isHold,
  parseSdp,
  resumeDirection,
  reverseDirection,
  serializeSdp,
  setDirection,
} from '../../firmware/sdp/index.ts';
import type { Direction } from '../../firmware/sdp/index.ts';
import { PBX_OFFER, RFC4566_EXAMPLE } from './fixtures.ts';

const pbx = parseSdp(PBX_OFFER);
const pbxAudio = pbx.media[0];

test('rtpmap: payload type, encoding name, clock rate, channels', (t) => {
  t.deepEqual(getRtpmap(pbxAudio, 18), { payloadType: 18, encodingName: 'G729', clockRate: 8000, channels: null });
  t.is(getRtpmap(pbxAudio, 3), null);
  t.deepEqual(
    getRtpmaps(pbxAudio).map((r) => r.payloadType),
    [8, 0, 18, 97, 101],
  );
  const stereo = parseSdp('v=0\no=- 1 1 IN IP4 h\ns=-\nm=audio 1 RTP/AVP 111\na=rtpmap:111 opus/48000/2\n');
  t.deepEqual(getRtpmap(stereo.media[0], 111), { payloadType: 111, encodingName: 'opus', clockRate: 48000, channels: 2 });
});

test('fmtp, ptime, maxptime, rtcp', (t) => {
  t.is(getFmtp(pbxAudio, '18'), 'annexb=no');
  t.is(getFmtp(pbxAudio, '101'), '0-16');
  t.is(getFmtp(pbxAudio, '0'), null);
  t.is(getPtime(pbxAudio), 30);
  t.is(getMaxptime(pbxAudio), 150);
  t.deepEqual(getRtcp(pbxAudio), { port: 12001, connection: null });
  t.deepEqual(findAttribute(pbxAudio, 'rtcp'), { name: 'rtcp', value: '12001' });
  t.is(findAttribute(pbxAudio, 'nope'), undefined);
});

test('rtcp with an address (RFC 3605 §2.1 example form)', (t) => {
  const s = parseSdp('v=0\no=- 1 1 IN IP4 h\ns=-\nm=audio 49170 RTP/AVP 0\na=rtcp:53020 IN IP4 126.16.64.4\n');
  t.deepEqual(getRtcp(s.media[0]), {
    port: 53020,
    connection: { netType: 'IN', addrType: 'IP4', address: '126.16.64.4', ttl: null, addressCount: null },
  });
  t.is(getRtcp(parseSdp(RFC4566_EXAMPLE).media[0]), null);
});

test('ptime falls back to the session level; fractional ptime is allowed', (t) => {
  const s = parseSdp('v=0\no=- 1 1 IN IP4 h\ns=-\na=ptime:40\nm=audio 1 RTP/AVP 0\nm=audio 2 RTP/AVP 0\na=ptime:2.5\n');
  t.is(getPtime(s.media[0]), null);
  t.is(getPtime(s.media[0], s), 40);
  t.is(getPtime(s.media[1], s), 2.5);
});

test('direction: media overrides session, session overrides the sendrecv default', (t) => {
  const example = parseSdp(RFC4566_EXAMPLE); // a=recvonly at session level
  t.is(getDirection(example, example.media[0]), 'recvonly');
  const s = parseSdp('v=0\no=- 1 1 IN IP4 h\ns=-\nm=audio 1 RTP/AVP 0\nm=audio 2 RTP/AVP 0\na=inactive\n');
  t.is(getDirection(s, s.media[0]), 'sendrecv');
  t.is(getDirection(s, s.media[1]), 'inactive');
});

test('setDirection replaces in place and drops extra direction attributes', (t) => {
  const s = parseSdp('v=0\no=- 1 1 IN IP4 h\ns=-\nm=audio 1 RTP/AVP 0\na=x\na=sendrecv\na=y\na=recvonly\n');
  setDirection(s.media[0], 'sendonly');
  t.deepEqual(s.media[0].attributes.map((a) => a.name), ['x', 'sendonly', 'y']);
  const bare = parseSdp('v=0\no=- 1 1 IN IP4 h\ns=-\nm=audio 1 RTP/AVP 0\n');
  setDirection(bare.media[0], 'inactive');
  t.true(serializeSdp(bare).endsWith('a=inactive\r\n'));
});

test('direction algebra: reverse, intersect, hold and resume (RFC 3264 §6.1, §8.4)', (t) => {
  const all: Direction[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];
  t.deepEqual(all.map(reverseDirection), ['sendrecv', 'recvonly', 'sendonly', 'inactive']);
  t.deepEqual(all.map(holdDirection), ['sendonly', 'sendonly', 'inactive', 'inactive']);
  t.deepEqual(all.map(resumeDirection), ['sendrecv', 'sendrecv', 'recvonly', 'recvonly']);
  t.is(intersectDirections('sendrecv', 'sendonly'), 'sendonly');
  t.is(intersectDirections('sendonly', 'recvonly'), 'inactive');
  t.is(intersectDirections('recvonly', 'sendrecv'), 'recvonly');
});

test('telephone-event: payload type, clock rate and event list', (t) => {
  t.deepEqual(getTelephoneEvent(pbxAudio), { payloadType: 101, clockRate: 8000, events: '0-16' });
  const wide = parseSdp(
    'v=0\no=- 1 1 IN IP4 h\ns=-\nm=audio 1 RTP/AVP 9 100 101\na=rtpmap:100 telephone-event/16000\na=rtpmap:101 Telephone-Event/8000\n',
  ).media[0];
  t.is(getTelephoneEvent(wide)?.payloadType, 100);
  t.is(getTelephoneEvent(wide, 8000)?.payloadType, 101);
  t.is(getTelephoneEvent(wide, 8000)?.events, null);
  t.is(getTelephoneEvent(wide, 48000)?.payloadType, 100); // no exact match: first one
  t.is(getTelephoneEvent(parseSdp(RFC4566_EXAMPLE).media[0]), null);
});

test('intersectEvents works on ranges and single events', (t) => {
  t.is(intersectEvents('0-15', '0-16'), '0-15');
  t.is(intersectEvents('0-11,16', '0-15'), '0-11');
  t.is(intersectEvents('0-15,32-40,66', '10-35, 66,70'), '10-15,32-35,66');
  t.is(intersectEvents('0-15', '16'), null);
  t.is(intersectEvents('0-15', 'x'), null);
  t.is(intersectEvents('5-3', '0-15'), null);
  t.is(intersectEvents('0-255', '255'), '255');
});

test('describeFormats resolves static types from RFC 3551 and dynamic ones from rtpmap', (t) => {
  const s = parseSdp('v=0\no=- 1 1 IN IP4 h\ns=-\nm=audio 1 RTP/AVP 0 18 96 97 x\na=rtpmap:97 AMR/8000\na=fmtp:18 annexb=no\n');
  t.deepEqual(describeFormats(s.media[0]), [
    { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1, fmtp: null },
    { payloadType: 18, name: 'G729', clockRate: 8000, channels: 1, fmtp: 'annexb=no' },
    { payloadType: 97, name: 'AMR', clockRate: 8000, channels: 1, fmtp: null },
  ]);
});

test('hold: sendonly, inactive and c=0.0.0.0 are hold; recvonly and port 0 are not', (t) => {
  const base = 'v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n';
  const held = (media: string): boolean => {
    const s = parseSdp(base + media);
    return isHold(s, s.media[0]);
  };
  t.false(held('m=audio 1 RTP/AVP 0\n'));
  t.false(held('m=audio 1 RTP/AVP 0\na=sendrecv\n'));
  t.true(held('m=audio 1 RTP/AVP 0\na=sendonly\n'));
  t.true(held('m=audio 1 RTP/AVP 0\na=inactive\n'));
  t.false(held('m=audio 1 RTP/AVP 0\na=recvonly\n'));
  t.true(held('m=audio 1 RTP/AVP 0\nc=IN IP4 0.0.0.0\n'));
  t.false(held('m=audio 0 RTP/AVP 0\na=inactive\n'));

  const legacy = parseSdp('v=0\no=- 1 2 IN IP4 h\ns=-\nc=IN IP4 0.0.0.0\nt=0 0\nm=audio 1 RTP/AVP 0\nm=audio 2 RTP/AVP 0\nc=IN IP4 192.0.2.9\n');
  t.is(getConnection(legacy, legacy.media[1])?.address, '192.0.2.9');
  t.true(isHold(legacy, legacy.media[0]));
  t.false(isHold(legacy, legacy.media[1])); // media-level c= overrides the session's
  t.false(isHold(legacy)); // not every active stream is held
});

test('isHold on a whole session', (t) => {
  const s = parseSdp('v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 h\nt=0 0\na=sendonly\nm=audio 1 RTP/AVP 0\nm=video 0 RTP/AVP 31\n');
  t.true(isHold(s));
  const none = parseSdp('v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 h\nt=0 0\na=sendonly\nm=audio 0 RTP/AVP 0\n');
  t.false(isHold(none)); // no active stream at all
});

test('incrementDecimal handles carries and values beyond 2^53', (t) => {
  t.is(incrementDecimal('0'), '1');
  t.is(incrementDecimal('41'), '42');
  t.is(incrementDecimal('199'), '200');
  t.is(incrementDecimal('999'), '1000');
  t.is(incrementDecimal('18446744073709551615'), '18446744073709551616');
  t.is(incrementDecimal('9007199254740993'), '9007199254740994');
});
