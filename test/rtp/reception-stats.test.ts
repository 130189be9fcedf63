import test from 'ava';
import { ReceptionStats } from '../../firmware/rtp/rtcp.ts';
import { compactNtp } from '../../firmware/rtp/ntp.ts';

/** Feeds sequence numbers 20 ms apart with matching 8 kHz timestamps. */
function feed(stats: ReceptionStats, seqs: number[], startMs = 0): boolean[] {
  return seqs.map((seq, i) => stats.update(seq, (seq * 160) >>> 0, startMs + i * 20));
}

test('expected, lost and fraction lost per reporting interval (A.3)', (t) => {
  const s = new ReceptionStats({ minSequential: 1 });
  feed(s, [0, 1, 2, 4, 5, 6, 8, 9]); // 3 and 7 missing
  t.is(s.received, 8);
  t.is(s.expected, 10);
  t.is(s.lost, 2);
  t.is(s.extendedMax, 9);
  const first = s.reportBlock(0xabc, 1000);
  t.is(first.fractionLost, 51, 'floor(2 * 256 / 10)');
  t.is(first.cumulativeLost, 2);
  t.is(first.highestSeq, 9);
  t.is(first.ssrc, 0xabc);
  feed(s, [10, 11, 12, 13, 14, 15, 16, 17, 18, 19], 200);
  const second = s.reportBlock(0xabc, 2000);
  t.is(second.fractionLost, 0, 'nothing lost in this interval');
  t.is(second.cumulativeLost, 2);
  feed(s, [20, 23], 400); // 21, 22 missing: 2 of 4 expected
  t.is(s.reportBlock(0xabc, 3000).fractionLost, 128);
  t.is(s.reportBlock(0xabc, 4000).fractionLost, 0, 'an empty interval');
});

test('probation: a new source is valid after MIN_SEQUENTIAL packets in sequence (A.1)', (t) => {
  const s = new ReceptionStats(); // minSequential 2
  t.deepEqual(feed(s, [100, 101, 102]), [false, true, true]);
  t.is(s.received, 2);
  t.is(s.expected, 2, 'counted from the packet that ended probation');
  const r = new ReceptionStats();
  t.deepEqual(feed(r, [7, 9, 10, 11]), [false, false, true, true], 'a gap restarts probation');
  t.is(r.expected, 2);
  const none = new ReceptionStats();
  t.is(none.expected, 0);
  t.is(none.reportBlock(1, 0).fractionLost, 0);
  // Sequence 0 right after a wrap must not be mistaken for a gap (65535 + 1 is 0 in 16 bits).
  const z = new ReceptionStats();
  t.deepEqual(feed(z, [65535, 0]), [false, true]);
});

test('sequence numbers wrap into the cycle count', (t) => {
  const s = new ReceptionStats({ minSequential: 1 });
  feed(s, [65533, 65534, 65535, 0, 1, 3]);
  t.is(s.extendedMax, 65536 + 3);
  t.is(s.expected, 7);
  t.is(s.lost, 1);
  t.is(s.reportBlock(1, 0).highestSeq, 0x00010003);
});

test('duplicates count as received, so loss can go negative', (t) => {
  const s = new ReceptionStats({ minSequential: 1 });
  feed(s, [1, 2, 2, 3, 1]);
  t.is(s.received, 5);
  t.is(s.expected, 3);
  t.is(s.lost, -2);
  const b = s.reportBlock(1, 0);
  t.is(b.cumulativeLost, -2);
  t.is(b.fractionLost, 0);
});

test('a large jump restarts the count only when the next packet confirms it', (t) => {
  const s = new ReceptionStats({ minSequential: 1 });
  feed(s, [10, 11, 12]);
  t.false(s.update(9000, 0, 100), 'stray packet');
  t.true(s.update(13, 13 * 160, 120));
  t.is(s.expected, 4);
  t.false(s.update(9000, 0, 140));
  t.true(s.update(9001, 160, 160), 'the source restarted');
  t.is(s.received, 1);
  t.is(s.expected, 1);
  t.is(s.extendedMax, 9001);
});

test('interarrival jitter follows A.8 (hand-computed)', (t) => {
  const s = new ReceptionStats({ minSequential: 1 });
  // Timestamps 160 apart; arrivals at 0, 20, 45, 60 ms (8 samples per ms).
  // D = 0, then (25 * 8 - 160) = 40, then (15 * 8 - 160) = -40.
  // J: 0 -> 0 + (40 - 0) / 16 = 2.5 -> 2.5 + (40 - 2.5) / 16 = 4.84375.
  s.update(0, 0, 0);
  s.update(1, 160, 20);
  t.is(s.jitter, 0);
  s.update(2, 320, 45);
  t.is(s.jitter, 2.5);
  s.update(3, 480, 60);
  t.is(s.jitter, 4.84375);
  t.is(s.jitterMs, 4.84375 / 8);
  t.is(s.reportBlock(1, 0).jitter, 4);
  // Timestamp wrap does not disturb it.
  const w = new ReceptionStats({ minSequential: 1 });
  w.update(0, 0xffffff60, 0);
  w.update(1, 0x00000000, 20);
  t.is(w.jitter, 0);
});

test('LSR and DLSR from the last SR received', (t) => {
  const s = new ReceptionStats({ minSequential: 1 });
  s.update(1, 160, 0);
  t.like(s.reportBlock(5, 0), { lsr: 0, dlsr: 0 });
  s.onSenderReport(0x12345678, 0x9abcdef0, 10_000);
  const b = s.reportBlock(5, 11_500);
  t.is(b.lsr, compactNtp(0x12345678, 0x9abcdef0));
  t.is(b.lsr, 0x56789abc);
  t.is(b.dlsr, 1.5 * 65536);
});
