// The netem-like impairment: the pure decisions (shares, duplication, reordering, seeds, option
// parsing), then the same impairment on real UDP sockets through NodeNet, and the CLI's errors.
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { join } from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import type { HalEvent } from '../../hal/contract.ts';
import { DEFAULT_HOLD_MS, Impairment, ImpairmentError, NO_IMPAIRMENT, formatImpairment, isPassThrough, parseImpairment } from '../../hal/node/impairment.ts';
import type { ImpairmentSpec } from '../../hal/node/impairment.ts';
import { NodeNet } from '../../hal/node/net.ts';
import type { NetImpairment } from '../../hal/node/net.ts';
import { ROOT } from '../helpers/corpus.ts';

const spec = (o: Partial<ImpairmentSpec>): ImpairmentSpec => ({ ...NO_IMPAIRMENT, ...o });

/** Decisions for n datagrams. */
function run(s: ImpairmentSpec, n: number, stream = 0): number[][] {
  const imp = new Impairment(s, stream);
  return Array.from({ length: n }, () => imp.decide());
}

/** Arrival order of n datagrams sent 20 ms apart (copies included), by send index. */
function arrivalOrder(decisions: number[][], spacingMs = 20): number[] {
  const arrivals: Array<{ i: number; at: number }> = [];
  decisions.forEach((delays, i) => delays.forEach((d) => arrivals.push({ i, at: i * spacingMs + d })));
  return arrivals.sort((a, b) => a.at - b.at || a.i - b.i).map((a) => a.i);
}

/** Datagrams that arrive after one sent later than them. */
function overtaken(order: number[]): number {
  let max = -1;
  let n = 0;
  for (const i of order) {
    if (i < max) n++;
    max = Math.max(max, i);
  }
  return n;
}

const N = 20000;

test('the loss, duplication and reorder shares match the spec within tolerance', (t) => {
  const s = spec({ loss: 0.2, dup: 0.05, reorder: 0.1, seed: 42 });
  const d = run(s, N);
  const dropped = d.filter((x) => x.length === 0).length / N;
  const survivors = d.filter((x) => x.length > 0);
  const duplicated = survivors.filter((x) => x.length === 2).length / survivors.length;
  const copies = survivors.flat();
  const held = copies.filter((ms) => ms === DEFAULT_HOLD_MS).length / copies.length;
  t.log(`dropped ${(dropped * 100).toFixed(2)} %, duplicated ${(duplicated * 100).toFixed(2)} %, held ${(held * 100).toFixed(2)} %`);
  t.true(Math.abs(dropped - 0.2) < 0.015, `dropped ${dropped}`);
  t.true(Math.abs(duplicated - 0.05) < 0.01, `duplicated ${duplicated}`);
  t.true(Math.abs(held - 0.1) < 0.01, `held ${held}`);
  // Without jitter or delay a copy is either on time or held exactly `hold` ms.
  t.true(copies.every((ms) => ms === 0 || ms === DEFAULT_HOLD_MS));
});

test('jitter spreads delays uniformly over 0..jitter and reorders datagrams sent 20 ms apart', (t) => {
  const d = run(spec({ jitterMs: 200, seed: 7 }), N);
  const delays = d.flat();
  t.is(delays.length, N, 'jitter alone neither drops nor duplicates');
  t.true(delays.every((ms) => ms >= 0 && ms < 200));
  const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
  t.true(Math.abs(mean - 100) < 3, `mean ${mean}`);
  const quarter = delays.filter((ms) => ms < 50).length / N;
  t.true(Math.abs(quarter - 0.25) < 0.015, `share under 50 ms ${quarter}`);
  const late = overtaken(arrivalOrder(d));
  t.log(`${late} of ${N} datagrams overtaken with 200 ms jitter at 20 ms spacing`);
  t.true(late > N * 0.3, `overtaken ${late}`);
  // In order without jitter.
  t.is(overtaken(arrivalOrder(run(spec({ loss: 0.3, dup: 0.2 }), 1000))), 0);
});

