import test from 'ava';
import fc from 'fast-check';
import {
  DIGIT_TO_EVENT,
  DtmfReceiver,
  DtmfSender,
  digitToEvent,
  dtmfRelayBody,
  eventToDigit,
  parseDtmfRelay,
  type DtmfPacket,
} from '../../firmware/media/dtmf.ts';

const FRAME = 160; // 20 ms at 8000 Hz
const ALL_DIGITS = '0123456789*#ABCD'.split('');

function duration(p: DtmfPacket): number {
  return (p.payload[2]! << 8) | p.payload[3]!;
}

/** Calls next() until the sender goes idle (with a safety limit). */
function drain(sender: DtmfSender, limit = 10000): DtmfPacket[] {
  const packets: DtmfPacket[] = [];
  for (let i = 0; i < limit; i++) {
    const p = sender.next(FRAME);
    if (!p) return packets;
    packets.push(p);
  }
  throw new Error('sender never went idle');
}

test('event codes: 0-9, * = 10, # = 11, A-D = 12-15, both ways', (t) => {
  ALL_DIGITS.forEach((digit, code) => {
    t.is(DIGIT_TO_EVENT[digit], code);
    t.is(digitToEvent(digit), code);
    t.is(eventToDigit(code), digit);
  });
  t.is(digitToEvent('a'), 12);
  t.is(digitToEvent('E'), -1);
  t.is(digitToEvent('55'), -1);
  t.is(eventToDigit(16), null);
  t.is(eventToDigit(-1), null);
  t.is(eventToDigit(1.5), null);
});

test('a short key press still lasts the minimum duration, then ends with three end packets', (t) => {
  const sender = new DtmfSender();
  t.true(sender.start('5', 1000));
  sender.stop();
  const packets = drain(sender);
  t.deepEqual(packets.map(duration), [160, 320, 480, 640, 800, 800, 800]);
  t.deepEqual(packets.map((p) => p.marker), [true, false, false, false, false, false, false]);
  t.deepEqual(packets.map((p) => p.endOfEvent), [false, false, false, false, true, true, true]);
  t.true(packets.every((p) => p.timestamp === 1000));
  t.true(packets.every((p) => p.payload.length === 4 && p.payload[0] === 5));
  // E bit plus volume 10 (-10 dBm0); R bit clear.
  t.deepEqual(packets.map((p) => p.payload[1]), [10, 10, 10, 10, 0x8a, 0x8a, 0x8a]);
  t.false(sender.busy);
  t.is(sender.next(FRAME), null);
});

test('a held key: duration grows every frame until stop()', (t) => {
  const sender = new DtmfSender({ volume: 6 });
  sender.start('#', 42);
  const held: DtmfPacket[] = [];
  for (let i = 0; i < 20; i++) held.push(sender.next(FRAME)!);
  t.deepEqual(held.map(duration), Array.from({ length: 20 }, (_, i) => (i + 1) * FRAME));
  t.true(held.every((p) => !p.endOfEvent && p.timestamp === 42 && p.payload[0] === 11 && p.payload[1] === 6));
  sender.stop();
  const rest = drain(sender);
  t.deepEqual(rest.map(duration), [3360, 3360, 3360]);
  t.true(rest.every((p) => p.endOfEvent && !p.marker && p.timestamp === 42));
});

test('minimum duration is configurable and scales with the clock rate', (t) => {
  const sender = new DtmfSender({ clockRate: 16000, minDurationMs: 40 });
  sender.start('1', 0);
  sender.stop();
  t.deepEqual(drain(sender).map(duration), [160, 320, 480, 640, 640, 640], '40 ms = 640 units at 16 kHz');
});

