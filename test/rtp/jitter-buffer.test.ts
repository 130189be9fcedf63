import test from 'ava';
import fc from 'fast-check';
import { JitterBuffer } from '../../firmware/rtp/jitter-buffer.ts';
import { packet, prng, simulate, stream } from './jb-sim.ts';
import type { Arrival } from './jb-sim.ts';

const count = (log: string[], what: string): number => log.filter((x) => x === what).length;
const seqs = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => (from + i) & 0xffff);

test('an in-order stream plays in order after the initial delay', (t) => {
  const jb = new JitterBuffer();
  t.deepEqual(jb.pop(0), { payload: null, pt: -1, lost: false, packet: null }, 'idle before any packet');
  const r = simulate(jb, stream(20), 5, 445);
  // First packet at t=0; initial target 40 ms: it plays at the first pop with a wait >= 30.
  t.deepEqual(r.log.slice(0, 3), ['.', '.', '1000']);
  t.deepEqual(r.played, seqs(1000, 20));
  t.true(r.delays.every((d) => d === 45));
  t.like(jb.stats, { received: 20, lost: 0, late: 0, duplicates: 0, reordered: 0, underruns: 0, buffered: 0 });
  const pop = jb.pop(500);
  t.true(pop.lost, 'the stream stopped: conceal');
  t.is(pop.pt, 0, 'with the last payload type');
  t.is(jb.stats.underruns, 1);
});

test('reordered packets play in sequence order', (t) => {
  const jb = new JitterBuffer();
  const arrivals = stream(30);
  arrivals[10]!.at += 25; // 1010 arrives after 1011
  arrivals[20]!.at += 30; // 1020 after 1021
  const r = simulate(jb, arrivals, 5, 700);
  t.deepEqual(r.played, seqs(1000, 30));
  t.like(jb.stats, { reordered: 2, lost: 0, late: 0 });
});

test('duplicates are dropped, whether still buffered or already played', (t) => {
  const jb = new JitterBuffer();
  const arrivals = stream(20);
  arrivals.push({ packet: packet(1005, 50000 + 5 * 160), at: 101 }); // while 1005 is buffered
  arrivals.push({ packet: packet(1002, 50000 + 2 * 160), at: 150 }); // after 1002 played
  const r = simulate(jb, arrivals, 5, 500);
  t.deepEqual(r.played, seqs(1000, 20));
  t.like(jb.stats, { duplicates: 2, late: 0, lost: 0, received: 22 });
  t.false(jb.push(packet(1019, 50000 + 19 * 160), 600));
});

test('a missing packet is reported lost at its turn; when it comes later it is late', (t) => {
  const jb = new JitterBuffer();
  const arrivals = stream(30);
  arrivals[8]!.at += 300; // far too late
  arrivals.splice(15, 1); // never arrives
  const r = simulate(jb, arrivals, 5, 700);
  const expected = seqs(1000, 30).filter((s) => s !== 1008 && s !== 1015);
  t.deepEqual(r.played, expected);
  // The conceal frames sit exactly where 1008 and 1015 would have played.
  t.is(r.log[2 + 8], 'L');
  t.is(r.log[2 + 15], 'L');
  t.is(count(r.log.slice(0, 32), 'L'), 2);
  t.like(jb.stats, { lost: 2, late: 1 });
});

test('a burst of losses conceals one frame per missing packet, then resumes', (t) => {
  const jb = new JitterBuffer();
  const arrivals = stream(30).filter((a) => a.packet.sequence < 1010 || a.packet.sequence > 1013);
  const r = simulate(jb, arrivals, 5, 650);
  t.deepEqual(r.log.slice(12, 16), ['L', 'L', 'L', 'L']);
  t.is(r.log[16], '1014');
  t.is(jb.stats.lost, 4);
});

test('sequence numbers wrap around 65535', (t) => {
  const jb = new JitterBuffer();
  const arrivals = stream(40, { seq: 65520, ts: 0xfffff000 });
  arrivals[16]!.at += 25; // reorder across the wrap: 0 after 1
  const r = simulate(jb, arrivals, 5, 900);
  t.deepEqual(r.played, seqs(65520, 40));
  t.like(jb.stats, { lost: 0, late: 0, reordered: 1 });
});

