// A registrar that goes away: the phone notices (OPTIONS checks while registered), says so on
// the LCD, and registers again by itself when the registrar is back. First on simulated time
// against a scripted registrar (a 60 s outage in milliseconds), then for real: an emulated
// phone, the lab server stopped and started again on the same port.
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SipMessage, createResponse, parseMessage, serializeMessage } from '../../firmware/sip/index.ts';
import { SimPhone } from '../helpers/sim-phone.ts';
import type { WirePeer } from '../helpers/sim-phone.ts';
import { ROOT } from '../helpers/corpus.ts';
import { firmwareImage } from '../helpers/lab-phones.ts';
import { EmulatorProcess } from '../helpers/emulator-process.ts';
import { startLabServer } from '../../server/lab-server.ts';
import { defaultUsers } from '../../server/users.ts';

const REGISTRAR = { address: '10.0.0.1', port: 5060 };

/** Requests only: CRLF keep-alives and responses are not what the registrar answers. */
function request(data: string): SipMessage | null {
  if (data.trim() === '') return null;
  const m = parseMessage(data);
  return m.kind === 'request' && m.method !== 'ACK' ? m : null;
}

/** A registrar without auth that also answers OPTIONS; `up = false` is a dead host. */
class ScriptedRegistrar {
  up = true;
  /** Every request that reached the host, answered or not (retransmissions included). */
  readonly seen: Array<{ method: string; cseq: string; at: number; answered: boolean }> = [];
  constructor(private readonly phone: () => SimPhone) {}

  readonly wire: WirePeer = (data, to, from) => {
    if (to.address !== REGISTRAR.address || to.port !== REGISTRAR.port) return;
    const req = request(data);
    if (req === null) return;
    this.seen.push({ method: req.method, cseq: req.get('CSeq') ?? '', at: this.phone().now(), answered: this.up });
    if (!this.up) return;
    const res = createResponse(req, req.method === 'REGISTER' || req.method === 'OPTIONS' ? 200 : 405, undefined, 'reg1');
    if (req.method === 'REGISTER') {
      const contact = req.get('Contact');
      const expires = req.get('Expires');
      if (contact !== undefined && expires !== '0') res.add('Contact', `${contact};expires=${expires ?? '3600'}`);
    }
    this.phone().deliver(serializeMessage(res), REGISTRAR, from.port);
  };

  /** Transactions of a method (retransmissions counted once), optionally only answered ones. */
  count(method: string, answered = true): number {
    return new Set(this.seen.filter((s) => s.method === method && (!answered || s.answered)).map((s) => `${s.cseq}@${s.at}`)).size;
  }

  /** When each REGISTER transaction started (its first transmission). */
  registerStarts(from = 0): number[] {
    const first = new Map<string, number>();
    for (const s of this.seen) if (s.method === 'REGISTER' && s.at >= from && !first.has(s.cseq)) first.set(s.cseq, s.at);
    return [...first.values()];
  }
}

function simulated(serverCheckS?: number): { phone: SimPhone; registrar: ScriptedRegistrar } {
  let phone: SimPhone | null = null;
  const registrar = new ScriptedRegistrar(() => phone!);
  const board = SimPhone.board('desk6', {
    accounts: [{ uri: 'sip:alice@10.0.0.1', password: 'secret' }],
    sip: { port: 5060, transport: 'udp', ...(serverCheckS !== undefined ? { serverCheckS } : {}) },
  });
  phone = new SimPhone(board, registrar.wire);
  phone.boot();
  return { phone, registrar };
}

const has = (p: SimPhone, event: string, from = 0): boolean => p.events.slice(from).some((e) => e.event === event);

test('a 60 s registrar outage: noticed within check + 8 s, shown on the LCD, registered again by itself after it', (t) => {
  const { phone, registrar } = simulated();
  phone.advanceUntil(() => has(phone, 'registered'), 5000);
  t.is(phone.screen()[1], 'Registered');

  // Healthy: one OPTIONS per 30 s check, each answered; nothing reported.
  phone.advance(95_000);
  t.is(registrar.count('OPTIONS'), 3);
  t.is(registrar.count('OPTIONS', false), 3);
  t.false(has(phone, 'registrar_lost'));

  const mark = phone.events.length;
  registrar.up = false;
  const outageAt = phone.now();
  const noticedIn = phone.advanceUntil(() => has(phone, 'registrar_lost', mark), 60_000);
  t.true(noticedIn <= 30_000 + 8_000, `noticed after ${noticedIn} ms`);
  t.is(phone.screen()[1], 'Registrar lost');

  // The LCD keeps saying so through the outage, while REGISTERs go unanswered.
  phone.advanceUntil(() => phone.now() - outageAt >= 60_000, 60_000);
  t.is(phone.screen()[1], 'Registrar lost');
  t.true(registrar.seen.some((s) => s.method === 'REGISTER' && !s.answered), 'it tried to register again during the outage');

  registrar.up = true;
  const back = phone.now();
  const took = phone.advanceUntil(() => has(phone, 'registered', mark), 10 * 60_000);
  t.log(`lost noticed ${noticedIn / 1000} s into the outage; registered ${took / 1000} s after it ended`);
  t.true(took <= 60_000, `registered again ${took} ms after the registrar came back`);
  t.is(phone.screen()[1], 'Registered');
  t.true(registrar.seen.some((s) => s.method === 'REGISTER' && s.at >= back));
  // And it keeps checking afterwards.
  const options = registrar.count('OPTIONS');
  phone.advance(61_000);
  t.is(registrar.count('OPTIONS'), options + 2);
});

