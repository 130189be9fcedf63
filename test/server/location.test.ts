// The location service: RFC 3261 §10.3 binding rules, ordering, expiry, caps, and how it uses a
// store (saving, restoring). The JSON file store itself: location-store.test.ts.
import test from 'ava';
import { LocationService, secondsLeft } from '../../server/location.ts';
import type { Binding, ContactChange, RegisterChanges } from '../../server/location.ts';
import { MemoryStore } from '../../server/location-store.ts';
import type { LocationStore } from '../../server/location-store.ts';

const AOR = 'sip:alice@lab.example';
const T0 = 1_700_000_000_000;

/** Awaits a debounced save: the service unrefs its timer, so hold the process open meanwhile. */
async function held<T>(p: Promise<T>): Promise<T> {
  const hold = setInterval(() => {}, 1000);
  try {
    return await p;
  } finally {
    clearInterval(hold);
  }
}

/** A REGISTER's changes, with defaults for what a test does not care about. */
function reg(contacts: Array<string | ContactChange> | '*', over: Partial<RegisterChanges> = {}): RegisterChanges {
  return {
    now: T0,
    callId: 'call-1',
    cseq: 1,
    contacts: contacts === '*' ? '*' : contacts.map((c) => (typeof c === 'string' ? { contact: c, expires: 3600 } : c)),
    received: { transport: 'UDP', address: '198.51.100.7', port: 40000 },
    userAgent: 'quip/0.1',
    ...over,
  };
}

test('a binding records contact, expiry, q, call-id, cseq, source and user agent', (t) => {
  const loc = new LocationService();
  const r = loc.update(AOR, reg([{ contact: 'sip:alice@192.0.2.1:5060', expires: 600, q: 0.7, instance: '<urn:uuid:1>', regId: 1 }]));
  t.true(r.ok);
  const [b] = loc.bindings(AOR, T0);
  t.like(b, {
    aor: AOR, contact: 'sip:alice@192.0.2.1:5060', expiresAt: T0 + 600_000, q: 0.7, callId: 'call-1', cseq: 1,
    received: { transport: 'UDP', address: '198.51.100.7', port: 40000 }, instance: '<urn:uuid:1>', regId: 1,
    userAgent: 'quip/0.1', updatedAt: T0,
  });
  t.is(b!.uri.scheme, 'sip');
  t.is(secondsLeft(b!, T0 + 1), 600);
  t.is(loc.count(AOR, T0), 1);
  t.is(loc.size, 1);
  t.deepEqual(loc.aors(), [AOR]);
});

test('bindings are sorted by q, then most recent; expired ones are not returned', (t) => {
  const loc = new LocationService();
  loc.update(AOR, reg([{ contact: 'sip:a@192.0.2.1', expires: 100, q: 0.5 }], { callId: 'c1' }));
  loc.update(AOR, reg([{ contact: 'sip:b@192.0.2.2', expires: 100, q: 0.5 }], { callId: 'c2', now: T0 + 10 }));
  loc.update(AOR, reg([{ contact: 'sip:c@192.0.2.3', expires: 100 }], { callId: 'c3' }));
  loc.update(AOR, reg([{ contact: 'sip:d@192.0.2.4', expires: 5, q: 1 }], { callId: 'c4', now: T0 + 20 }));
  t.deepEqual(loc.bindings(AOR, T0 + 20).map((b) => b.contact), ['sip:d@192.0.2.4', 'sip:c@192.0.2.3', 'sip:b@192.0.2.2', 'sip:a@192.0.2.1']);
  t.deepEqual(loc.bindings(AOR, T0 + 5020).map((b) => b.contact), ['sip:c@192.0.2.3', 'sip:b@192.0.2.2', 'sip:a@192.0.2.1']);
  t.deepEqual(loc.bindings('sip:nobody@lab.example', T0), []);
});