test('a new SSRC resyncs: the old stream is flushed and the new one plays after prefill', (t) => {
  const jb = new JitterBuffer();
  const a = stream(10);
  const b = stream(10, { seq: 7, ts: 999, sentAt: 200, extra: { ssrc: 0x9999 } });
  const r = simulate(jb, [...a, ...b], 5, 500);
  // 1008 and 1009 were still waiting when the new stream began.
  t.deepEqual(r.played, [...seqs(1000, 8), ...seqs(7, 10)]);
  t.like(jb.stats, { resyncs: 1, dropped: 2, lost: 0 });
});

test('a timestamp jump backwards resyncs; a sequence jump needs confirmation', (t) => {
  const jb = new JitterBuffer();
  const a = stream(10);
  const b = stream(10, { seq: 1010, ts: 0, sentAt: 200 }); // same SSRC, time restarted
  const r = simulate(jb, [...a, ...b], 5, 500);
  t.deepEqual(r.played, [...seqs(1000, 8), ...seqs(1010, 10)]);
  t.like(jb.stats, { resyncs: 1, dropped: 2 });

  const jb2 = new JitterBuffer();
  const c = stream(10);
  c.push({ packet: packet(30000, 0), at: 105 }); // a stray packet far away: ignored
  const d = stream(10, { seq: 1010, ts: 50000 + 1600, sentAt: 200 });
  const e = stream(10, { seq: 40000, ts: 1, sentAt: 500 }); // a real restart: confirmed by 40001
  const r2 = simulate(jb2, [...c, ...d, ...e], 5, 800);
  t.deepEqual(r2.played, [...seqs(1000, 20), ...seqs(40001, 9)]);
  t.like(jb2.stats, { resyncs: 1, lost: 0 });
});

test('silence suppression: a marked talkspurt after a timestamp gap plays after the target delay', (t) => {
  const jb = new JitterBuffer();
  const first = stream(30);
  // 2 s of silence: sequence numbers continue, timestamps jump, the first packet is marked.
  const second = stream(10, { seq: 1030, ts: 50000 + 4800 + 16000, sentAt: 2600 });
  const r = simulate(jb, [...first, ...second], 5, 3000);
  t.deepEqual(r.played, seqs(1000, 40));
  t.like(jb.stats, { lost: 0, resyncs: 0, targetMs: 20 });
  // After warmup the target is 20 ms: the talkspurt starts at the first pop with a wait >= 10 ms
  // (the pop at 2605 sees a 5 ms wait), whatever the delay of the previous talkspurt was.
  t.is(5 + r.log.indexOf('1030') * 20, 2625);
  // Without a marker, a jump beyond maxDelay is treated the same way.
  const jb2 = new JitterBuffer();
  const unmarked = stream(10, { seq: 1030, ts: 50000 + 4800 + 16000, sentAt: 2600, extra: { marker: false } });
  const r2 = simulate(jb2, [...stream(30), ...unmarked], 5, 3000);
  t.deepEqual(r2.played, seqs(1000, 40));
  t.is(5 + r2.log.indexOf('1030') * 20, 2625);
  // A short unmarked gap keeps the sender's timing: 100 ms of silence, then due by timestamp.
  const jb3 = new JitterBuffer();
  const short = stream(10, { seq: 1030, ts: 50000 + 4800 + 800, sentAt: 700, extra: { marker: false } });
  const r3 = simulate(jb3, [...stream(30), ...short], 5, 1000);
  t.deepEqual(r3.played, seqs(1000, 40));
  t.is(r3.log.indexOf('1030') - r3.log.indexOf('1029'), 6, 'five silent frames in between');
});

test('a delay spike is absorbed by re-anchoring: no packet is lost or late', (t) => {
  const jb = new JitterBuffer();
  // Packets 1020..1023 are held 70 ms and then arrive together with 1024.
  const arrivals = stream(60, { delay: (i) => (i >= 20 && i < 24 ? 80 - (i - 20) * 20 : 0) });
  const r = simulate(jb, arrivals, 5, 1400);
  t.like(jb.stats, { lost: 0, late: 0, underruns: 2 }); // the spike, and the end of the stream
  // Everything plays but the frames dropped later to bring the grown delay back to target.
  t.is(r.played.length + jb.stats.dropped, 60);
  t.deepEqual(r.played.slice(0, 30), seqs(1000, 30));
  const before = r.delays[15]!;
  const after = r.delays[26]!;
  t.is(before, 45);
  t.is(after, 85, 'grew by the part of the 80 ms spike that 45 ms of buffer could not absorb');
  t.true(r.delays[r.delays.length - 1]! < after, 'and shrinks again');
});