test('reorder alone holds some datagrams back so later ones overtake them', (t) => {
  const d = run(spec({ reorder: 0.1, holdMs: 50, seed: 3 }), 5000);
  const late = overtaken(arrivalOrder(d));
  t.true(late > 5000 * 0.08 && late < 5000 * 0.12, `overtaken ${late}`);
});

test('duplicated datagrams arrive as two copies, each with its own delay', (t) => {
  const d = run(spec({ dup: 1, jitterMs: 100, seed: 9 }), 1000);
  t.true(d.every((x) => x.length === 2));
  t.true(d.filter(([a, b]) => a !== b).length > 990);
});

test('the same seed repeats the decisions; another seed or stream does not', (t) => {
  const s = spec({ loss: 0.2, dup: 0.05, reorder: 0.1, jitterMs: 200, seed: 1234 });
  t.deepEqual(run(s, 500), run(s, 500));
  t.notDeepEqual(run(s, 500), run({ ...s, seed: 1235 }, 500));
  t.notDeepEqual(run(s, 500, 0), run(s, 500, 1));
  // parse → format → parse is the same spec, so a logged spec replays the run.
  t.deepEqual(parseImpairment(formatImpairment(s)), s);
});

test('zero impairment is a pass-through: every datagram once, at once', (t) => {
  t.true(isPassThrough(NO_IMPAIRMENT));
  t.true(isPassThrough(parseImpairment('loss=0,dup=0,reorder=0,jitter=0')));
  t.false(isPassThrough(parseImpairment('jitter=1')));
  t.true(run(NO_IMPAIRMENT, 1000).every((x) => x.length === 1 && x[0] === 0));
});

test('option strings are parsed, and bad ones rejected with the reason', (t) => {
  t.deepEqual(parseImpairment('loss=0.2,dup=0.05,reorder=0.1,jitter=200'), spec({ loss: 0.2, dup: 0.05, reorder: 0.1, jitterMs: 200 }));
  t.deepEqual(parseImpairment(' LOSS = 0.1 , seed=99, hold=30, delay=5 '), spec({ loss: 0.1, seed: 99, holdMs: 30, delayMs: 5 }));
  const bad: Array<[string, RegExp]> = [
    ['', /key=value/],
    ['loss', /not key=value/],
    ['=0.1', /not key=value/],
    ['lose=0.1', /unknown key 'lose'/],
    ['constructor=1', /unknown key 'constructor'/],
    ['loss=1.5', /loss must be a fraction/],
    ['loss=-0.1', /loss must be a fraction/],
    ['loss=', /loss must be a fraction/],
    ['dup=abc', /dup must be a fraction/],
    ['jitter=-5', /jitter must be milliseconds/],
    ['jitter=20000', /jitter must be milliseconds/],
    ['seed=1.5', /seed must be an integer/],
    ['loss=0.1,loss=0.2', /given twice/],
    ['loss=0.1,,dup=0.1', /not key=value/],
  ];
  for (const [text, reason] of bad) {
    const e = t.throws(() => parseImpairment(text), { instanceOf: ImpairmentError }, text);
    t.regex(e?.message ?? '', reason, text);
  }
});

