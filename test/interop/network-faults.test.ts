// Issue #7, network faults: 100 calls between emulated phones through the lab server while
// the network loses 20 % of the datagrams, duplicates and reorders them and adds up to 200 ms
// of jitter — on signalling and media. At least 99 must connect and end cleanly.
//
// The impairment is the emulator's --net-impair (user-space netem on the phone's interface:
// every UDP datagram it sends and receives, SIP and RTP/RTCP). One phone of each pair is
// impaired, the other is clean, so every phone-to-phone path — signalling through the lab
// and media straight between the phones — crosses exactly one impaired interface: end to
// end that is the issue's 20 % loss and 0..200 ms jitter, each way. (Impairing both phones
// would make it 36 % and 0..400 ms.) Calls alternate direction, so the impaired phone is
// caller and callee alike, and alternate who hangs up, so BYE crosses it both ways.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { labWithPhones } from '../helpers/lab-phones.ts';
import type { EmuEvent, EmulatorProcess } from '../helpers/emulator-process.ts';
import { UserDirectory } from '../../server/users.ts';
import type { LabUser } from '../../server/users.ts';

const PAIRS = 5;
const CALLS_PER_PAIR = 20;
const IMPAIR = 'loss=0.2,dup=0.05,reorder=0.1,jitter=200';
/** Media time per call: enough for dozens of RTP packets each way. */
const TALK_MS = 700;
/** Generous waits: every step survives several retransmissions (Timer B/F are 32 s). */
const CONNECT_TIMEOUT_MS = 40_000;
const END_TIMEOUT_MS = 40_000;

interface Outcome {
  ok: boolean;
  setupMs: number;
  problem?: string;
  received?: number;
}

function users(): UserDirectory {
  const list: LabUser[] = [];
  for (let i = 1; i <= PAIRS * 2; i++) list.push({ user: `nf${i}`, password: 'secret', aliases: [String(3000 + i)], displayName: null, redirect: false });
  return new UserDirectory(list, null);
}

