// Server nonces: lifetime, nc replay, forged nonces, bounded memory.
import test from 'ava';
import { NonceStore } from '../../server/nonces.ts';

/** A store on a hand-driven clock. */
function store(options: { lifetimeMs?: number; maxEntries?: number } = {}): { s: NonceStore; clock: { now: number } } {
  const clock = { now: 1_700_000_000_000 };
  return { s: new NonceStore({ ...options, now: () => clock.now }), clock };
}

test('issued nonces are unique, hex and carry their issue time', (t) => {
  const { s, clock } = store();
  const a = s.issue();
  const b = s.issue();
  t.not(a, b);
  t.regex(a, /^[0-9a-f]+\.[0-9a-f]{32}\.[0-9a-f]{32}$/);
  t.is(parseInt(a.split('.')[0]!, 16), clock.now);
  t.is(s.size, 2);
});

test('nc must strictly increase per nonce; each nonce counts on its own', (t) => {
  const { s } = store();
  const a = s.issue();
  const b = s.issue();
  t.is(s.check(a, 1), 'ok');
  t.is(s.check(a, 1), 'replay');
  t.is(s.check(a, 2), 'ok');
  t.is(s.check(a, 5), 'ok', 'gaps are fine (lost requests)');
  t.is(s.check(a, 4), 'replay');
  t.is(s.check(a, 0), 'replay');
  t.is(s.check(b, 1), 'ok');
  t.is(s.check(a, null), 'ok', 'without qop there is no nc to check');
});

test('a nonce goes stale after its lifetime', (t) => {
  const { s, clock } = store({ lifetimeMs: 300_000 });
  const n = s.issue();
  clock.now += 300_000;
  t.is(s.check(n, 1), 'ok', 'still within the lifetime');
  clock.now += 1;
  t.is(s.check(n, 2), 'stale');
  t.is(s.check(n, 3), 'stale', 'stays stale');
  t.is(s.size, 0, 'and is forgotten');
});

test('forged, malformed and foreign nonces are unknown', (t) => {
  const { s } = store();
  const n = s.issue();
  const [time, random, tag] = n.split('.') as [string, string, string];
  t.is(s.check('', 1), 'unknown');
  t.is(s.check('dcd98b7102dd2f0e8b11d0f600bfb0c093', 1), 'unknown');
  t.is(s.check(`${time}.${random}.${'0'.repeat(32)}`, 1), 'unknown', 'bad tag');
  t.is(s.check(`${(parseInt(time, 16) + 1000).toString(16)}.${random}.${tag}`, 1), 'unknown', 'extended lifetime');
  t.is(s.check(`${time}.${random}.${tag}x`, 1), 'unknown');
  const other = new NonceStore().issue(); // another server (or before a restart): other key
  t.is(s.check(other, 1), 'unknown');
});

test('the same secret recognises nonces across instances (restart with a kept key)', (t) => {
  const secret = Buffer.alloc(32, 7);
  const now = (): number => 5_000_000;
  const a = new NonceStore({ secret, now });
  const n = a.issue();
  const b = new NonceStore({ secret, now });
  t.is(b.check(n, 1), 'stale', 'ours and fresh, but its nc history is gone');
});

test('memory is bounded: a flood evicts the oldest nonces, which then read as stale', (t) => {
  const { s } = store({ maxEntries: 100 });
  const first = s.issue();
  for (let i = 0; i < 10_000; i++) s.issue();
  t.is(s.size, 100);
  t.is(s.check(first, 1), 'stale');
  const last = s.issue();
  t.is(s.check(last, 1), 'ok');
});

test('expired nonces are pruned as new ones are issued', (t) => {
  const { s, clock } = store({ lifetimeMs: 1000 });
  for (let i = 0; i < 50; i++) s.issue();
  clock.now += 500;
  for (let i = 0; i < 50; i++) s.issue();
  clock.now += 600;
  s.issue();
  t.is(s.size, 51);
  clock.now += 10_000;
  s.prune();
  t.is(s.size, 0);
});
