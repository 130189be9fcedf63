// Call history: outcomes, the bound, damaged storage; and two emulated phones through the lab
// whose calls land in both histories, survive a reboot and show as missed on the idle screen.
import test from 'ava';
import type { StorageHal } from '../../hal/contract.ts';
import { CallHistory, HISTORY_MAX, outcomeOf } from '../../firmware/app/call-history.ts';
import type { HistoryEntry } from '../../firmware/app/call-history.ts';
import { labWithPhones } from '../helpers/lab-phones.ts';
import type { EmulatorProcess, EmuEvent } from '../helpers/emulator-process.ts';

function memoryStorage(): StorageHal & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    get: (k) => data.get(k) ?? null,
    set: (k, v) => (data.set(k, v), true),
    remove: (k) => void data.delete(k),
    keys: () => [...data.keys()],
  };
}

const entry = (i: number, outcome: HistoryEntry['outcome'] = 'answered'): HistoryEntry => ({
  direction: 'in', remote: `caller${i}`, address: `c${i}@lab`, start: 1_700_000_000_000 + i, duration: i, outcome, status: outcome === 'missed' ? 487 : 200,
});

test('outcomes from direction, answer and status', (t) => {
  t.is(outcomeOf('in', true, 200), 'answered');
  t.is(outcomeOf('out', true, 200), 'answered');
  t.is(outcomeOf('in', false, 487), 'missed');
  t.is(outcomeOf('in', false, 603), 'rejected');
  t.is(outcomeOf('in', false, 486), 'rejected');
  t.is(outcomeOf('in', false, 504), 'failed');
  t.is(outcomeOf('out', false, 486), 'rejected');
  t.is(outcomeOf('out', false, 404), 'failed');
  t.is(outcomeOf('out', false, 487), 'cancelled');
});

test('bounded to the last calls, newest first, and persisted with the missed count', (t) => {
  const storage = memoryStorage();
  const h = new CallHistory(storage, () => {});
  for (let i = 0; i < HISTORY_MAX + 5; i++) h.add(entry(i, i % 10 === 0 ? 'missed' : 'answered'));
  t.is(h.entries.length, HISTORY_MAX);
  t.is(h.entries[0]!.remote, `caller${HISTORY_MAX + 4}`);
  t.is(h.missed, 3);
  const again = new CallHistory(storage, () => {});
  again.load();
  t.deepEqual(again.entries, h.entries);
  t.is(again.missed, 3);
  again.seen();
  const third = new CallHistory(storage, () => {});
  third.load();
  t.is(third.missed, 0);
});

test('damaged stored history is dropped with a log line, never a crash', (t) => {
  const storage = memoryStorage();
  const logs: string[] = [];
  const h = new CallHistory(storage, (m) => logs.push(m));
  for (const raw of ['{not json', '[]', '"text"', 'null', '{"calls":5}']) {
    storage.data.set('call-history', raw);
    h.load();
    t.deepEqual(h.entries, [], raw);
    t.is(h.missed, 0);
  }
  t.is(logs.length, 5);
  storage.data.set('call-history', JSON.stringify({
    calls: [entry(1), { ...entry(2), outcome: 'exploded' }, { ...entry(3), start: -1 }, null, 'x', { ...entry(4), remote: 'r'.repeat(1000) }, entry(5, 'missed')],
    missed: 99,
  }));
  h.load();
  t.deepEqual(h.entries.map((e) => e.remote), ['caller1', 'caller5']);
  t.is(h.missed, 2); // clamped to what is there
  t.regex(logs.at(-1)!, /5 damaged entries dropped/);
  h.add(entry(6)); // and it carries on
  t.is(h.entries.length, 3);
});

async function history(p: EmulatorProcess): Promise<{ missed: number; calls: HistoryEntry[] }> {
  const n = p.events.length;
  p.send({ cmd: 'history' });
  const e: EmuEvent = await p.waitFor((ev) => ev.event === 'history', 10000, n);
  return e as unknown as { missed: number; calls: HistoryEntry[] };
}

async function ended(p: EmulatorProcess, from: number): Promise<EmuEvent> {
  return p.waitFor((e) => e.event === 'call_state' && e.state === 'ended', 20000, from);
}

