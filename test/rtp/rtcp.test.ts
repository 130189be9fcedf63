import test from 'ava';
import fc from 'fast-check';
import {
  compactNtp,
  compactNtpFromMs,
  compactToMs,
  isRtcp,
  isRtcpBinary,
  msToCompact,
  ntpFromMs,
  ntpToMs,
  readRtcp,
  readRtcpBinary,
  roundTripMs,
  sdesCname,
  writeRtcp,
  writeRtcpBinary,
} from '../../firmware/rtp/rtcp.ts';
import type { ReportBlock, RtcpPacket } from '../../firmware/rtp/rtcp.ts';
import { writeRtp } from '../../firmware/rtp/packet.ts';
import { bytesToBinary } from '../../firmware/util/utf8.ts';

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

const BLOCK: ReportBlock = {
  ssrc: 0x11223344,
  fractionLost: 51,
  cumulativeLost: 2,
  highestSeq: 0x0001000a,
  jitter: 4,
  lsr: 0xaabbccdd,
  dlsr: 32768,
};

test('an RR is laid out as RFC 3550 §6.4.2 says', (t) => {
  const wire = writeRtcp([{ type: 'rr', ssrc: 0x01020304, reports: [BLOCK] }]);
  t.deepEqual(
    [...wire],
    [
      0x81, 201, 0x00, 0x07, // V=2, RC=1, PT=RR, length 7 words after the first
      0x01, 0x02, 0x03, 0x04,
      0x11, 0x22, 0x33, 0x44,
      51, 0x00, 0x00, 0x02, // fraction lost, cumulative lost (24-bit)
      0x00, 0x01, 0x00, 0x0a,
      0x00, 0x00, 0x00, 0x04,
      0xaa, 0xbb, 0xcc, 0xdd,
      0x00, 0x00, 0x80, 0x00,
    ],
  );
  t.deepEqual(readRtcp(wire), [{ type: 'rr', ssrc: 0x01020304, reports: [BLOCK] }]);
});

test('SR, SDES CNAME and BYE round trip as one compound packet', (t) => {
  const compound: RtcpPacket[] = [
    {
      type: 'sr',
      ssrc: 0xfeedface,
      sender: { ntpSeconds: 0xe8000000, ntpFraction: 0x80000000, rtpTimestamp: 123456, packetCount: 500, octetCount: 80000 },
      reports: [BLOCK, { ...BLOCK, ssrc: 9, cumulativeLost: -5, fractionLost: 0 }],
    },
    sdesCname(0xfeedface, 'alice@192.0.2.10'),
    { type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, value: 'x' }, { type: 2, value: 'Zoë' }] }, { ssrc: 2, items: [] }] },
    { type: 'bye', ssrcs: [0xfeedface], reason: 'call ended' },
    { type: 'bye', ssrcs: [1, 2], reason: null },
  ];
  const wire = writeRtcp(compound);
  t.is(wire.length % 4, 0);
  t.deepEqual(readRtcp(wire), compound);
  t.deepEqual(readRtcpBinary(writeRtcpBinary(compound)), compound);
  // SDES: "alice@192.0.2.10" (16 octets) + type + length = 18, then 2 null octets to the word.
  const sdes = writeRtcp([sdesCname(7, 'alice@192.0.2.10')]);
  t.deepEqual([...sdes.subarray(0, 10)], [0x81, 202, 0, 6, 0, 0, 0, 7, 1, 16]);
  t.deepEqual([...sdes.subarray(26)], [0, 0]);
  // A BYE reason of 3 octets fills its word exactly.
  t.deepEqual([...writeRtcp([{ type: 'bye', ssrcs: [1], reason: 'bye' }])], [0x81, 203, 0, 2, 0, 0, 0, 1, 3, 98, 121, 101]);
});

