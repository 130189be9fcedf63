import test from 'ava';
import fc from 'fast-check';
import {
  applyAnswer,
  applyOwnAnswer,
  createAnswer,
  createOffer,
  isHold,
  parseSdp,
  SdpNegotiationError,
  SdpParseError,
  serializeSdp,
} from '../../firmware/sdp/index.ts';
import type {
  SdpAttribute,
  SdpBandwidth,
  SdpConnection,
  SdpLine,
  SdpMedia,
  SdpSession,
  SdpTiming,
} from '../../firmware/sdp/index.ts';
import { PBX_OFFER, PHONE, PHONE_CODECS, RFC3264_ALICE_ANSWER, RFC3264_BOB_REOFFER, RFC4566_EXAMPLE } from './fixtures.ts';

// ---- generators for well-formed sessions ----

const TOKEN_CHARS = 'abcXYZ019-._+*!~#&'.split('');
const token = fc.array(fc.constantFrom(...TOKEN_CHARS), { minLength: 1, maxLength: 8 }).map((c) => c.join(''));
const digits = fc.array(fc.constantFrom(...'0123456789'.split('')), { minLength: 1, maxLength: 22 }).map((c) => c.join(''));
/** Free text for i=, s=, e= ... : anything but CR, LF and NUL. */
const text = fc.string({ maxLength: 20, unit: 'grapheme' }).filter((s) => !/[\r\n\0]/.test(s));
const nullable = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(arb, { nil: null });
const typedTime = fc.tuple(fc.nat(99999), fc.constantFrom('', 'd', 'h', 'm', 's')).map(([n, u]) => `${n}${u}`);

const connection: fc.Arbitrary<SdpConnection> = fc.oneof(
  fc.record({
    netType: fc.constant('IN'),
    addrType: fc.constant('IP4'),
    address: token,
    ttl: nullable(fc.nat(255)),
    addressCount: fc.constant(null),
  }),
  fc.record({
    netType: fc.constant('IN'),
    addrType: fc.constant('IP4'),
    address: token,
    ttl: fc.nat(255),
    addressCount: fc.integer({ min: 1, max: 65535 }),
  }),
  fc.record({
    netType: token,
    addrType: fc.constant('IP6'),
    address: token,
    ttl: fc.constant(null),
    addressCount: nullable(fc.integer({ min: 1, max: 65535 })),
  }),
);

const bandwidth: fc.Arbitrary<SdpBandwidth> = fc.record({ type: token, value: fc.nat(0xffffffff) });

// Names that are not checked attributes, plus well-formed checked ones.
const attribute: fc.Arbitrary<SdpAttribute> = fc.oneof(
  fc.record({ name: token.map((n) => 'x' + n), value: nullable(text) }),
  fc.constantFrom<SdpAttribute>(
    { name: 'sendrecv', value: null },
    { name: 'sendonly', value: null },
    { name: 'inactive', value: null },
    { name: 'ptime', value: '20' },
    { name: 'maxptime', value: '0.5' },
    { name: 'rtcp', value: '53020 IN IP4 126.16.64.4' },
    { name: 'fmtp', value: '101 0-15' },
  ),
  fc
    .tuple(fc.nat(127), token.filter((n) => !n.includes('/')), fc.integer({ min: 1, max: 96000 }), nullable(fc.integer({ min: 1, max: 8 })))
    .map(([pt, name, rate, ch]) => ({ name: 'rtpmap', value: `${pt} ${name}/${rate}${ch === null ? '' : '/' + ch}` })),
);

const otherLine: fc.Arbitrary<SdpLine> = fc.record({
  type: fc.constantFrom('x', 'y', 'w', 'Q', 'Z'),
  value: text,
});

const timing: fc.Arbitrary<SdpTiming> = fc.record({
  start: digits.filter((d) => d.length <= 20),
  stop: digits.filter((d) => d.length <= 20),
  repeats: fc.array(
    fc.record({ interval: typedTime, duration: typedTime, offsets: fc.array(typedTime, { minLength: 1, maxLength: 3 }) }),
    { maxLength: 2 },
  ),
});

const media: fc.Arbitrary<SdpMedia> = fc.record({
  type: token,
  port: fc.nat(65535),
  portCount: nullable(fc.integer({ min: 1, max: 8 })),
  protocol: token,
  formats: fc.array(token, { maxLength: 5 }),
  information: nullable(text),
  connections: fc.array(connection, { maxLength: 2 }),
  bandwidths: fc.array(bandwidth, { maxLength: 2 }),
  encryptionKey: nullable(text),
  attributes: fc.array(attribute, { maxLength: 6 }),
  otherLines: fc.array(otherLine, { maxLength: 2 }),
});