test('a long event is split into segments when the duration would pass 0xFFFF', (t) => {
  const sender = new DtmfSender();
  const start = 0xffffff00; // also crosses the 32-bit timestamp wrap
  sender.start('9', start);
  const packets: DtmfPacket[] = [];
  for (let i = 0; i < 900; i++) packets.push(sender.next(FRAME)!);
  sender.stop();
  packets.push(...drain(sender));

  // Frame 410 would report 65600: it reports 0xFFFF in the old segment instead.
  t.is(duration(packets[408]!), 409 * FRAME);
  t.is(packets[409]!.timestamp, start);
  t.is(duration(packets[409]!), 0xffff);
  t.false(packets[409]!.endOfEvent);
  const second = (start + 0xffff) >>> 0;
  t.is(packets[410]!.timestamp, second);
  t.is(duration(packets[410]!), 411 * FRAME - 0xffff);
  t.false(packets[410]!.marker);
  // Third segment.
  const third = (second + 0xffff) >>> 0;
  const thirdPackets = packets.filter((p) => p.timestamp === third);
  t.true(thirdPackets.length > 0);
  t.true(packets.every((p) => duration(p) <= 0xffff));
  t.is(packets.filter((p) => p.marker).length, 1);
  const ends = packets.filter((p) => p.endOfEvent);
  t.is(ends.length, 3);
  t.true(ends.every((p) => p.timestamp === third && duration(p) === ((start + 901 * FRAME - third) >>> 0)));

  // The receiver hears one key press, not three.
  const receiver = new DtmfReceiver();
  const heard = packets.map((p) => receiver.receive(p.payload, p.timestamp, p.marker)).filter((d) => d !== null);
  t.deepEqual(heard, ['9']);
});

test('digits pressed quickly are queued and played one after another', (t) => {
  const sender = new DtmfSender();
  t.true(sender.start('1', 5000));
  sender.stop();
  t.true(sender.start('2', 5000)); // the timestamp of a queued digit is not used
  sender.stop();
  t.true(sender.start('3', 5160));
  // '3' is still held: a later key down releases it.
  t.true(sender.start('4', 5160));
  sender.stop();
  const packets = drain(sender);
  const starts = packets.filter((p) => p.marker);
  t.deepEqual(starts.map((p) => p.payload[0]), [1, 2, 3, 4]);
  // Each event starts where the one before finished its three end packets (7 frames).
  t.deepEqual(starts.map((p) => p.timestamp), [5000, 5000 + 7 * FRAME, 5000 + 14 * FRAME, 5000 + 21 * FRAME]);
  for (const event of [1, 2, 3, 4]) {
    const own = packets.filter((p) => p.payload[0] === event);
    t.is(own.length, 7);
    t.is(own.filter((p) => p.endOfEvent).length, 3);
    t.true(own.every((p) => p.timestamp === own[0]!.timestamp));
  }
});

test('start() refuses non-DTMF keys; reset() drops everything', (t) => {
  const sender = new DtmfSender();
  t.false(sender.start('x', 0));
  t.false(sender.start('', 0));
  t.false(sender.busy);
  sender.start('7', 0);
  sender.next(FRAME);
  sender.reset();
  t.false(sender.busy);
  t.is(sender.next(FRAME), null);
});

test('the queue has a limit', (t) => {
  const sender = new DtmfSender();
  let accepted = 0;
  for (let i = 0; i < 40; i++) if (sender.start('1', 0)) accepted++;
  t.is(accepted, 16);
});

test('receiver reports each event once: updates and end retransmissions are deduplicated', (t) => {
  const sender = new DtmfSender();
  sender.start('8', 777);
  for (let i = 0; i < 10; i++) sender.next(FRAME); // keep the packets of a held key
  sender.start('8', 0); // the same key again: a second event
  sender.stop();
  const packets = drain(sender);
  const receiver = new DtmfReceiver();
  const heard: string[] = [];
  for (const p of packets) {
    // Every packet arrives twice (network duplication).
    for (let copy = 0; copy < 2; copy++) {
      const digit = receiver.receive(p.payload, p.timestamp, p.marker);
      if (digit !== null) heard.push(digit);
    }
  }
  t.deepEqual(heard, ['8', '8']);
  // Late packets of an older event after a newer one started are ignored.
  const older = new Uint8Array([8, 0x8a, 0, 160]);
  t.is(receiver.receive(older, 777 - 1000, false), null);
});

