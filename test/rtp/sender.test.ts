import test from 'ava';
import { readRtp } from '../../firmware/rtp/packet.ts';
import { ntpToMs } from '../../firmware/rtp/ntp.ts';
import { RtpSender } from '../../firmware/rtp/sender.ts';
import { bytesToBinary } from '../../firmware/util/utf8.ts';

/** A random source that hands out the given values in order. */
function scripted(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

test('SSRC, first sequence number and timestamp come from the random source', (t) => {
  const s = new RtpSender({ payloadType: 0, random: scripted(0xdeadbeef, 0x12345678, 0xfffffff0) });
  t.is(s.ssrc, 0xdeadbeef);
  t.is(s.sequence, 0x5678, 'low 16 bits');
  t.is(s.timestamp, 0xfffffff0);
  const p = readRtp(s.next(new Uint8Array(160)))!;
  t.like(p, { ssrc: 0xdeadbeef, sequence: 0x5678, timestamp: 0xfffffff0, payloadType: 0, marker: true });
  // A fixed SSRC does not consume a random number.
  const f = new RtpSender({ payloadType: 8, ssrc: 42, random: scripted(7, 9) });
  t.deepEqual([f.ssrc, f.sequence, f.timestamp], [42, 7, 9]);
  // Non-integer randoms are truncated into range.
  const r = new RtpSender({ payloadType: 0, random: scripted(1.9, 65537.5, 4294967295.9) });
  t.deepEqual([r.ssrc, r.sequence, r.timestamp], [1, 1, 4294967295]);
});

test('sequence and timestamp advance per packet and wrap', (t) => {
  const s = new RtpSender({ payloadType: 0, random: scripted(1, 65534, 0xffffff00) });
  const seen = [0, 1, 2, 3].map(() => readRtp(s.next(new Uint8Array(160)).slice())!);
  t.deepEqual(seen.map((p) => p.sequence), [65534, 65535, 0, 1]);
  t.deepEqual(seen.map((p) => p.timestamp), [0xffffff00, 0xffffffa0, 0x40, 0xe0]);
  t.deepEqual(seen.map((p) => p.marker), [true, false, false, false], 'only the first packet is marked');
  t.is(s.packetCount, 4);
  t.is(s.octetCount, 640);
  // An explicit frame size and marker.
  const p = readRtp(s.next(new Uint8Array(80), 80, true))!;
  t.true(p.marker);
  t.is(s.timestamp, (0xe0 + 160 + 80) >>> 0);
});

test('advance() skips timestamp for suppressed silence and marks the next talkspurt', (t) => {
  const s = new RtpSender({ payloadType: 0, random: scripted(1, 100, 1000) });
  s.next(new Uint8Array(160));
  s.advance(8000);
  const p = readRtp(s.next(new Uint8Array(160)))!;
  t.is(p.sequence, 101, 'no sequence number spent on silence');
  t.is(p.timestamp, 1000 + 160 + 8000);
  t.true(p.marker);
  t.false(readRtp(s.next(new Uint8Array(160)))!.marker);
});

test('ptime from 10 to 60 ms sets samples per packet', (t) => {
  const s = new RtpSender({ payloadType: 0, random: scripted(1), ptimeMs: 10 });
  t.is(s.samplesPerPacket, 80);
  for (const [ms, samples] of [[20, 160], [30, 240], [40, 320], [60, 480]]) {
    s.setPtime(ms!);
    t.is(s.samplesPerPacket, samples);
    t.is(s.ptimeMs, ms);
  }
  const before = s.timestamp;
  s.next(new Uint8Array(480));
  t.is(s.timestamp, (before + 480) >>> 0, 'the default step is the ptime');
  for (const bad of [9, 61, 20.5, NaN]) t.throws(() => s.setPtime(bad), { instanceOf: RangeError });
  t.throws(() => new RtpSender({ payloadType: 0, random: scripted(1), ptimeMs: 100 }), { instanceOf: RangeError });
  const wide = new RtpSender({ payloadType: 96, random: scripted(1), clockRate: 16000, ptimeMs: 30 });
  t.is(wide.samplesPerPacket, 480);
});

test('byte-string packets equal the octet ones; large payloads grow the buffer', (t) => {
  const a = new RtpSender({ payloadType: 0, random: scripted(5, 6, 7) });
  const b = new RtpSender({ payloadType: 0, random: scripted(5, 6, 7) });
  const payload = new Uint8Array(160).map((_, i) => i);
  t.is(a.nextBinary(payload), bytesToBinary(b.next(payload)));
  t.is(a.nextBinary(payload, 160, true), bytesToBinary(b.next(payload, 160, true)));
  const big = new Uint8Array(2000).fill(1);
  t.is(a.next(big).length, 2012);
  t.is(a.nextBinary(payload).length, 172);
  t.is(a.next(payload).length, 172);
});

test('sender info for an SR and a new SSRC after a collision', (t) => {
  const s = new RtpSender({ payloadType: 0, random: scripted(11, 0, 500, 99) });
  s.next(new Uint8Array(160));
  s.next(new Uint8Array(160));
  const info = s.senderInfo(1_700_000_000_250);
  t.is(info.packetCount, 2);
  t.is(info.octetCount, 320);
  t.is(info.rtpTimestamp, 500 + 320);
  t.is(ntpToMs(info.ntpSeconds, info.ntpFraction), 1_700_000_000_250);
  s.changeSsrc();
  t.is(s.ssrc, 99);
  t.is(s.packetCount, 0);
  t.is(readRtp(s.next(new Uint8Array(1)))!.ssrc, 99);
  s.payloadType = 13;
  t.is(readRtp(s.next(new Uint8Array(1)))!.payloadType, 13);
});
