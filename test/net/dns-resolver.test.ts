import test from 'ava';
import type { DnsRecord, DnsType, HalEvent, NetHal } from '../../hal/contract.ts';
import { HalDnsResolver } from '../../firmware/net/dns-resolver.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

/** A NetHal that only records DNS queries; the test answers them with `dns` events. */
class FakeNet implements NetHal {
  readonly queries: Array<{ id: number; name: string; type: DnsType }> = [];
  private nextId = 100;
  dnsQuery(name: string, type: DnsType): number {
    const id = this.nextId++;
    this.queries.push({ id, name, type });
    return id;
  }
  udpOpen(): number { throw new Error('unused'); }
  udpSend(): boolean { throw new Error('unused'); }
  udpClose(): void {}
  tcpConnect(): number { throw new Error('unused'); }
  tcpListen(): number { throw new Error('unused'); }
  tcpStopListening(): void {}
  tcpWrite(): boolean { throw new Error('unused'); }
  tcpClose(): void {}
  localAddress(): string | null { return null; }
}

type Answer = { records: DnsRecord[]; error: string | null };

function setup(options: { timeoutMs?: number; cacheMax?: number } = {}) {
  const net = new FakeNet();
  const clock = new FakeClock();
  const timers = { after: (ms: number, fn: () => void) => clock.setTimer(ms, fn), cancel: (id: number) => clock.clearTimer(id) };
  const resolver = new HalDnsResolver(net, timers, options);
  const answers: Answer[] = [];
  const ask = (name: string, type: DnsType): void =>
    resolver.query(name, type, (records, error) => void answers.push({ records, error }));
  const reply = (id: number, records: DnsRecord[], error: string | null = null): boolean =>
    resolver.handleEvent({ type: 'dns', query: id, records, error });
  return { net, clock, resolver, answers, ask, reply };
}

const A = (address: string, ttl = 60): DnsRecord => ({ type: 'A', address, ttl });

test('a query goes to the HAL and its answer comes back once', (t) => {
  const { net, answers, ask, reply, clock } = setup();
  ask('Proxy.Example.COM.', 'A');
  t.deepEqual(net.queries.map((q) => [q.name, q.type]), [['proxy.example.com', 'A']]);
  t.is(answers.length, 0, 'not answered before the event');
  t.true(reply(net.queries[0]!.id, [A('192.0.2.1')]));
  t.deepEqual(answers, [{ records: [A('192.0.2.1')], error: null }]);
  t.false(reply(net.queries[0]!.id, [A('192.0.2.9')]), 'a duplicate answer is not ours any more');
  t.is(answers.length, 1);
  t.is(clock.pending, 1, 'the timeout timer is gone; only the cache expiry remains');
});

test('errors are passed on with no records', (t) => {
  const { net, answers, ask, reply } = setup();
  ask('nowhere.example', 'SRV');
  reply(net.queries[0]!.id, [], 'ENOTFOUND');
  t.deepEqual(answers, [{ records: [], error: 'ENOTFOUND' }]);
  ask('empty.example', 'A');
  reply(net.queries[1]!.id, [], null);
  t.deepEqual(answers[1], { records: [], error: 'ENODATA' }, 'an empty answer without error still reports one');
});

test('records of another type are dropped', (t) => {
  const { net, answers, ask, reply } = setup();
  ask('mixed.example', 'A');
  reply(net.queries[0]!.id, [{ type: 'AAAA', address: '2001:db8::1', ttl: 60 }, A('192.0.2.7')]);
  t.deepEqual(answers[0]!.records, [A('192.0.2.7')]);
});

test('other events and unknown dns ids are not consumed', (t) => {
  const { resolver } = setup();
  t.false(resolver.handleEvent({ type: 'timer', id: 1 } as HalEvent));
  t.false(resolver.handleEvent({ type: 'dns', query: 999, records: [], error: 'ENOTFOUND' }));
});

test('no answer within the timeout: exactly one "timeout" callback; the late answer is swallowed', (t) => {
  const { net, answers, ask, reply, clock } = setup({ timeoutMs: 2000 });
  ask('slow.example', 'A');
  clock.advance(1999);
  t.is(answers.length, 0);
  clock.advance(1);
  t.deepEqual(answers, [{ records: [], error: 'timeout' }]);
  t.true(reply(net.queries[0]!.id, [A('192.0.2.1')]), 'the late answer is recognised as ours');
  t.is(answers.length, 1, 'but nobody hears it');
  clock.advance(10_000);
  t.is(answers.length, 1);
  // the name was not cached from the late answer: a new query goes out
  ask('slow.example', 'A');
  t.is(net.queries.length, 2);
});

test('the default timeout is 5 s', (t) => {
  const { answers, ask, clock } = setup();
  ask('slow.example', 'NAPTR');
  clock.advance(4999);
  t.is(answers.length, 0);
  clock.advance(1);
  t.is(answers[0]!.error, 'timeout');
});