/** Resolved when pair k's phones are registered. */
const booted = Array.from({ length: PAIRS }, () => {
  let resolve = (): void => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits for an event after index `from`; null instead of throwing on timeout. */
async function next(p: EmulatorProcess, from: number, match: (e: EmuEvent) => boolean, ms: number): Promise<EmuEvent | null> {
  try {
    return await p.waitFor(match, ms, from);
  } catch {
    return null;
  }
}

const state = (callId: unknown, s: string) => (e: EmuEvent): boolean => e.event === 'call_state' && e.call_id === callId && e.state === s;

/** Hangs up whatever is left of a failed call on both phones, so the next call starts clean. */
async function reset(a: EmulatorProcess, b: EmulatorProcess): Promise<void> {
  for (const p of [a, b]) p.send({ key: 'end' });
  await sleep(2000);
  for (const p of [a, b]) p.send({ key: 'end' });
  await sleep(1000);
}

/** One call: `caller` dials, `callee` answers, media flows, `hanger` hangs up; both must end normally. */
async function call(caller: EmulatorProcess, callee: EmulatorProcess, calleeNumber: string, callerHangs: boolean): Promise<Outcome> {
  const c0 = caller.events.length;
  const d0 = callee.events.length;
  const started = Date.now();
  caller.send({ dial: calleeNumber });
  const incoming = await next(callee, d0, (e) => e.event === 'incoming', CONNECT_TIMEOUT_MS);
  if (incoming === null) return { ok: false, setupMs: 0, problem: 'callee never rang' };
  const inId = incoming.call_id;
  callee.send({ key: 'send' });
  const out = await next(caller, c0, (e) => e.event === 'call_state' && e.state === 'connected', CONNECT_TIMEOUT_MS);
  if (out === null) return { ok: false, setupMs: 0, problem: `caller never connected (${lastStates(caller, c0)})` };
  const setupMs = Date.now() - started;
  const outId = out.call_id;
  if (outId !== inId) return { ok: false, setupMs, problem: `call ids differ: ${String(outId)} / ${String(inId)}` };
  if ((await next(callee, d0, state(inId, 'connected'), CONNECT_TIMEOUT_MS)) === null) return { ok: false, setupMs, problem: 'callee never connected' };
  await sleep(TALK_MS);
  const [hanger, other] = callerHangs ? [caller, callee] : [callee, caller];
  const h0 = hanger.events.length;
  const o0 = other.events.length;
  hanger.send({ key: 'end' });
  const hEnd = await next(hanger, h0, state(outId, 'ended'), END_TIMEOUT_MS);
  const oEnd = await next(other, o0, state(outId, 'ended'), END_TIMEOUT_MS);
  if (hEnd === null || oEnd === null) return { ok: false, setupMs, problem: `not ended (${hEnd ? '' : 'hanger '}${oEnd ? '' : 'other'})` };
  // Normal BYE: the hanger ends at once with 200, the other side on the BYE it received — not
  // on a timeout (408/481, "No ACK", "Call lost") or its own BYE.
  if (hEnd.status !== 200 || hEnd.reason !== 'Call ended') return { ok: false, setupMs, problem: `hanger ended ${String(hEnd.status)} ${String(hEnd.reason)}` };
  if (oEnd.status !== 200 || oEnd.reason !== 'Remote hangup') return { ok: false, setupMs, problem: `other side ended ${String(oEnd.status)} ${String(oEnd.reason)}` };
  // Each side's last media_stats comes when its stream stops, right after 'ended'.
  let received = Infinity;
  for (const p of [caller, callee]) {
    const stats = await next(p, p === caller ? c0 : d0, (e) => e.event === 'media_stats' && e.call_id === outId && p.events.indexOf(e) > p.events.findIndex(state(outId, 'ended')), 10_000);
    if (stats === null) return { ok: false, setupMs, problem: 'no final media_stats' };
    received = Math.min(received, Number(stats.received));
  }
  if (!(received > 0)) return { ok: false, setupMs, problem: 'no media received' };
  return { ok: true, setupMs, received };
}

function lastStates(p: EmulatorProcess, from: number): string {
  return p.events.slice(from).filter((e) => e.event === 'call_state').map((e) => `${String(e.state)}${e.status !== undefined ? ` ${String(e.status)} ${String(e.reason)}` : ''}`).join(', ');
}

const pct = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/** The emulator's shutdown line: "net-impair: sent N datagrams (D dropped, U duplicated; SIP S, R repeated); received ...". */
function tally(p: EmulatorProcess): { sent: number[]; received: number[] } | null {
  const line = p.stderr.find((l) => l.startsWith('net-impair: '));
  const m = line?.match(/sent (\d+) datagrams \((\d+) dropped, (\d+) duplicated; SIP (\d+), (\d+) repeated\); received (\d+) datagrams \((\d+) dropped, (\d+) duplicated; SIP (\d+), (\d+) repeated\)/);
  if (!m) return null;
  const n = m.slice(1).map(Number);
  return { sent: n.slice(0, 5), received: n.slice(5) };
}

type Phone = (user: string, board?: string, password?: string, extra?: string[]) => Promise<EmulatorProcess>;

async function pair(t: ExecutionContext, phone: Phone, k: number, bootedBefore: Promise<unknown>): Promise<{ impaired: EmulatorProcess; clean: EmulatorProcess; outcomes: Outcome[] }> {
  const a = 2 * k + 1;
  const b = 2 * k + 2;
  // Pairs boot one after another (ten VMs starting at once starve a 2-core machine), and each
  // starts calling as soon as it is registered.
  await bootedBefore;
  const [impaired, clean] = await Promise.all([
    phone(`nf${a}`, 'small2', 'secret', ['--net-impair', `${IMPAIR},seed=${k + 1}`]),
    phone(`nf${b}`, 'small2', 'secret'),
  ]).finally(() => booted[k]!.resolve());
  const outcomes: Outcome[] = [];
  for (let i = 0; i < CALLS_PER_PAIR; i++) {
    // i % 2: who calls; (i >> 1) % 2: who hangs up — all four combinations in turn.
    const impairedCalls = i % 2 === 0;
    const [caller, callee, number] = impairedCalls ? [impaired, clean, String(3000 + b)] : [clean, impaired, String(3000 + a)];
    const o = await call(caller, callee, number, (i >> 1) % 2 === 0);
    outcomes.push(o);
    if (!o.ok) {
      t.log(`pair ${k + 1} call ${i + 1}: ${o.problem ?? ''}`);
      await reset(impaired, clean);
    }
  }
  return { impaired, clean, outcomes };
}

test('100 calls connect and end cleanly with 20 % loss, duplication, reordering and 200 ms jitter', async (t) => {
  t.timeout(300_000);
  const started = Date.now();
  const { phone, logs } = await labWithPhones(t, { users: users() });
  const pairs = await Promise.all(Array.from({ length: PAIRS }, (_, k) => pair(t, phone, k, k === 0 ? Promise.resolve() : booted[k - 1]!.promise)));
  const all = pairs.flatMap((p) => p.outcomes);
  const ok = all.filter((o) => o.ok);
  const setups = ok.map((o) => o.setupMs).sort((x, y) => x - y);
  const media = ok.map((o) => o.received ?? 0).sort((x, y) => x - y);
  t.log(`impairment ${IMPAIR} on one phone of each of ${PAIRS} pairs`);
  t.log(`connected and ended cleanly: ${ok.length} of ${all.length} (${((ok.length / all.length) * 100).toFixed(1)} %)`);
  t.log(`setup (dial → caller connected): median ${pct(setups, 0.5)} ms, p95 ${pct(setups, 0.95)} ms, max ${setups[setups.length - 1] ?? NaN} ms`);
  t.log(`RTP packets received per call (lesser side): min ${media[0] ?? NaN}, median ${pct(media, 0.5)}`);
  // The lab's side of "ended cleanly": one BYE transaction per call, answered 200 end to end.
  // The hanger ends the moment it sends BYE, so the lab may still be retransmitting the last
  // BYE to the other phone (its 200 was lost): wait for that while the phones still run.
  const byeOkCount = (): number => logs.filter((l) => / BYE /.test(l) && / 200 OK /.test(l)).length;
  for (const deadline = Date.now() + 15_000; byeOkCount() < ok.length && Date.now() < deadline;) await sleep(100);
  // Quit now so each impaired phone prints what its interface did.
  await Promise.all(pairs.flatMap((p) => [p.impaired.quit(), p.clean.quit()]));
  const tallies = pairs.map((p) => tally(p.impaired));
  t.true(tallies.every((x) => x !== null), 'every impaired phone printed its net-impair line');
  const sum = (side: 'sent' | 'received'): number[] =>
    tallies.reduce<number[]>((acc, x) => acc.map((v, i) => v + (x?.[side][i] ?? 0)), [0, 0, 0, 0, 0]);
  const [sD = 0, sDrop = 0, sDup = 0, sSip = 0, sRep = 0] = sum('sent');
  const [rD = 0, rDrop = 0, rDup = 0, rSip = 0, rRep = 0] = sum('received');
  t.log(`impaired phones sent ${sD} datagrams: ${sDrop} dropped (${((sDrop / sD) * 100).toFixed(1)} %), ${sDup} duplicated; SIP ${sSip}, of which ${sRep} retransmissions`);
  t.log(`impaired phones received ${rD} datagrams: ${rDrop} dropped (${((rDrop / rD) * 100).toFixed(1)} %), ${rDup} duplicated; SIP ${rSip}, of which ${rRep} repeats (retransmissions and duplicates)`);
  const byes = logs.filter((l) => / BYE /.test(l));
  const byeOk = byeOkCount();
  t.log(`lab: ${byeOk} of ${byes.length} BYE transactions answered 200 OK`);
  t.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  t.is(all.length, PAIRS * CALLS_PER_PAIR);
  t.true(ok.length >= Math.ceil(all.length * 0.99), `${ok.length} of ${all.length} calls connected and ended cleanly`);
  // The impairment really was on: about a fifth of the impaired phones' datagrams were lost.
  t.true(sD > 0 && sDrop / sD > 0.15 && sDrop / sD < 0.25, 'sent-side loss near 20 %');
  t.true(rD > 0 && rDrop / rD > 0.15 && rDrop / rD < 0.25, 'received-side loss near 20 %');
  // ... and the calls survived it by SIP retransmission, not by luck.
  t.true(sRep > 0, 'the impaired phones retransmitted SIP');
  t.true(byeOk >= ok.length, `${byeOk} BYEs answered 200 OK for ${ok.length} clean calls`);
});