test('any answer to the check proves the registrar is there, even an error', (t) => {
  let phone: SimPhone | null = null;
  const board = SimPhone.board('desk6', { accounts: [{ uri: 'sip:alice@10.0.0.1', password: 'secret' }], sip: { port: 5060, transport: 'udp', serverCheckS: 10 } });
  let options = 0;
  phone = new SimPhone(board, (data, _to, from) => {
    const req = request(data);
    if (req === null) return;
    const status = req.method === 'OPTIONS' ? (options++, 483) : 200;
    const res = createResponse(req, status, undefined, 'x');
    if (req.method === 'REGISTER') res.add('Contact', `${req.get('Contact')!};expires=3600`);
    phone!.deliver(serializeMessage(res), REGISTRAR, from.port);
  });
  phone.boot();
  phone.advance(120_000);
  t.true(options >= 11, `${options} checks`);
  t.false(has(phone, 'registrar_lost'));
  t.is(phone.screen()[1], 'Registered');
});

test('sip.serverCheckS = 0 turns the checks off', (t) => {
  const { phone, registrar } = simulated(0);
  phone.advance(300_000);
  t.is(registrar.count('OPTIONS'), 0);
  registrar.up = false;
  phone.advance(120_000);
  t.false(has(phone, 'registrar_lost'));
});

test('a registrar lost for good: the phone keeps trying, backing off, and never claims to be registered', (t) => {
  const { phone, registrar } = simulated(20);
  phone.advanceUntil(() => has(phone, 'registered'), 5000);
  const mark = phone.events.length;
  registrar.up = false;
  const down = phone.now();
  phone.advance(30 * 60_000);
  t.is(phone.screen()[1], 'Registrar lost');
  t.false(has(phone, 'registered', mark));
  const starts = registrar.registerStarts(down);
  const gaps = starts.slice(1).map((s, i) => s - starts[i]!);
  t.log(`REGISTER attempts in 30 min: ${starts.length}; gaps ${gaps.map((g) => Math.round(g / 1000)).join(', ')} s`);
  t.true(starts.length >= 5 && starts.length <= 12, `${starts.length} attempts`);
  t.true(gaps.every((g, i) => i === 0 || g >= gaps[i - 1]!), 'the gaps never shrink');
  registrar.up = true;
  phone.advanceUntil(() => phone.screen()[1] === 'Registered', 11 * 60_000);
});

test.serial('for real: the lab server stops, the LCD says so; it starts again on the same port and the phone registers again', async (t) => {
  t.timeout(90_000);
  const logs: string[] = [];
  const users = defaultUsers();
  let lab = await startLabServer({ port: 0, users, log: (l) => logs.push(l) });
  const port = lab.port;
  // desk6 with a 1 s check, so the test sees the loss within ~9 s of wall time.
  const board = JSON.parse(readFileSync(join(ROOT, 'board-configs', 'desk6.json'), 'utf8')) as { sip: Record<string, unknown> };
  board.sip.serverCheckS = 1;
  const boardFile = join(mkdtempSync(join(tmpdir(), 'quip-board-')), 'desk6.json');
  writeFileSync(boardFile, JSON.stringify(board));
  const phone = new EmulatorProcess(['--board', boardFile, '--image', await firmwareImage('desk6'), '--account', `sip:alice:secret@127.0.0.1:${port}`]);
  t.teardown(async () => {
    await phone.quit();
    lab.close();
    if (!t.passed) for (const l of logs) t.log(`lab: ${l}`);
  });
  await phone.waitFor((e) => e.event === 'registered');
  await new Promise((r) => setTimeout(r, 2500));
  t.true(logs.some((l) => /OPTIONS/.test(l)), 'the lab answered the checks');
  t.false(phone.events.some((e) => e.event === 'registrar_lost'));

  lab.close();
  const lost = await phone.waitFor((e) => e.event === 'registrar_lost', 20_000);
  t.is(lost.server, `127.0.0.1:${port}`);
  await phone.waitForScreen((l) => l[1] === 'Registrar lost');
  const mark = phone.events.length;

  lab = await startLabServer({ port, users, log: (l) => logs.push(l) });
  await phone.waitFor((e) => e.event === 'registered', 45_000, mark);
  await phone.waitForScreen((l) => l[1] === 'Registered');
});