test('answers are cached for their TTL (the smallest in the set)', (t) => {
  const { net, answers, ask, reply, clock } = setup();
  ask('cached.example', 'A');
  reply(net.queries[0]!.id, [A('192.0.2.1', 30), A('192.0.2.2', 10)]);
  ask('CACHED.example.', 'A');
  t.is(net.queries.length, 1, 'served from the cache');
  t.is(answers.length, 2, 'synchronously');
  t.deepEqual(answers[1]!.records.map((r) => (r as { address: string }).address), ['192.0.2.1', '192.0.2.2']);
  clock.advance(9_999);
  ask('cached.example', 'A');
  t.is(net.queries.length, 1);
  clock.advance(1);
  ask('cached.example', 'A');
  t.is(net.queries.length, 2, 'expired after 10 s');
});

test('TTL 0 is not cached, errors are not cached', (t) => {
  const { net, ask, reply } = setup();
  ask('zero.example', 'SRV');
  reply(net.queries[0]!.id, [{ type: 'SRV', priority: 0, weight: 0, port: 5060, target: 'a.example', ttl: 0 }]);
  ask('zero.example', 'SRV');
  t.is(net.queries.length, 2);
  ask('bad.example', 'A');
  reply(net.queries[2]!.id, [], 'ENOTFOUND');
  ask('bad.example', 'A');
  t.is(net.queries.length, 4);
});

test('the cache is bounded, least recently used out first', (t) => {
  const { net, ask, reply, clock } = setup({ cacheMax: 2 });
  for (const name of ['a.example', 'b.example']) {
    ask(name, 'A');
    reply(net.queries.at(-1)!.id, [A('192.0.2.1')]);
  }
  ask('a.example', 'A'); // touch a: b is now the oldest
  ask('c.example', 'A');
  reply(net.queries.at(-1)!.id, [A('192.0.2.3')]);
  t.is(net.queries.length, 3);
  ask('a.example', 'A');
  t.is(net.queries.length, 3, 'a kept');
  ask('b.example', 'A');
  t.is(net.queries.length, 4, 'b evicted');
  t.is(clock.pending, 3, 'two cache expiry timers and the new query timeout: the evicted entry timer was cancelled');
});

test('clearCache forgets everything', (t) => {
  const { net, ask, reply, resolver, clock } = setup();
  ask('a.example', 'A');
  reply(net.queries[0]!.id, [A('192.0.2.1')]);
  resolver.clearCache();
  t.is(clock.pending, 0);
  ask('a.example', 'A');
  t.is(net.queries.length, 2);
});

test('identical queries in flight share one HAL query (TTL 0 too)', (t) => {
  const { net, answers, ask, reply } = setup();
  ask('x.example', 'SRV');
  ask('X.example.', 'SRV');
  ask('x.example', 'NAPTR');
  t.deepEqual(net.queries.map((q) => q.type), ['SRV', 'NAPTR']);
  const srv: DnsRecord = { type: 'SRV', priority: 0, weight: 0, port: 5060, target: 'a.example', ttl: 0 };
  reply(net.queries[0]!.id, [srv]);
  t.is(answers.length, 2);
  t.deepEqual(answers[0], answers[1]);
  ask('x.example', 'SRV');
  t.is(net.queries.length, 3, 'not cached after the in-flight answer (TTL 0)');
});

test('coalesced queries time out together, each caller exactly once', (t) => {
  const { answers, ask, clock } = setup({ timeoutMs: 100 });
  ask('x.example', 'A');
  ask('x.example', 'A');
  clock.advance(1000);
  t.deepEqual(answers.map((a) => a.error), ['timeout', 'timeout']);
});

test('a callback may query again from inside the callback', (t) => {
  const { net, resolver, reply } = setup();
  const seen: string[] = [];
  resolver.query('a.example', 'SRV', () => {
    seen.push('first');
    resolver.query('a.example', 'SRV', (_r, error) => void seen.push('second ' + error));
  });
  reply(net.queries[0]!.id, [], 'ENOTFOUND');
  t.is(net.queries.length, 2, 'a fresh query, not a join of the finished one');
  reply(net.queries[1]!.id, [], 'ENOTFOUND');
  t.deepEqual(seen, ['first', 'second ENOTFOUND']);
});

test('IP literals answer A/AAAA at once without a query', (t) => {
  const { net, answers, ask } = setup();
  ask('192.0.2.10', 'A');
  ask('[2001:db8::1]', 'AAAA');
  ask('2001:db8::2', 'AAAA');
  ask('192.0.2.10', 'AAAA');
  ask('[2001:db8::1]', 'A');
  t.is(net.queries.length, 0);
  t.deepEqual(answers, [
    { records: [{ type: 'A', address: '192.0.2.10', ttl: 0 }], error: null },
    { records: [{ type: 'AAAA', address: '2001:db8::1', ttl: 0 }], error: null },
    { records: [{ type: 'AAAA', address: '2001:db8::2', ttl: 0 }], error: null },
    { records: [], error: 'ENODATA' },
    { records: [], error: 'ENODATA' },
  ]);
});

test('an empty name fails at once', (t) => {
  const { net, answers, ask } = setup();
  ask('', 'A');
  t.is(net.queries.length, 0);
  t.deepEqual(answers, [{ records: [], error: 'EBADNAME' }]);
});