test('same Call-ID: a higher CSeq refreshes, an equal or lower one is refused without changes', (t) => {
  const loc = new LocationService();
  t.true(loc.update(AOR, reg(['sip:alice@192.0.2.1'], { cseq: 5 })).ok);
  const refresh = loc.update(AOR, reg([{ contact: 'sip:alice@192.0.2.1', expires: 60 }], { cseq: 6, now: T0 + 1000 }));
  t.true(refresh.ok);
  t.is(loc.bindings(AOR, T0 + 1000)[0]!.expiresAt, T0 + 61_000);
  for (const cseq of [6, 2]) {
    const r = loc.update(AOR, reg([{ contact: 'sip:alice@192.0.2.1', expires: 0 }], { cseq }));
    t.false(r.ok);
    if (!r.ok) {
      t.is(r.error, 'out-of-order');
      t.regex(r.message, new RegExp(`CSeq ${cseq} is not higher than 6`));
    }
  }
  t.is(loc.count(AOR, T0 + 1000), 1);
});

test('the refusal is atomic: no contact of the failed REGISTER is applied', (t) => {
  const loc = new LocationService();
  loc.update(AOR, reg(['sip:alice@192.0.2.1'], { cseq: 5 }));
  const r = loc.update(AOR, reg(['sip:alice@192.0.2.99', 'sip:alice@192.0.2.1'], { cseq: 5 }));
  t.false(r.ok);
  t.deepEqual(loc.bindings(AOR, T0).map((b) => b.contact), ['sip:alice@192.0.2.1']);
});

test('contacts compare as URIs, not text', (t) => {
  const loc = new LocationService();
  loc.update(AOR, reg(['sip:alice@Host.Example;transport=udp'], { cseq: 1 }));
  loc.update(AOR, reg(['sip:alice@host.example;Transport=UDP'], { cseq: 2 }));
  t.is(loc.count(AOR, T0), 1);
  t.is(loc.bindings(AOR, T0)[0]!.contact, 'sip:alice@host.example;Transport=UDP', 'the newer text is kept');
  loc.update(AOR, reg(['sip:alice@host.example:5060'], { cseq: 3 }));
  t.is(loc.count(AOR, T0), 2, 'an explicit port is a different URI');
});

test('a different Call-ID replaces the binding whatever its CSeq; expires 0 removes', (t) => {
  const loc = new LocationService();
  loc.update(AOR, reg(['sip:alice@192.0.2.1'], { callId: 'before-reboot', cseq: 900 }));
  t.true(loc.update(AOR, reg(['sip:alice@192.0.2.1'], { callId: 'after-reboot', cseq: 1 })).ok);
  const [b] = loc.bindings(AOR, T0);
  t.is(b!.callId, 'after-reboot');
  t.is(b!.cseq, 1);
  t.true(loc.update(AOR, reg([{ contact: 'sip:alice@192.0.2.1', expires: 0 }], { callId: 'third', cseq: 1 })).ok);
  t.is(loc.count(AOR, T0), 0);
  t.is(loc.size, 0);
  t.true(loc.update(AOR, reg([{ contact: 'sip:alice@192.0.2.1', expires: 0 }], { callId: 'x' })).ok, 'removing nothing is fine');
});

test('a Contact repeated in one REGISTER is not an ordering conflict; the last one wins', (t) => {
  const loc = new LocationService();
  const r = loc.update(AOR, reg([{ contact: 'sip:alice@192.0.2.1', expires: 60 }, { contact: 'sip:alice@192.0.2.1', expires: 120 }]));
  t.true(r.ok);
  t.is(loc.bindings(AOR, T0)[0]!.expiresAt, T0 + 120_000);
});

test('"*" removes all bindings unless one has the same Call-ID and a CSeq as high', (t) => {
  const loc = new LocationService();
  loc.update(AOR, reg(['sip:alice@192.0.2.1'], { callId: 'a', cseq: 10 }));
  loc.update(AOR, reg(['sip:alice@192.0.2.2'], { callId: 'b', cseq: 3 }));
  const refused = loc.update(AOR, reg('*', { callId: 'a', cseq: 10 }));
  t.false(refused.ok);
  t.is(loc.count(AOR, T0), 2);
  const done = loc.update(AOR, reg('*', { callId: 'a', cseq: 11 }));
  t.deepEqual(done, { ok: true, bindings: [] });
  t.is(loc.count(AOR, T0), 0);
  loc.update(AOR, reg(['sip:alice@192.0.2.1'], { callId: 'a', cseq: 12 }));
  t.true(loc.update(AOR, reg('*', { callId: 'other', cseq: 1 })).ok, 'another Call-ID may remove all');
  t.is(loc.size, 0);
});