test('cumulative loss is signed 24-bit and saturates', (t) => {
  const rr = (lost: number): number => (readRtcp(writeRtcp([{ type: 'rr', ssrc: 1, reports: [{ ...BLOCK, cumulativeLost: lost }] }]))![0] as { reports: ReportBlock[] }).reports[0]!.cumulativeLost;
  t.is(rr(-1), -1);
  t.is(rr(0x7fffff), 0x7fffff);
  t.is(rr(1e9), 0x7fffff);
  t.is(rr(-1e9), -0x800000);
  t.deepEqual([...writeRtcp([{ type: 'rr', ssrc: 1, reports: [{ ...BLOCK, cumulativeLost: -1 }] }]).subarray(13, 16)], [0xff, 0xff, 0xff]);
});

test('unknown packet types are kept raw; padding is honoured', (t) => {
  const app = { type: 'other' as const, packetType: 204, count: 3, body: bytes(0, 0, 0, 1, 0x6e, 0x61, 0x6d, 0x65) };
  t.deepEqual(readRtcp(writeRtcp([app])), [app]);
  // An RR with no reports, padded with 4 octets (P bit, last octet = 4).
  const padded = bytes(0xa0, 201, 0, 2, 0, 0, 0, 5, 0, 0, 0, 4);
  t.deepEqual(readRtcp(padded), [{ type: 'rr', ssrc: 5, reports: [] }]);
  t.throws(() => writeRtcp([{ ...app, body: bytes(1) }]), { instanceOf: RangeError });
  t.throws(() => writeRtcp([{ type: 'rr', ssrc: 1, reports: new Array(32).fill(BLOCK) }]), { instanceOf: RangeError });
  t.throws(() => writeRtcp([sdesCname(1, 'x'.repeat(256))]), { instanceOf: RangeError });
});

const MALFORMED: [string, Uint8Array][] = [
  ['empty', bytes()],
  ['shorter than a header', bytes(0x80, 201, 0)],
  ['version 1', bytes(0x40, 201, 0, 1, 0, 0, 0, 1)],
  ['version 0 in the second packet', bytes(0x80, 201, 0, 1, 0, 0, 0, 1, 0x00, 201, 0, 1, 0, 0, 0, 1)],
  ['length past the end', bytes(0x80, 201, 0, 2, 0, 0, 0, 1)],
  ['trailing octets after the last packet', bytes(0x80, 201, 0, 1, 0, 0, 0, 1, 0x80, 201)],
  ['RR report count past its length', bytes(0x81, 201, 0, 1, 0, 0, 0, 1)],
  ['SR too short for sender info', bytes(0x80, 200, 0, 1, 0, 0, 0, 1)],
  ['SR report count past its length', bytes(0x81, 200, 0, 6, ...new Array(24).fill(0))],
  ['SDES chunk count past its length', bytes(0x82, 202, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0)],
  ['SDES item past the packet', bytes(0x81, 202, 0, 2, 0, 0, 0, 1, 1, 9, 0x61, 0x62)],
  ['SDES item without a terminator', bytes(0x81, 202, 0, 2, 0, 0, 0, 1, 1, 2, 0x61, 0x62)],
  ['BYE count past its length', bytes(0x82, 203, 0, 1, 0, 0, 0, 1)],
  ['BYE reason past the packet', bytes(0x81, 203, 0, 2, 0, 0, 0, 1, 9, 0x61, 0x62, 0x63)],
  ['padding count zero', bytes(0xa0, 201, 0, 2, 0, 0, 0, 5, 0, 0, 0, 0)],
  ['padding into the header', bytes(0xa0, 201, 0, 1, 0, 0, 0, 9)],
];

test('malformed RTCP is null', (t) => {
  for (const [name, wire] of MALFORMED) {
    t.is(readRtcp(wire), null, name);
    t.is(readRtcpBinary(bytesToBinary(wire)), null, name);
  }
});