test('receiver reports an event even when its first packet (with the marker) was lost', (t) => {
  const sender = new DtmfSender();
  sender.start('3', 100);
  sender.stop();
  const packets = drain(sender).slice(1);
  const receiver = new DtmfReceiver();
  const heard = packets.map((p) => receiver.receive(p.payload, p.timestamp, p.marker)).filter((d) => d !== null);
  t.deepEqual(heard, ['3']);
});

test('round trip: all 16 events, queued, arrive once each and in order', (t) => {
  const sender = new DtmfSender();
  for (const digit of ALL_DIGITS) {
    sender.start(digit, 123456);
    sender.stop();
  }
  const receiver = new DtmfReceiver();
  const heard: string[] = [];
  for (const p of drain(sender)) {
    const digit = receiver.receive(p.payload, p.timestamp, p.marker);
    if (digit !== null) heard.push(digit);
  }
  t.deepEqual(heard, ALL_DIGITS);
});

test('round trip: the same digit twice is heard twice', (t) => {
  const sender = new DtmfSender();
  sender.start('0', 0);
  sender.stop();
  sender.start('0', 0);
  sender.stop();
  const receiver = new DtmfReceiver();
  const heard = drain(sender)
    .map((p) => receiver.receive(p.payload, p.timestamp, p.marker))
    .filter((d) => d !== null);
  t.deepEqual(heard, ['0', '0']);
});

test('malformed payloads are ignored', (t) => {
  const receiver = new DtmfReceiver();
  t.is(receiver.receive(new Uint8Array([]), 0, true), null);
  t.is(receiver.receive(new Uint8Array([5, 10, 0]), 0, true), null);
  t.is(receiver.receive(new Uint8Array([16, 10, 0, 160]), 0, true), null, 'event 16 (flash) is not a digit');
  t.is(receiver.receive(new Uint8Array([255, 0x8a, 0xff, 0xff]), 0, true), null);
  // A valid packet afterwards still works.
  t.is(receiver.receive(new Uint8Array([5, 10, 0, 160]), 160, true), '5');
});

test('random bytes never throw and yield at most one DTMF digit', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ bytes: fc.uint8Array({ maxLength: 12 }), ts: fc.nat(), marker: fc.boolean() }), { maxLength: 50 }),
      (packets) => {
        const receiver = new DtmfReceiver();
        for (const p of packets) {
          const digit = receiver.receive(p.bytes, p.ts, p.marker);
          if (digit !== null && !(digit.length === 1 && ALL_DIGITS.includes(digit))) return false;
        }
        return true;
      },
    ),
  );
  t.pass();
});

test('SIP INFO dtmf-relay body', (t) => {
  t.is(dtmfRelayBody('5', 160), 'Signal=5\r\nDuration=160\r\n');
  t.is(dtmfRelayBody('a', 99.6), 'Signal=A\r\nDuration=100\r\n');
  t.throws(() => dtmfRelayBody('x', 100), { instanceOf: RangeError });
  for (const digit of ALL_DIGITS) t.is(parseDtmfRelay(dtmfRelayBody(digit, 250)), digit);
});

test('dtmf-relay parser is lenient about spacing, case and numeric * #, strict about the digit', (t) => {
  t.is(parseDtmfRelay('signal= *\nduration=100\n'), '*');
  t.is(parseDtmfRelay('Duration=100\r\nSIGNAL = #\r\n'), '#');
  t.is(parseDtmfRelay('Signal=10\r\n'), '*');
  t.is(parseDtmfRelay('Signal=11\r\n'), '#');
  t.is(parseDtmfRelay('Signal=d\r\n'), 'D');
  t.is(parseDtmfRelay('Signal=16\r\n'), null);
  t.is(parseDtmfRelay('Signal=\r\n'), null);
  t.is(parseDtmfRelay('Signal=55\r\n'), null);
  t.is(parseDtmfRelay('Duration=100\r\n'), null);
  t.is(parseDtmfRelay(''), null);
  fc.assert(
    fc.property(fc.string(), (body) => {
      const digit = parseDtmfRelay(body);
      return digit === null || ALL_DIGITS.includes(digit);
    }),
  );
});
