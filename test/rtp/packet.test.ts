import test from 'ava';
import fc from 'fast-check';
import { readRtp, readRtpBinary, rtpLength, writeRtp, writeRtpBinary, writeRtpInto } from '../../firmware/rtp/packet.ts';
import type { RtpHeader, RtpPacket } from '../../firmware/rtp/packet.ts';
import { binaryToBytes, bytesToBinary } from '../../firmware/util/utf8.ts';

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

test('writes the fixed header field by field', (t) => {
  const out = writeRtp(
    { payloadType: 0, sequence: 0x1234, timestamp: 0xdeadbeef, ssrc: 0x01020304, marker: true },
    bytes(0xff, 0x7f),
  );
  t.deepEqual(
    [...out],
    [0x80, 0x80, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04, 0xff, 0x7f],
  );
});

test('reads every header field of a hand-built packet', (t) => {
  // V=2 P=1 X=1 CC=2, M=0 PT=8, seq 65535, ts 4294967295, SSRC 0x80000001,
  // CSRCs 7 and 0xffffffff, extension 0xbede with one word, payload 3 octets, 2 padding octets.
  const p = readRtp(
    bytes(
      0xb2, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x01,
      0, 0, 0, 7, 0xff, 0xff, 0xff, 0xff,
      0xbe, 0xde, 0x00, 0x01, 0x10, 0x20, 0x30, 0x40,
      0xaa, 0xbb, 0xcc,
      0x00, 0x02,
    ),
  )!;
  t.truthy(p);
  t.false(p.marker);
  t.is(p.payloadType, 8);
  t.is(p.sequence, 65535);
  t.is(p.timestamp, 4294967295);
  t.is(p.ssrc, 0x80000001);
  t.deepEqual([...p.csrc], [7, 0xffffffff]);
  t.is(p.extension!.profile, 0xbede);
  t.deepEqual([...p.extension!.data], [0x10, 0x20, 0x30, 0x40]);
  t.is(p.padding, 2);
  t.deepEqual([...p.payload], [0xaa, 0xbb, 0xcc]);
});

test('header fields round trip with CSRCs, extension, padding and marker', (t) => {
  const header: RtpHeader = {
    payloadType: 101,
    sequence: 40000,
    timestamp: 3000000000,
    ssrc: 0xcafebabe,
    marker: true,
    csrc: [1, 2, 0xfffffffe],
    extension: { profile: 0x1000, data: bytes(1, 2, 3, 4, 5, 6, 7, 8) },
    padding: 4,
  };
  const payload = bytes(9, 8, 7);
  const wire = writeRtp(header, payload);
  t.is(wire.length, rtpLength(header, 3));
  t.is(wire.length, 12 + 12 + 12 + 3 + 4);
  t.deepEqual([...wire.subarray(wire.length - 4)], [0, 0, 0, 4], 'zero padding ending in its count');
  const p = readRtp(wire)!;
  t.like(p, { payloadType: 101, sequence: 40000, timestamp: 3000000000, ssrc: 0xcafebabe, marker: true, padding: 4 });
  t.deepEqual([...p.csrc], [1, 2, 0xfffffffe]);
  t.deepEqual(p.extension, { profile: 0x1000, data: bytes(1, 2, 3, 4, 5, 6, 7, 8) });
  t.deepEqual(p.payload, payload);
  t.deepEqual(writeRtp(p, p.payload), wire, 'a parsed packet writes back identically');
  // Without optional parts: no CSRC array is allocated, no extension.
  const plain = readRtp(writeRtp({ payloadType: 0, sequence: 1, timestamp: 2, ssrc: 3 }, bytes()))!;
  t.deepEqual(plain, { marker: false, payloadType: 0, sequence: 1, timestamp: 2, ssrc: 3, csrc: [], extension: null, padding: 0, payload: bytes() });
});

test('the payload is a view into the input, not a copy', (t) => {
  const wire = writeRtp({ payloadType: 0, sequence: 1, timestamp: 2, ssrc: 3 }, bytes(5, 6));
  const p = readRtp(wire)!;
  t.is(p.payload.buffer, wire.buffer);
  t.is(p.payload.byteOffset, 12);
});

test('writes into a reusable buffer and refuses invalid headers', (t) => {
  const buf = new Uint8Array(100);
  const out = writeRtp({ payloadType: 8, sequence: 70000, timestamp: -1, ssrc: 5 }, bytes(1), buf);
  t.is(out.buffer, buf.buffer);
  t.is(out.length, 13);
  const p = readRtp(out)!;
  t.is(p.sequence, 70000 & 0xffff, 'sequence is taken mod 2^16');
  t.is(p.timestamp, 0xffffffff, 'timestamp mod 2^32');
  t.is(writeRtpInto({ payloadType: 8, sequence: 1, timestamp: 1, ssrc: 1 }, bytes(1, 2), buf, 50), 64);
  t.throws(() => writeRtp({ payloadType: 0, sequence: 0, timestamp: 0, ssrc: 0 }, new Uint8Array(100), buf), { instanceOf: RangeError });
  const h = { sequence: 0, timestamp: 0, ssrc: 0 };
  t.throws(() => writeRtp({ ...h, payloadType: 128 }, bytes()), { instanceOf: RangeError });
  t.throws(() => writeRtp({ ...h, payloadType: -1 }, bytes()), { instanceOf: RangeError });
  t.throws(() => writeRtp({ ...h, payloadType: 0, csrc: new Array(16).fill(1) }, bytes()), { instanceOf: RangeError });
  t.throws(() => writeRtp({ ...h, payloadType: 0, extension: { profile: 1, data: bytes(1, 2, 3) } }, bytes()), { instanceOf: RangeError });
  t.throws(() => writeRtp({ ...h, payloadType: 0, padding: 256 }, bytes()), { instanceOf: RangeError });
});

