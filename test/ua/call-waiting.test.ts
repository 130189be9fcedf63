// Call waiting on the desk phone: a second call rings as a tone and a line on the LCD while the
// first goes on; Answer puts the first on hold, Swap changes places, End brings the other one
// forward. A phone without softkeys (small2), or one already in two calls, answers 486.
import test from 'ava';
import { labWithPhones } from '../helpers/lab-phones.ts';
import type { EmuEvent, EmulatorProcess } from '../helpers/emulator-process.ts';

const state = (s: string, callId?: unknown) => (e: EmuEvent): boolean =>
  e.event === 'call_state' && e.state === s && (callId === undefined || e.call_id === callId);

/** `caller` calls `callee` (by number) and `callee` answers; the call id. */
async function connect(caller: EmulatorProcess, callee: EmulatorProcess, number: string): Promise<unknown> {
  const from = callee.events.length;
  caller.send({ dial: number });
  const incoming = await callee.waitFor((e) => e.event === 'incoming', 10000, from);
  callee.send({ key: 'send' });
  await caller.waitFor(state('connected', incoming.call_id));
  await callee.waitFor(state('connected', incoming.call_id), 10000, from);
  return incoming.call_id;
}

test.serial('a second call waits while alice talks; Answer holds the first, Swap swaps, End brings the held one forward', async (t) => {
  const { phone } = await labWithPhones(t);
  const [alice, bob, carol] = await Promise.all([phone('alice'), phone('bob'), phone('carol')]);
  const withBob = await connect(bob, alice, '2001');

  // carol calls alice: alice's call with bob goes on, a tone plays, line 2 blinks, the LCD says who.
  carol.send({ dial: '2001' });
  const waiting = await alice.waitFor((e) => e.event === 'incoming' && e.call_id !== withBob);
  await carol.waitFor(state('ringing', waiting.call_id));
  const screen = await alice.waitForScreen((l) => l[2] === 'Waiting: carol@127.0.0.1');
  t.regex(screen[0]!, /^Connected/);
  const lit = alice.events.filter((e) => e.event === 'display').pop()!;
  t.is((lit.leds as Record<string, string>).line2, 'blink');
  t.false(alice.events.some(state('held', withBob)), 'bob is not put on hold by a call that only waits');

  // Answer: bob goes on hold, carol is connected.
  alice.send({ key: 'soft1' });
  await bob.waitFor(state('held', withBob));
  await carol.waitFor(state('connected', waiting.call_id));
  await alice.waitForScreen((l) => l[0]!.startsWith('Connected') && l[1]!.startsWith('carol@') && l[2]!.startsWith('On hold: bob@'));
  const stats = await alice.waitFor((e) => e.event === 'media_stats' && e.call_id === waiting.call_id && Number(e.received) > 0, 15000);
  t.true(Number(stats.received) > 0, 'media with carol');

  // Swap: carol on hold, bob back.
  const n = bob.events.length;
  alice.send({ key: 'soft3' });
  await carol.waitFor(state('held', waiting.call_id));
  await bob.waitFor(state('connected', withBob), 10000, n);
  await alice.waitForScreen((l) => l[1]!.startsWith('bob@') && l[2]!.startsWith('On hold: carol@'));

  // End the call with bob: carol's, still on hold, comes forward; Resume takes it off hold.
  alice.send({ key: 'end' });
  t.is((await bob.waitFor(state('ended', withBob))).reason, 'Remote hangup');
  await alice.waitForScreen((l) => l[0]!.startsWith('On hold') && l[1]!.startsWith('carol@'), 10000);
  const m = carol.events.length;
  alice.send({ key: 'hold' });
  await carol.waitFor(state('connected', waiting.call_id), 10000, m);
  carol.send({ key: 'end' });
  await alice.waitFor(state('ended', waiting.call_id));
  await alice.waitForScreen((l) => l[1] === 'Registered', 10000);
});

test.serial('a waiting call can be refused (486) or given up by its caller (missed); a third call gets 486', async (t) => {
  const { phone } = await labWithPhones(t);
  const [alice, bob, carol, third] = await Promise.all([phone('alice'), phone('bob'), phone('carol'), phone('echo')]);
  const withBob = await connect(bob, alice, '2001');

  carol.send({ dial: '2001' });
  const first = await alice.waitFor((e) => e.event === 'incoming' && e.call_id !== withBob);
  await alice.waitForScreen((l) => l[2]!.startsWith('Waiting: carol@'));
  // A third caller while carol waits: busy.
  third.send({ dial: '2001' });
  t.is((await third.waitFor(state('ended'))).status, 486);
  alice.send({ key: 'soft2' }); // Reject
  t.is((await carol.waitFor(state('ended', first.call_id))).status, 486);
  await alice.waitForScreen((l) => l[2] === '' && l[0]!.startsWith('Connected'));

  // carol tries again and hangs up before alice answers: a missed call, the first call goes on.
  const from = alice.events.length;
  carol.send({ dial: '2001' });
  const second = await alice.waitFor((e) => e.event === 'incoming', 10000, from);
  await carol.waitFor(state('ringing', second.call_id));
  carol.send({ key: 'end' });
  t.is((await alice.waitFor(state('ended', second.call_id), 10000, from)).status, 487);
  await alice.waitForScreen((l) => l[0]!.startsWith('Connected') && l[2] === '');
  t.false(alice.events.some(state('ended', withBob)), 'the call with bob went on throughout');
  alice.send({ key: 'end' });
  await bob.waitFor(state('ended', withBob));
});

test.serial('small2 has no softkeys to take a waiting call with: a second call gets 486', async (t) => {
  const { phone } = await labWithPhones(t);
  const [alice, bob, carol] = await Promise.all([phone('alice', 'small2'), phone('bob'), phone('carol')]);
  const withBob = await connect(bob, alice, '2001');
  carol.send({ dial: '2001' });
  const ended = await carol.waitFor(state('ended'));
  t.is(ended.status, 486);
  t.false(alice.events.some((e) => e.event === 'incoming' && e.call_id !== withBob));
  alice.send({ key: 'end' });
  await bob.waitFor(state('ended', withBob));
});