const session: fc.Arbitrary<SdpSession> = fc.record({
  origin: fc.record({ username: token, sessionId: token, sessionVersion: digits, netType: token, addrType: token, address: token }),
  sessionName: text,
  information: nullable(text),
  uri: nullable(text),
  emails: fc.array(text, { maxLength: 2 }),
  phones: fc.array(text, { maxLength: 2 }),
  connection: nullable(connection),
  bandwidths: fc.array(bandwidth, { maxLength: 2 }),
  timings: fc.array(timing, { maxLength: 2 }),
  timeZones: fc.array(fc.record({ time: digits.filter((d) => d.length <= 20), offset: fc.tuple(fc.boolean(), typedTime).map(([neg, t]) => (neg ? '-' : '') + t) }), { maxLength: 3 }),
  encryptionKey: nullable(text),
  attributes: fc.array(attribute, { maxLength: 5 }),
  otherLines: fc.array(otherLine, { maxLength: 2 }),
  media: fc.array(media, { maxLength: 4 }),
});

test('property: parse(serialize(session)) gives the session back, and serialize is stable', (t) => {
  fc.assert(
    fc.property(session, (s) => {
      const wire = serializeSdp(s);
      const parsed = parseSdp(wire);
      t.deepEqual(parsed, s);
      return serializeSdp(parsed) === wire;
    }),
    { numRuns: 500 },
  );
});

// ---- random damage to valid SDP ----

const SEEDS = [RFC4566_EXAMPLE, RFC3264_BOB_REOFFER, RFC3264_ALICE_ANSWER, PBX_OFFER].map((s) => s.replace(/\n/g, '\r\n'));
const NASTY = fc.constantFrom('\r', '\n', '\r\n', '\0', '=', ':', '/', ' ', '\t', '-', '0', '99999999999', 'm=', 'a=rtpmap:', 'é', '\u2028', 'c=IN IP4 0.0.0.0', 'a=sendonly', 'a=rtcp:', 'v=0', 'o=- 1 1 IN IP4 h');
const insertion = fc.oneof(NASTY, fc.string({ maxLength: 6 }));

type Mutation = (text: string) => string;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), insertion).map(([at, s]): Mutation => (x) => x.slice(0, at % (x.length + 1)) + s + x.slice(at % (x.length + 1))),
  fc.tuple(fc.nat(), fc.nat(8)).map(([at, n]): Mutation => (x) => x.slice(0, at % (x.length + 1)) + x.slice((at % (x.length + 1)) + n)),
  fc.tuple(fc.nat(), insertion).map(([at, s]): Mutation => (x) => {
    const i = at % (x.length + 1);
    return x.slice(0, i) + s + x.slice(i + 1);
  }),
  fc.tuple(fc.nat(), fc.nat()).map(([a, b]): Mutation => (x) => {
    const lines = x.split('\r\n');
    const i = a % lines.length;
    const j = b % lines.length;
    [lines[i], lines[j]] = [lines[j], lines[i]];
    return lines.join('\r\n');
  }),
  fc.nat().map((a): Mutation => (x) => {
    const lines = x.split('\r\n');
    lines.splice(a % lines.length, 1);
    return lines.join('\r\n');
  }),
  fc.nat().map((a): Mutation => (x) => {
    const lines = x.split('\r\n');
    const i = a % lines.length;
    lines.splice(i, 0, lines[i]);
    return lines.join('\r\n');
  }),
);

const damagedSdp = fc
  .tuple(fc.constantFrom(...SEEDS), fc.array(mutation, { minLength: 1, maxLength: 6 }))
  .map(([seed, steps]) => steps.reduce((x, step) => step(x), seed));

/** Runs fn; only an error of the given class may escape. */
function onlyThrows(kind: Function, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof kind)) throw error;
  }
}

test('property: damaged SDP never throws anything but SdpParseError, and what parses is stable', (t) => {
  const ourOffer = createOffer({ codecs: PHONE_CODECS, ...PHONE });
  fc.assert(
    fc.property(damagedSdp, (damaged) => {
      let parsed: SdpSession;
      try {
        parsed = parseSdp(damaged);
      } catch (error) {
        if (!(error instanceof SdpParseError)) return false;
        const lines = damaged.split('\n').length;
        return error.line >= 1 && error.line <= lines;
      }
      const once = serializeSdp(parsed);
      if (serializeSdp(parseSdp(once)) !== once) return false;
      // Whatever parses must also be safe to negotiate with.
      isHold(parsed);
      const answer = createAnswer(parsed, PHONE_CODECS, PHONE);
      if (answer.media.length !== parsed.media.length) return false;
      onlyThrows(SdpNegotiationError, () => applyOwnAnswer(parsed, answer));
      onlyThrows(SdpNegotiationError, () => applyAnswer(ourOffer, parsed));
      return true;
    }),
    { numRuns: 3000 },
  );
  t.pass();
});

test('property: random text never throws anything but SdpParseError', (t) => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (junk) => {
      for (const input of [junk, 'v=0\r\n' + junk]) {
        try {
          parseSdp(input);
        } catch (error) {
          if (!(error instanceof SdpParseError)) return false;
        }
      }
      return true;
    }),
    { numRuns: 2000 },
  );
  t.pass();
});