test('fuzz: random and mutated RTCP never throws', (t) => {
  const valid = writeRtcp([
    { type: 'sr', ssrc: 1, sender: { ntpSeconds: 1, ntpFraction: 2, rtpTimestamp: 3, packetCount: 4, octetCount: 5 }, reports: [BLOCK] },
    sdesCname(1, 'phone@example'),
    { type: 'bye', ssrcs: [1], reason: 'x' },
  ]);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (raw) => {
      const r = readRtcp(raw);
      return r === null || Array.isArray(r);
    }),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(valid.length), (edits, cut) => {
      const wire = valid.slice(0, Math.max(cut, 1));
      for (const [i, v] of edits) if (i < wire.length) wire[i] = v;
      const r = readRtcp(wire);
      return r === null || r.every((p) => ['sr', 'rr', 'sdes', 'bye', 'other'].includes(p.type));
    }),
    { numRuns: 3000 },
  );
  t.pass();
});

test('RTCP is told apart from RTP on a multiplexed port (RFC 5761)', (t) => {
  const rtcp = writeRtcp([{ type: 'rr', ssrc: 1, reports: [] }]);
  const rtp = writeRtp({ payloadType: 0, sequence: 1, timestamp: 1, ssrc: 1, marker: true }, bytes(1, 2, 3));
  t.true(isRtcp(rtcp));
  t.false(isRtcp(rtp));
  t.true(isRtcpBinary(bytesToBinary(rtcp)));
  t.false(isRtcpBinary(bytesToBinary(rtp)));
  t.false(isRtcp(bytes(0x80, 200)));
});

test('NTP timestamps from and to milliseconds', (t) => {
  t.deepEqual(ntpFromMs(0), { seconds: 2208988800, fraction: 0 });
  t.deepEqual(ntpFromMs(1500), { seconds: 2208988801, fraction: 0x80000000 });
  t.is(ntpToMs(2208988801, 0x80000000), 1500);
  // 2040 is past the NTP era 0 rollover (2036-02-07): seconds wrap and still convert back.
  const y2040 = Date.UTC(2040, 0, 1);
  const t2040 = ntpFromMs(y2040);
  t.true(t2040.seconds < 0x80000000);
  t.is(ntpToMs(t2040.seconds, t2040.fraction), y2040);
  t.is(compactNtp(0x12345678, 0x9abcdef0), 0x56789abc);
  t.is(compactNtpFromMs(1500), ((2208988801 & 0xffff) * 65536 + 0x8000) >>> 0);
  t.is(compactToMs(65536), 1000);
  t.is(msToCompact(500), 32768);
  t.is(msToCompact(-5), 0);
});

test('round-trip time from LSR and DLSR (RFC 3550 §6.4.1)', (t) => {
  // We send an SR at T; the peer reports it back after holding it 1.25 s; it arrives at
  // T + 1.25 s + 80 ms: RTT = 80 ms (to 1/65536 s).
  const T = 1_700_000_000_000;
  const lsr = compactNtpFromMs(T);
  const block = { ...BLOCK, lsr, dlsr: msToCompact(1250) };
  t.true(Math.abs(roundTripMs(block, T + 1250 + 80)! - 80) < 0.05);
  // RFC 3550's own example: A = 0xb710:8000 (46864.500 s), LSR 0xb705:2000 (46853.125 s),
  // DLSR 0x0005:4000 (5.250 s) -> RTT 6.125 s.
  const a = 0xb7108000;
  const wallAtA = (a / 65536 - 2208988800 + 65536 * 33706) * 1000; // any wall time whose compact NTP is A
  t.is(compactNtpFromMs(wallAtA), a);
  t.is(roundTripMs({ ...BLOCK, lsr: 0xb7052000, dlsr: 0x00054000 }, wallAtA), 6125);
  t.is(roundTripMs({ ...BLOCK, lsr: 0 }, T), null, 'no SR received yet');
  t.is(roundTripMs({ ...BLOCK, lsr, dlsr: msToCompact(5000) }, T + 1000), null, 'negative: clocks disagree');
});