test.serial('calls between two phones land in both histories, survive a reboot and show as missed', async (t) => {
  const { phone } = await labWithPhones(t);
  const [alice, bob] = await Promise.all([phone('alice'), phone('bob', 'small2')]);
  const t0 = Date.now();

  // 1. answered, about a second long
  let a = alice.events.length;
  let b = bob.events.length;
  const dialAt = Date.now();
  alice.send({ dial: '2002' });
  await bob.waitFor((e) => e.event === 'incoming', 20000, b);
  bob.send({ key: 'send' });
  await alice.waitFor((e) => e.event === 'call_state' && e.state === 'connected', 20000, a);
  await new Promise((r) => setTimeout(r, 1200));
  alice.send({ key: 'end' });
  await Promise.all([ended(alice, a), ended(bob, b)]);
  const answeredSpan = Date.now() - dialAt; // contains the call: an upper bound that holds however slow the machine

  // 2. alice gives up while bob's phone rings: missed for bob
  a = alice.events.length;
  b = bob.events.length;
  alice.send({ dial: '2002' });
  await bob.waitFor((e) => e.event === 'incoming', 20000, b);
  await alice.waitFor((e) => e.event === 'call_state' && e.state === 'ringing', 20000, a);
  alice.send({ key: 'end' });
  await Promise.all([ended(alice, a), ended(bob, b)]);

  // 3. bob rejects (small2 has no softkeys: end → 486)
  a = alice.events.length;
  b = bob.events.length;
  alice.send({ dial: '2002' });
  await bob.waitFor((e) => e.event === 'incoming', 20000, b);
  bob.send({ key: 'end' });
  await Promise.all([ended(alice, a), ended(bob, b)]);

  const ha = await history(alice);
  const hb = await history(bob);
  t.deepEqual(ha.calls.map((c) => [c.direction, c.outcome, c.status]), [['out', 'rejected', 486], ['out', 'cancelled', 487], ['out', 'answered', 200]]);
  t.deepEqual(hb.calls.map((c) => [c.direction, c.outcome, c.status]), [['in', 'rejected', 486], ['in', 'missed', 487], ['in', 'answered', 200]]);
  t.regex(ha.calls[0]!.remote, /^2002@127\.0\.0\.1/);
  t.regex(hb.calls[0]!.remote, /alice/i);
  t.regex(hb.calls[0]!.address, /^alice@127\.0\.0\.1/);
  t.true(ha.calls[2]!.duration >= 1 && ha.calls[2]!.duration <= Math.ceil(answeredSpan / 1000), `duration ${ha.calls[2]!.duration} s within ${answeredSpan} ms`);
  for (const c of [...ha.calls, ...hb.calls]) t.true(c.start >= t0 - 2000 && c.start <= Date.now(), 'wall-clock start');
  t.is(ha.missed, 0);
  t.is(hb.missed, 1);
  await bob.waitForScreen((l) => l[1] === '1 missed call', 15000);
  t.true(bob.events.some((e) => e.event === 'display' && (e.leds as Record<string, string>).message === 'blink'));

  // A reboot keeps it all.
  let n = bob.events.length;
  bob.send({ cmd: 'reboot' });
  await bob.waitFor((e) => e.event === 'boot', 20000, n);
  t.deepEqual(await history(bob), hb);
  await bob.waitForScreen((l) => l[1] === '1 missed call', 15000);

  // small2: the end key opens the history (last call first) and clears the missed count.
  n = bob.events.length;
  bob.send({ key: 'end' });
  const shown = await bob.waitForScreen((l) => l[0]!.startsWith('<'), 10000);
  t.regex(shown[1]!, /^1\/3 reject \d\d:\d\d$/); // clipped to 16 columns
  bob.send({ key: '8' });
  await bob.waitForScreen((l) => /^2\/3 missed/.test(l[1]!));
  bob.send({ key: 'end' });
  await bob.waitFor((e) => e.event === 'display' && (e.leds as Record<string, string>).message === undefined, 10000, n);
  t.is((await history(bob)).missed, 0);

  // desk6: the History softkey lists the calls with the selection inverted.
  alice.send({ key: 'soft3' });
  const list = await alice.waitForScreen((l) => l[0]!.startsWith('Call history'));
  t.regex(list[0]!, /1\/3$/);
  t.regex(list[1]!, /^> 2002@.* busy \d\d:\d\d$/);
  t.regex(list[2]!, /^> 2002@.* cancelled \d\d:\d\d$/);
  t.regex(list[3]!, /^> 2002@.* 0:0\d \d\d:\d\d$/);
});