test('the target follows measured jitter up, and the delay comes back down when it calms', (t) => {
  const rnd = prng(1);
  const jb = new JitterBuffer();
  // 4 s calm, 8 s of up to 80 ms random network delay, 8 s calm; 100 pops per 2 s window.
  const arrivals = stream(1000, { delay: (i) => (i >= 200 && i < 600 ? rnd() * 80 : 0) });
  const targets: number[] = [];
  const delays: number[] = [];
  const r = simulate(jb, arrivals, 5, 20005, 20, (k) => {
    if (k % 100 === 99) {
      targets.push(jb.stats.targetMs);
      delays.push(jb.stats.delayMs);
    }
  });
  t.true(targets[1]! <= 21, `calm target ${targets[1]}`);
  t.true(targets[4]! > 60, `target under jitter ${targets[4]}`);
  t.true(targets[9]! < 25, `target after calm ${targets[9]}`);
  // Concealment only while adapting to the onset of jitter, none once adapted.
  t.true(count(r.log.slice(200, 300), 'L') < 15);
  t.is(count(r.log.slice(300, 1000), 'L'), 0);
  // The buffer wait grew under jitter and was shrunk by dropping frames afterwards.
  t.true(delays[4]! > delays[1]! + 10, `delays ${delays.map(Math.round)}`);
  t.true(delays[9]! < delays[4]! - 10, `delays ${delays.map(Math.round)}`);
  t.true(jb.stats.dropped > 0);
  t.is(r.played.length + jb.stats.dropped + jb.stats.lost + jb.stats.buffered, 1000, 'every packet played, dropped, lost or still held');
});

test('memory stays bounded: at most capacity packets are held', (t) => {
  const jb = new JitterBuffer({ capacity: 64 });
  for (let i = 0; i < 1000; i++) jb.push(packet(i, i * 160), 0);
  t.is(jb.stats.buffered, 64);
  t.is(jb.stats.dropped, 1000 - 64);
  // What is kept is the newest, and it plays in order.
  const first = jb.pop(100).packet!;
  t.is(first.sequence, 1000 - 64);
  const small = new JitterBuffer({ capacity: 10 });
  for (let i = 0; i < 100; i++) small.push(packet(i, i * 160), 0);
  t.is(small.stats.buffered, 16, 'rounded up to a power of two');
});

test('RFC 4733 events with repeated timestamps pass through without disturbing audio', (t) => {
  const jb = new JitterBuffer();
  const audio = stream(10);
  // Three event packets share the timestamp of the event start, then audio resumes.
  const evTs = 50000 + 10 * 160;
  const events: Arrival[] = [0, 1, 2].map((k) => ({
    packet: packet(1010 + k, evTs, { payloadType: 101, marker: k === 0 }),
    at: 200 + k * 20,
  }));
  const after = stream(10, { seq: 1013, ts: evTs + 480, sentAt: 260, extra: { marker: false } });
  const r = simulate(jb, [...audio, ...events, ...after], 5, 800);
  t.deepEqual(r.played, seqs(1000, 23));
  t.is(jb.stats.lost, 0);
  t.true(jb.stats.jitterMs < 1, `events do not count as jitter: ${jb.stats.jitterMs}`);
});

test('fuzz: hostile packet sequences never throw and never exceed capacity', (t) => {
  const pkt = fc.record({
    sequence: fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 100, max: 140 })),
    timestamp: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 8000 })),
    ssrc: fc.constantFrom(1, 2, 0xffffffff),
    marker: fc.boolean(),
    payloadType: fc.constantFrom(0, 8, 13, 101),
    dt: fc.integer({ min: 0, max: 100 }),
    pops: fc.integer({ min: 0, max: 3 }),
  });
  fc.assert(
    fc.property(fc.array(pkt, { maxLength: 300 }), (list) => {
      const jb = new JitterBuffer({ capacity: 16 });
      let now = 0;
      for (const p of list) {
        now += p.dt;
        jb.push(packet(p.sequence, p.timestamp, { ssrc: p.ssrc, marker: p.marker, payloadType: p.payloadType }), now);
        for (let k = 0; k < p.pops; k++) {
          const r = jb.pop(now);
          if (r.payload !== null && r.lost) return false;
        }
        if (jb.stats.buffered > 16 || jb.stats.buffered < 0) return false;
      }
      return true;
    }),
    { numRuns: 500 },
  );
  t.pass();
});