// Each is malformed by RFC 3550 §5.1/§5.3.1 (or A.1's validity checks).
const MALFORMED: [string, Uint8Array][] = [
  ['empty', bytes()],
  ['shorter than the fixed header', bytes(0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0)],
  ['version 0', bytes(0x00, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1)],
  ['version 1', bytes(0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1)],
  ['version 3', bytes(0xc0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1)],
  ['CSRC list past the end', bytes(0x82, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1)],
  ['15 CSRCs announced, none present', bytes(0x8f, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1)],
  ['extension header truncated', bytes(0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0)],
  ['extension length past the end', bytes(0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0, 2, 1, 2, 3, 4)],
  ['extension length 0xffff', bytes(0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0xff, 0xff)],
  ['padding count zero', bytes(0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 5, 0)],
  ['padding longer than the payload', bytes(0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 5, 3)],
  ['padding bit with no payload at all', bytes(0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 12)],
  ['padding reaching into the extension', bytes(0xb0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0, 1, 1, 2, 3, 4, 0, 3)],
];

test('malformed packets are null, from bytes and from byte strings', (t) => {
  for (const [name, wire] of MALFORMED) {
    t.is(readRtp(wire), null, name);
    t.is(readRtpBinary(bytesToBinary(wire)), null, name);
  }
});

test('edge cases that are valid', (t) => {
  // Padding that takes the whole payload; a zero-length extension; 15 CSRCs.
  t.is(readRtp(bytes(0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 9, 9, 2))!.payload.length, 1);
  t.is(readRtp(bytes(0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 3))!.payload.length, 0);
  const ext = readRtp(bytes(0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0, 0))!;
  t.is(ext.extension!.data.length, 0);
  const csrc = Array.from({ length: 15 }, (_, i) => i * 0x11111111);
  t.deepEqual(readRtp(writeRtp({ payloadType: 0, sequence: 0, timestamp: 0, ssrc: 0, csrc }, bytes()))!.csrc, csrc);
});

test('byte-string reading and writing agree with the octet versions', (t) => {
  const header: RtpHeader = {
    payloadType: 0, sequence: 7, timestamp: 8, ssrc: 9, marker: true, csrc: [1], extension: { profile: 2, data: bytes(1, 2, 3, 4) }, padding: 3,
  };
  const payload = bytes(0, 127, 128, 255);
  const bin = writeRtpBinary(header, payload);
  t.is(bin, bytesToBinary(writeRtp(header, payload)));
  t.deepEqual(readRtpBinary(bin), readRtp(binaryToBytes(bin)));
  // Larger than the shared send buffer.
  const big = new Uint8Array(3000).fill(0x41);
  t.is(writeRtpBinary({ payloadType: 0, sequence: 0, timestamp: 0, ssrc: 0 }, big).length, 3012);
});

const headerArb: fc.Arbitrary<RtpHeader> = fc.record({
  payloadType: fc.integer({ min: 0, max: 127 }),
  sequence: fc.integer({ min: 0, max: 0xffff }),
  timestamp: fc.integer({ min: 0, max: 0xffffffff }),
  ssrc: fc.integer({ min: 0, max: 0xffffffff }),
  marker: fc.boolean(),
  csrc: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
  extension: fc.option(
    fc.record({
      profile: fc.integer({ min: 0, max: 0xffff }),
      data: fc.integer({ min: 0, max: 4 }).chain((w) => fc.uint8Array({ minLength: 4 * w, maxLength: 4 * w })),
    }),
    { nil: null },
  ),
  padding: fc.integer({ min: 0, max: 255 }),
});

test('property: any valid header and payload round trip', (t) => {
  fc.assert(
    fc.property(headerArb, fc.uint8Array({ maxLength: 200 }), (h, payload) => {
      const wire = writeRtp(h, payload);
      const p = readRtp(wire) as RtpPacket;
      const fromBin = readRtpBinary(bytesToBinary(wire));
      return (
        p !== null &&
        p.payloadType === h.payloadType && p.sequence === h.sequence && p.timestamp === h.timestamp &&
        p.ssrc === h.ssrc && p.marker === h.marker && p.padding === h.padding &&
        JSON.stringify(p.csrc) === JSON.stringify(h.csrc) &&
        (h.extension === null ? p.extension === null : p.extension!.profile === h.extension!.profile &&
          bytesToBinary(p.extension!.data) === bytesToBinary(h.extension!.data)) &&
        bytesToBinary(p.payload) === bytesToBinary(payload) &&
        JSON.stringify(fromBin) === JSON.stringify(p)
      );
    }),
  );
  t.pass();
});

test('fuzz: random octets never throw; what parses writes back the same', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (raw, forceV2) => {
      const wire = raw.slice();
      if (forceV2 && wire.length > 0) wire[0] = (wire[0]! & 0x3f) | 0x80;
      const p = readRtp(wire);
      const q = readRtpBinary(bytesToBinary(wire));
      if (JSON.stringify(p) !== JSON.stringify(q)) return false;
      if (p === null) return true;
      // Padding octets other than the count are not kept; everything else is.
      if (p.padding === 0) return bytesToBinary(writeRtp(p, p.payload)) === bytesToBinary(wire);
      return writeRtp(p, p.payload).length === wire.length;
    }),
    { numRuns: 5000 },
  );
  t.pass();
});