test('an expired binding does not block a new registration', (t) => {
  const loc = new LocationService();
  loc.update(AOR, reg([{ contact: 'sip:alice@192.0.2.1', expires: 10 }], { cseq: 50 }));
  const r = loc.update(AOR, reg(['sip:alice@192.0.2.1'], { cseq: 1, now: T0 + 10_000 }));
  t.true(r.ok);
});

test('RFC 5626: the same instance and reg-id replace a binding whose address changed', (t) => {
  const loc = new LocationService();
  const flow = { instance: '<urn:uuid:00000000-0000-1000-8000-000A95A0E128>', regId: 1, expires: 3600 };
  loc.update(AOR, reg([{ contact: 'sip:alice@192.0.2.1', ...flow }], { callId: 'a' }));
  loc.update(AOR, reg([{ contact: 'sip:alice@192.0.2.50', ...flow }], { callId: 'b' }));
  t.deepEqual(loc.bindings(AOR, T0).map((b) => b.contact), ['sip:alice@192.0.2.50']);
  loc.update(AOR, reg([{ contact: 'sip:alice@192.0.2.50', ...flow, regId: 2 }], { callId: 'b', cseq: 2 }));
  t.is(loc.count(AOR, T0), 2, 'another reg-id is another flow');
});

test('bad contacts are refused as values', (t) => {
  const loc = new LocationService();
  for (const c of [{ contact: 'not a uri', expires: 60 }, { contact: 'sip:a@b', expires: -1 }, { contact: 'sip:a@b', expires: 1.5 }, { contact: 'sip:a@b', expires: 60, q: 2 }]) {
    const r = loc.update(AOR, reg([c]));
    t.false(r.ok);
    if (!r.ok) t.is(r.error, 'bad-contact');
  }
  t.is(loc.size, 0);
});

test('expire() drops expired bindings and returns them', (t) => {
  const loc = new LocationService();
  loc.update(AOR, reg([{ contact: 'sip:a@192.0.2.1', expires: 10 }, { contact: 'sip:b@192.0.2.2', expires: 20 }]));
  loc.update('sip:bob@lab.example', reg([{ contact: 'sip:bob@192.0.2.3', expires: 10 }]));
  t.is(loc.size, 3);
  t.deepEqual(loc.expire(T0 + 9_999), []);
  const gone = loc.expire(T0 + 10_000);
  t.deepEqual(gone.map((b) => b.contact).sort(), ['sip:a@192.0.2.1', 'sip:bob@192.0.2.3']);
  t.is(loc.size, 1);
  t.deepEqual(loc.aors(), [AOR]);
});

test('caps: per AOR (refresh still allowed) and in total (expired bindings make room)', (t) => {
  const loc = new LocationService({ maxPerAor: 2, maxTotal: 3 });
  t.true(loc.update(AOR, reg(['sip:a@192.0.2.1', 'sip:a@192.0.2.2'])).ok);
  const third = loc.update(AOR, reg(['sip:a@192.0.2.3'], { cseq: 2 }));
  t.false(third.ok);
  if (!third.ok) t.is(third.error, 'too-many-bindings');
  t.true(loc.update(AOR, reg(['sip:a@192.0.2.2'], { cseq: 3 })).ok, 'a refresh does not grow');
  t.true(loc.update('sip:bob@x', reg([{ contact: 'sip:b@192.0.2.9', expires: 5 }])).ok);
  const full = loc.update('sip:carol@x', reg(['sip:c@192.0.2.10']));
  t.false(full.ok);
  if (!full.ok) t.is(full.error, 'full');
  t.true(loc.update('sip:carol@x', reg(['sip:c@192.0.2.10'], { now: T0 + 5000 })).ok, "bob's expired binding made room");
  t.is(loc.size, 3);
  const defaults = new LocationService();
  t.is(defaults.maxPerAor, 10);
  t.is(defaults.maxTotal, 10_000);
});