/** A NodeNet with `spec` and a plain socket as its peer, both on 127.0.0.1. */
async function impairedPair(t: ExecutionContext, s: ImpairmentSpec, applies?: NetImpairment['applies']): Promise<{ net: NodeNet; id: number; port: number; events: HalEvent[]; peer: dgram.Socket; peerPort: number; got: string[] }> {
  const events: HalEvent[] = [];
  const n = new NodeNet((e) => events.push(e), { bindAddress: '127.0.0.1', impair: { spec: s, ...(applies ? { applies } : {}) } });
  const id = n.udpOpen(0);
  const peer = dgram.createSocket('udp4');
  const got: string[] = [];
  peer.on('message', (m) => got.push(m.toString('latin1')));
  await new Promise<void>((r) => peer.bind(0, '127.0.0.1', r));
  t.teardown(() => {
    n.close();
    peer.close();
  });
  for (let i = 0; i < 200 && !events.some((e) => e.type === 'udp_bound'); i++) await new Promise((r) => setTimeout(r, 10));
  const bound = events.find((e) => e.type === 'udp_bound');
  if (bound?.type !== 'udp_bound') throw new Error('not bound');
  return { net: n, id, port: bound.port, events, peer, peerPort: peer.address().port, got };
}

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('NodeNet impairs UDP both ways: sends and arrivals are lost, copied and reordered', async (t) => {
  const s = spec({ loss: 0.2, dup: 0.1, jitterMs: 50, seed: 5 });
  const p = await impairedPair(t, s);
  const count = 400;
  // Paced, so the kernel's socket buffers never overflow and all loss is the impairment's.
  for (let i = 0; i < count; i++) {
    t.true(p.net.udpSend(p.id, `out${i}`, '127.0.0.1', p.peerPort), 'a send is accepted even when the "wire" loses it');
    p.peer.send(`in${i}`, p.port, '127.0.0.1');
    if (i % 10 === 9) await settle(2);
  }
  await settle(600);
  const arrived = p.events.flatMap((e) => (e.type === 'udp' ? [e.data] : []));
  for (const [name, seen] of [['sent', p.got], ['received', arrived]] as const) {
    const distinct = new Set(seen).size;
    const dups = seen.length - distinct;
    const order = seen.map((x) => Number(x.replace(/\D/g, '')));
    t.log(`${name}: ${distinct} of ${count} distinct, ${dups} duplicates, ${overtaken(order)} overtaken`);
    t.true(distinct > count * 0.7 && distinct < count * 0.9, `${name} distinct ${distinct}`);
    t.true(dups > 10, `${name} duplicates ${dups}`);
    t.true(overtaken(order) > 10, `${name} reordered`);
  }
});

test('datagrams the impairment holds back die with the interface on close()', async (t) => {
  const p = await impairedPair(t, spec({ delayMs: 300 }));
  p.peer.send('late', p.port, '127.0.0.1');
  p.net.udpSend(p.id, 'late-out', '127.0.0.1', p.peerPort);
  await settle(100);
  p.net.close(); // held datagrams die with the interface, as on a reboot
  await settle(400);
  t.false(p.events.some((e) => e.type === 'udp'));
  t.deepEqual(p.got, []);
});

test('a filter narrows the impairment (as --rtp-loss does: arriving datagrams only)', async (t) => {
  const p = await impairedPair(t, spec({ loss: 1 }), (direction) => direction === 'in');
  for (let i = 0; i < 20; i++) {
    p.net.udpSend(p.id, `out${i}`, '127.0.0.1', p.peerPort);
    p.peer.send(`in${i}`, p.port, '127.0.0.1');
  }
  await settle(300);
  t.is(p.got.length, 20, 'sends untouched');
  t.false(p.events.some((e) => e.type === 'udp'), 'every arrival lost');
});

function emulate(args: string[]): { code: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'quip.mjs'), 'emulate', ...args], { encoding: 'utf8', timeout: 60000 });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

test('emulate rejects a bad --net-impair with a usage error and documents the option', (t) => {
  const bad = emulate(['--board', 'small2', '--net-impair', 'loss=0.2,jiter=200']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--net-impair: unknown key 'jiter'/);
  const both = emulate(['--board', 'small2', '--net-impair', 'loss=0.2', '--rtp-loss', '0.1']);
  t.is(both.code, 2);
  t.regex(both.stderr, /do not combine/);
  const help = emulate(['--help']);
  t.is(help.code, 0);
  t.regex(help.stdout, /--net-impair <spec>/);
  t.regex(help.stdout, /TCP .* not impaired/);
});