test('persistence: flush saves to the store, and a new service restores unexpired bindings', (t) => {
  const store = new MemoryStore();
  const a = new LocationService({ store, debounceMs: 60_000 });
  a.update(AOR, reg([{ contact: 'sip:alice@192.0.2.1:5062;transport=tcp', expires: 60, q: 0.9, instance: '<urn:uuid:1>', regId: 1 }], { cseq: 7 }));
  a.update('sip:bob@lab.example', reg([{ contact: 'sip:bob@192.0.2.2', expires: 5 }], { callId: 'bob-1', received: null, userAgent: null }));
  t.deepEqual(store.load().bindings, [], 'debounced');
  t.deepEqual(a.flush(), { ok: true });
  t.is(store.load().bindings.length, 2);

  const { service: b, warnings } = LocationService.restore(store, T0 + 10_000);
  t.deepEqual(warnings, []);
  t.deepEqual(b.aors(), [AOR], "bob's binding expired while the server was down");
  t.deepEqual(b.bindings(AOR, T0 + 10_000), a.bindings(AOR, T0 + 10_000));
  t.is(b.store, store);
  // the CSeq rules survive the restart
  const r = b.update(AOR, reg(['sip:alice@192.0.2.1:5062;transport=tcp'], { cseq: 7, now: T0 + 10_000 }));
  t.false(r.ok);
  t.true(b.update(AOR, reg([{ contact: 'sip:alice@192.0.2.1:5062;transport=tcp', expires: 0 }], { cseq: 8, now: T0 + 10_000 })).ok);
  t.deepEqual(b.close(), { ok: true });
  t.is(LocationService.restore(store, T0 + 10_000).service.size, 0, 'the removal was saved too');
});

test('persistence: nothing changed, nothing saved (a query REGISTER)', (t) => {
  let saves = 0;
  const store: LocationStore = { name: 'counting', load: () => ({ bindings: [], warnings: [] }), save: () => void saves++ };
  const loc = new LocationService({ store, debounceMs: 60_000 });
  loc.update(AOR, reg(['sip:alice@192.0.2.1']));
  loc.flush();
  loc.update(AOR, reg([], { cseq: 2 }));
  t.deepEqual(loc.flush(), { ok: true });
  t.is(saves, 1);
});

test('persistence: the debounced save happens on its own', async (t) => {
  let saved: (bindings: readonly Binding[]) => void = () => {};
  const wrote = new Promise<readonly Binding[]>((resolve) => (saved = resolve));
  const store: LocationStore = { name: 'watched', load: () => ({ bindings: [], warnings: [] }), save: (b) => saved(b) };
  const loc = new LocationService({ store, debounceMs: 5 });
  loc.update(AOR, reg(['sip:alice@192.0.2.1']));
  t.deepEqual((await held(wrote)).map((b) => b.contact), ['sip:alice@192.0.2.1']);
});

test('persistence: a restore drops expired bindings and those over the limits, with a warning', (t) => {
  const store = new MemoryStore();
  const big = new LocationService({ store });
  big.update(AOR, reg(['sip:a@192.0.2.1', 'sip:a@192.0.2.2', 'sip:a@192.0.2.3']));
  big.update('sip:bob@x', reg([{ contact: 'sip:b@192.0.2.9', expires: 5 }]));
  big.save();
  const { service, warnings } = LocationService.restore(store, T0 + 5000, { maxPerAor: 2 });
  t.is(service.size, 2);
  t.deepEqual(warnings, [`memory: sip:a@192.0.2.3 for ${AOR}: over the binding limits; skipped`]);
});

test('flush reports a failed save instead of throwing; background failures go to onError', async (t) => {
  const store: LocationStore = { name: 'broken', load: () => ({ bindings: [], warnings: [] }), save: () => { throw new Error('disk full'); } };
  const loc = new LocationService({ store, debounceMs: 60_000 });
  loc.update(AOR, reg(['sip:alice@192.0.2.1']));
  t.deepEqual(loc.flush(), { ok: false, error: 'disk full' });
  t.throws(() => new LocationService().save(), { message: /no store/ });
  t.deepEqual(new LocationService().flush(), { ok: true }, 'memory only: nothing to do');

  const reported = new Promise<string>((resolve) => {
    const background = new LocationService({ store, debounceMs: 1, onError: resolve });
    background.update(AOR, reg(['sip:alice@192.0.2.1']));
  });
  t.is(await held(reported), 'disk full');
});
