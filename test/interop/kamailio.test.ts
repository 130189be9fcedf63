// Kamailio 5.6 (test/interop/kamailio.cfg) against quip: emulated phones register with digest
// and talk through it, and the lab server's behaviour is compared with Kamailio's by running
// the same scripted scenarios against both. Differences the RFCs allow are listed as data
// (KNOWN_DIFFERENCES) and asserted, so a new one fails the test instead of hiding.
import avaTest from 'ava'; // for the data check that needs no Kamailio
import type { ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { readWav } from '../../hal/emulator/wav.ts';
import { startLabServer } from '../../server/lab-server.ts';
import type { LabServer } from '../../server/lab-server.ts';
import { defaultUsers } from '../../server/users.ts';
import { audioPath, frameScores, signal, ulawRoundTrip, wavFile } from '../helpers/audio-signal.ts';
import { EmulatorProcess } from '../helpers/emulator-process.ts';
import type { EmuEvent } from '../helpers/emulator-process.ts';
import type { HostName } from '../helpers/hosts.ts';
import { withPeer } from '../helpers/interop.ts';
import { startKamailio } from '../helpers/kamailio.ts';
import type { KamailioServer } from '../helpers/kamailio.ts';
import { firmwareImage } from '../helpers/lab-phones.ts';
import { RawUdp, SipEndpoint } from '../helpers/sip-endpoint.ts';
import type { EndpointOptions, OutgoingCall } from '../helpers/sip-endpoint.ts';

const { test, path: KAMAILIO } = withPeer('kamailio', 'kamailio'); // skips whole, saying why, without Kamailio

const DOMAIN = 'lab.example'; // the lab serves any host; kamailio.cfg has it as an alias
const users = defaultUsers();
let kamailio: KamailioServer | null = null;
let lab: LabServer | null = null;
const labLog: string[] = [];

test.before(async () => {
  [kamailio, lab] = await Promise.all([
    startKamailio(KAMAILIO, users),
    startLabServer({ port: 0, users, log: (l) => labLog.push(l) }),
    firmwareImage('desk6'), // built once, before any test's timeout starts
    firmwareImage('small2'),
  ]);
});

test.after.always(async () => {
  lab?.close();
  await kamailio?.stop(); // normally done by the last test, which checks it
});

/** On failure, both servers' side of the story. */
function logsOnFailure(t: ExecutionContext): void {
  const from = { kamailio: kamailio?.log.length ?? 0, lab: labLog.length };
  t.teardown(() => {
    if (t.passed) return;
    for (const l of kamailio?.log.slice(from.kamailio) ?? []) t.log(`kamailio: ${l}`);
    for (const l of labLog.slice(from.lab)) t.log(`lab: ${l}`);
  });
}

// ---- emulated phones through Kamailio --------------------------------------------------------

const A_FREQS = [400, 1000, 2200];
const B_FREQS = [600, 1400];

const stopped = new WeakSet<EmulatorProcess>();
/** Quits a phone once (the test quits it to close its WAV files; teardown catches the rest). */
async function stop(p: EmulatorProcess): Promise<void> {
  if (stopped.has(p)) return;
  stopped.add(p);
  await p.quit();
}

async function phone(t: ExecutionContext, user: string, extra: string[] = [], host: HostName = 'node'): Promise<EmulatorProcess> {
  const image = await firmwareImage('desk6');
  const p = new EmulatorProcess(['--board', 'desk6', '--image', image, '--account', `sip:${user}:secret@127.0.0.1:${kamailio!.port}`, ...extra], undefined, host);
  t.teardown(async () => {
    await stop(p);
    if (!t.passed) for (const l of p.stderr.slice(-20)) t.log(`${user}: ${l}`);
  });
  await p.waitFor((e) => e.event === 'registered', 30000);
  return p;
}

/** Resolves when Kamailio has logged a line matching `re` (its stderr arrives a little later). */
async function kamailioLogged(re: RegExp, count = 1): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (kamailio!.log.filter((l) => re.test(l)).length >= count) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

const state = (p: EmulatorProcess, s: string, from = 0): Promise<unknown> =>
  p.waitFor((e) => e.event === 'call_state' && e.state === s, 20000, from);

test.serial('two quip phones register with digest at Kamailio and talk through it both ways', async (t) => {
  logsOnFailure(t);
  const aOut = audioPath('kam-a-out.wav');
  const bOut = audioPath('kam-b-out.wav');
  const started = Date.now();
  const [alice, bob] = await Promise.all([
    phone(t, 'alice', ['--audio-in', wavFile('kam-a-in.wav', signal(A_FREQS, 2)), '--audio-out', aOut]),
    phone(t, 'bob', ['--audio-in', wavFile('kam-b-in.wav', signal(B_FREQS, 2)), '--audio-out', bOut]),
  ]);
  const registeredMs = Date.now() - started;
  for (const [p, user] of [[alice, 'alice'], [bob, 'bob']] as const) {
    const reg = p.events.find((e) => e.event === 'registered')!;
    t.regex(String(reg.aor), new RegExp(`^sip:${user}@127\\.0\\.0\\.1`));
    t.true(Number(reg.expires) > 0 && Number(reg.expires) <= 7200, `granted ${String(reg.expires)} s`);
  }
  // Kamailio saved both bindings after checking the digest (kamailio.cfg logs each step).
  t.true(await kamailioLogged(/REGISTER saved for alice from 127\.0\.0\.1:/));
  t.true(await kamailioLogged(/REGISTER saved for bob from 127\.0\.0\.1:/));
  t.true(kamailio!.log.every((l) => !/auth failed .* for '(alice|bob)'/.test(l)), 'no rejected credentials');

  // alice dials bob's number: Kamailio challenges the INVITE (407), maps 2002 → bob, rings him.
  const dialAt = Date.now();
  alice.send({ dial: '2002' });
  const incoming = await bob.waitFor((e) => e.event === 'incoming', 20000);
  t.regex(String(incoming.from), /alice/);
  bob.send({ key: 'send' });
  await state(alice, 'connected');
  await state(bob, 'connected');
  const setupMs = Date.now() - dialAt;
  await new Promise((r) => setTimeout(r, 3000)); // past the jitter buffer's start + 2 s scored
  const aliceEnded = alice.events.length;
  const bobEnded = bob.events.length;
  t.true(await kamailioLogged(/INVITE from alice to sip:bob@127\.0\.0\.1:\d+/), 'the number was mapped to bob\'s contact');
  alice.send({ key: 'end' });
  await state(alice, 'ended', aliceEnded);
  await state(bob, 'ended', bobEnded);
  // the ACK and the BYE followed Kamailio's Record-Route instead of going straight to bob
  t.true(await kamailioLogged(/in-dialog ACK from alice routed to sip:bob@/), 'ACK through Kamailio');
  t.true(await kamailioLogged(/in-dialog BYE from alice routed to sip:bob@/), 'BYE through Kamailio');

  // and back: bob calls alice by name, alice answers and hangs up (the callee's BYE).
  const aFrom = alice.events.length;
  const bFrom = bob.events.length;
  bob.send({ dial: `sip:alice@127.0.0.1:${kamailio!.port}` });
  await alice.waitFor((e) => e.event === 'incoming', 20000, aFrom);
  alice.send({ key: 'send' });
  await state(bob, 'connected', bFrom);
  alice.send({ key: 'end' });
  await state(alice, 'ended', aFrom);
  await state(bob, 'ended', bFrom);
  // the callee's BYE (From: alice, to bob's contact) went along the route set too
  t.true(await kamailioLogged(/in-dialog ACK from bob routed to sip:alice@/), 'ACK through Kamailio');
  t.true(await kamailioLogged(/in-dialog BYE from alice routed to sip:bob@/, 2), 'callee\'s BYE through Kamailio');

  await Promise.all([stop(alice), stop(bob)]); // closes the WAV files, unregisters
  const toB = frameScores(readWav(readFileSync(bOut)).samples, ulawRoundTrip(signal(A_FREQS, 1)));
  const toA = frameScores(readWav(readFileSync(aOut)).samples, ulawRoundTrip(signal(B_FREQS, 1)));
  t.log(`registered both in ${registeredMs} ms, call set up in ${setupMs} ms`);
  for (const [dir, sc] of [['A→B', toB], ['B→A', toA]] as const) {
    t.log(`${dir}: SNR ${sc.stretchDb.toFixed(1)} dB over 2 s; per 20 ms frame: median ${sc.medianDb.toFixed(1)} dB, ${sc.clean} of ${sc.frames} frames ≥ 30 dB`);
    // The codec path is bit-exact (≈ 100 dB); a loaded host may late-play a frame or two as
    // silence, which is the emulator's clock, not Kamailio or the network: allow 10 % of frames.
    t.true(sc.frames >= 75, `${dir}: ${sc.frames} frames of audio`);
    t.true(sc.medianDb >= 30, `${dir} median frame SNR ${sc.medianDb.toFixed(1)} dB`);
    t.true(sc.clean >= sc.frames * 0.9, `${dir}: only ${sc.clean} of ${sc.frames} frames clean`);
  }
});

test.serial('two native phones (x64 and armhf under qemu) register at Kamailio and call each other: media flows both ways, both end', async (t) => {
  t.timeout(180000);
  logsOnFailure(t);
  const saved = (user: string): RegExp => new RegExp(`REGISTER saved for ${user} from 127\\.0\\.0\\.1:`);
  const count = (re: RegExp): number => kamailio!.log.filter((l) => re.test(l)).length;
  const before = { alice: count(saved('alice')), bob: count(saved('bob')), aliceInvite: count(/INVITE from alice to sip:bob@/), bobInvite: count(/INVITE from bob to sip:alice@/) };
  const byes = { alice: count(/in-dialog BYE from alice routed to sip:bob@/), bob: count(/in-dialog BYE from bob routed to sip:alice@/) };
  const started = Date.now();
  const [alice, bob] = await Promise.all([phone(t, 'alice', [], 'x64'), phone(t, 'bob', [], 'armhf')]);
  const registeredMs = Date.now() - started;
  for (const [p, user] of [[alice, 'alice'], [bob, 'bob']] as const) {
    const reg = p.events.find((e) => e.event === 'registered')!;
    t.regex(String(reg.aor), new RegExp(`^sip:${user}@127\\.0\\.0\\.1`));
    t.true(Number(reg.expires) > 0 && Number(reg.expires) <= 7200, `${user} granted ${String(reg.expires)} s`);
  }
  t.true(await kamailioLogged(saved('alice'), before.alice + 1), 'Kamailio saved the x64 phone\'s binding');
  t.true(await kamailioLogged(saved('bob'), before.bob + 1), 'Kamailio saved the armhf phone\'s binding');

  /** One call from `caller` to `target`, answered by `callee`: RTP both ways, then `hanger` hangs up. */
  const call = async (caller: EmulatorProcess, callee: EmulatorProcess, target: string, hanger: EmulatorProcess): Promise<void> => {
    const [c0, e0] = [caller.events.length, callee.events.length];
    caller.send({ dial: target });
    await callee.waitFor((e) => e.event === 'incoming', 30000, e0);
    callee.send({ key: 'send' });
    const up = await caller.waitFor((e) => e.event === 'call_state' && e.state === 'connected', 30000, c0);
    const upThere = await callee.waitFor((e) => e.event === 'call_state' && e.state === 'connected', 30000, e0);
    // 2 s of RTP each way in this call, counted by each phone's own stream
    const flowing = (p: EmulatorProcess, id: unknown, from: number): Promise<EmuEvent> =>
      p.waitFor((e) => e.event === 'media_stats' && e.call_id === id && (e.received as number) >= 100 && (e.sent as number) >= 100, 30000, from);
    await Promise.all([flowing(caller, up.call_id, c0), flowing(callee, upThere.call_id, e0)]);
    hanger.send({ key: 'end' });
    const [endCaller, endCallee] = await Promise.all([
      caller.waitFor((e) => e.event === 'call_state' && e.state === 'ended', 30000, c0),
      callee.waitFor((e) => e.event === 'call_state' && e.state === 'ended', 30000, e0),
    ]);
    t.is((hanger === caller ? endCallee : endCaller).reason, 'Remote hangup');
    for (const [p, id] of [[caller, up.call_id], [callee, upThere.call_id]] as const) {
      const s = p.events.filter((e) => e.event === 'media_stats' && e.call_id === id).pop()!;
      t.log(`${p.host}: sent ${String(s.sent)}, received ${String(s.received)}, lost ${String(s.lost)}, concealed ${String(s.concealed)}`);
      t.is(s.lost, 0, `${p.host} lost packets`);
    }
  };
  // x64 dials bob's number and hangs up; then armhf calls alice by name and hangs up itself.
  await call(alice, bob, '2002', alice);
  t.true(await kamailioLogged(/INVITE from alice to sip:bob@127\.0\.0\.1:\d+/, before.aliceInvite + 1), 'the number was mapped to bob\'s contact');
  t.true(await kamailioLogged(/in-dialog BYE from alice routed to sip:bob@/, byes.alice + 1), 'BYE through Kamailio');
  await call(bob, alice, `sip:alice@127.0.0.1:${kamailio!.port}`, bob);
  t.true(await kamailioLogged(/INVITE from bob to sip:alice@127\.0\.0\.1:\d+/, before.bobInvite + 1), 'bob\'s INVITE, authenticated and routed to alice');
  t.true(await kamailioLogged(/in-dialog BYE from bob routed to sip:alice@/, byes.bob + 1), 'the armhf phone\'s BYE through Kamailio');

  await Promise.all([stop(alice), stop(bob)]);
  t.deepEqual(await Promise.all([alice.exited, bob.exited]), [0, 0], `both phones quit cleanly (x64: no sanitizer report); stderr: ${alice.stderr.slice(-5).join(' | ')}`);
  t.false(alice.stderr.some((l) => /AddressSanitizer|LeakSanitizer|runtime error:/.test(l)), 'sanitizer report');
  for (const p of [alice, bob]) t.deepEqual(p.events.filter((e) => e.event === 'error' || e.event === 'watchdog'), [], `${p.host}: firmware faults`);
  t.log(`registered both in ${registeredMs} ms`);
});

test.serial('blind transfer through Kamailio: REFER and NOTIFY follow the route set, and the transferee calls the target', async (t) => {
  logsOnFailure(t);
  const [alice, bob, carol] = await Promise.all([phone(t, 'alice'), phone(t, 'bob'), phone(t, 'carol')]);
  alice.send({ dial: '2002' });
  await bob.waitFor((e) => e.event === 'incoming', 20000);
  bob.send({ key: 'send' });
  await state(alice, 'connected');
  await state(bob, 'connected');
  const bFrom = bob.events.length;
  alice.send({ key: 'transfer' });
  await alice.waitForScreen((l) => l[0] === 'Transfer to:');
  for (const d of '2003') alice.send({ key: d });
  alice.send({ key: 'transfer' });
  const aliceEnd = await alice.waitFor((e) => e.event === 'call_state' && e.state === 'ended', 20000);
  t.is(aliceEnd.reason, 'Transferred');
  await carol.waitFor((e) => e.event === 'incoming', 20000);
  carol.send({ key: 'send' });
  const bobNew = await bob.waitFor((e) => e.event === 'call_state' && e.state === 'connected' && e.direction === 'out', 20000, bFrom);
  t.regex(String(bobNew.remote), /^2003@/);
  t.true(await kamailioLogged(/in-dialog REFER from alice routed to sip:bob@/), 'REFER through Kamailio');
  t.true(await kamailioLogged(/in-dialog NOTIFY from \S+ routed to sip:alice@/), 'NOTIFY back through Kamailio');
  t.true(await kamailioLogged(/INVITE from bob to sip:carol@127\.0\.0\.1:\d+/), 'the transferee\'s INVITE, authenticated and mapped to carol');
  carol.send({ key: 'end' });
  await bob.waitFor((e) => e.event === 'call_state' && e.state === 'ended' && e.call_id === bobNew.call_id, 20000);
});

test.serial('a phone with a wrong password gives up with the status: 401 from Kamailio, 403 from the lab', async (t) => {
  logsOnFailure(t);
  const image = await firmwareImage('small2');
  const statuses = await Promise.all([kamailio!.port, lab!.port].map(async (port) => {
    const p = new EmulatorProcess(['--board', 'small2', '--image', image, '--account', `sip:carol:wrong@127.0.0.1:${port}`]);
    try {
      const failed = await p.waitFor((e) => e.event === 'registration_failed', 30000);
      t.false(p.events.some((e) => e.event === 'registered'));
      return failed.status;
    } finally {
      await p.quit();
    }
  }));
  // The same known difference as the scripted 'REGISTER with a wrong password' scenario.
  t.deepEqual(statuses, [401, 403]);
  // Kamailio saw carol's digest and refused it: the phone answered the challenge, no more.
  t.true(kamailio!.log.some((l) => /auth failed \(-2\) for 'carol'/.test(l)));
});

/**
 * A binding's expires as a registrar reports it: the seconds left, so a binding made a moment
 * earlier may read one less once a second ticks over (Kamailio: 599 for 600). Compared to 10 s.
 */
function secondsLeft(expires: number | null): number | null {
  return expires === null ? null : Math.ceil(expires / 10) * 10;
}

// ---- the same scenarios against the lab and Kamailio -------------------------------------------

/** One server under test, and the endpoints a scenario made (closed, unregistered afterwards). */
class Target {
  private readonly endpoints: SipEndpoint[] = [];
  constructor(readonly name: 'lab' | 'kamailio', readonly port: number) {}

  async endpoint(user: string, o: Partial<EndpointOptions> = {}): Promise<SipEndpoint> {
    const ep = await SipEndpoint.start({ user, domain: DOMAIN, server: { address: '127.0.0.1', port: this.port }, password: 'secret', ...o });
    this.endpoints.push(ep);
    return ep;
  }

  /** A fresh endpoint whose REGISTER got its 200. */
  async registered(user: string, o: Partial<EndpointOptions> = {}, expires = 600): Promise<SipEndpoint> {
    const ep = await this.endpoint(user, o);
    const res = await ep.register({ expires });
    if (res.status !== 200) throw new Error(`${this.name}: ${user} could not register: ${res.status}`);
    return ep;
  }

  /** Leaves the server as it was: every user a scenario touched is unregistered (`*`). */
  async finish(): Promise<void> {
    const seen = new Set<string>();
    for (const ep of this.endpoints) {
      if (seen.has(ep.o.user) || ep.o.password !== 'secret' || ep.o.authUser !== undefined) continue;
      seen.add(ep.o.user);
      await ep.register({ contacts: ['*'], expires: 0, callId: `${ep.callId}-cleanup`, cseq: 1 });
    }
    for (const ep of this.endpoints) ep.close();
  }

  /** A message's text with this server's and the endpoints' ports made comparable. */
  norm(text: string): string {
    let s = text.split(`127.0.0.1:${this.port}`).join('127.0.0.1:SERVER');
    // ALICE, BOB, BOB2...: by user and the order the scenario made them
    const seen = new Map<string, number>();
    for (const ep of this.endpoints) {
      const n = (seen.get(ep.o.user) ?? 0) + 1;
      seen.set(ep.o.user, n);
      const label = `${ep.o.user.toUpperCase()}${n > 1 ? n : ''}`;
      s = s.split(`127.0.0.1:${ep.port}`).join(`127.0.0.1:${label}`).split(`rport=${ep.port}`).join(`rport=${label}`);
    }
    return s;
  }
}

type Observation = Record<string, unknown>;
type Scenario = (s: Target) => Promise<Observation>;

const param = (header: string | undefined, name: string): string | null =>
  new RegExp(`[\\s,]${name}="?([^",]*)"?`, 'i').exec(header ?? '')?.[1] ?? null;

/**
 * Sends one request as raw bytes (built for the client's port) and collects what comes back
 * until a final response; the client's port reads CLIENT in the replies.
 */
async function rawExchange(port: number, lines: (me: number) => string[]): Promise<string[]> {
  const raw = await RawUdp.open();
  try {
    raw.send([...lines(raw.port), 'Content-Length: 0', '', ''].join('\r\n'), port);
    const got: string[] = [];
    for (;;) {
      const d = await raw.next(5000);
      if (d === null) return got;
      got.push(d.split(String(raw.port)).join('CLIENT'));
      if (!/^SIP\/2\.0 1\d\d/.test(d)) return got;
    }
  } finally {
    raw.close();
  }
}

/** How a server answered a call: its first challenge, the final answer, how often credentials were sent. */
async function answers(call: OutgoingCall): Promise<Observation> {
  const res = await call.final;
  const first = call.challenged[0];
  return {
    challenge: first === undefined ? null : `${first.status} ${first.reason}`,
    final: `${res.status} ${res.reason}`,
    credentialsSent: call.challenged.length,
  };
}

const SCENARIOS: Record<string, Scenario> = {
  async 'REGISTER without credentials is challenged'(s) {
    const ep = await s.endpoint('alice', { password: undefined });
    const res = await ep.register({ expires: 600 });
    const challenges = res.getAll('WWW-Authenticate');
    return {
      status: res.status,
      schemes: [...new Set(challenges.map((c) => c.split(' ')[0]))],
      realm: param(challenges[0], 'realm'),
      qopAuth: challenges.every((c) => /qop="[^"]*\bauth\b/.test(c)),
      nonce: challenges.every((c) => (param(c, 'nonce') ?? '').length >= 8),
      algorithms: challenges.map((c) => param(c, 'algorithm') ?? '(none: MD5)'),
    };
  },

  async 'REGISTER with a wrong password'(s) {
    const ep = await s.endpoint('alice', { password: 'wrong' });
    const call = ep.registerCall({ expires: 600 });
    const res = await call.final;
    return { status: res.status, credentialsSent: call.challenged.length };
  },

  async 'REGISTER with someone else\'s credentials'(s) {
    const ep = await s.endpoint('alice', { authUser: 'bob' });
    const call = ep.registerCall({ expires: 600 });
    return { status: (await call.final).status };
  },

  async 'REGISTER for a user the server does not know: answered like a wrong password'(s) {
    const [stranger, typo] = await Promise.all([s.endpoint('nobody', { password: 'guess' }), s.endpoint('alice', { password: 'guess' })]);
    const [unknown, wrong] = [stranger.registerCall({ expires: 600 }), typo.registerCall({ expires: 600 })];
    const [a, b] = await Promise.all([answers(unknown), answers(wrong)]);
    return { ...a, sameAsWrongPassword: JSON.stringify(a) === JSON.stringify(b) };
  },

  async 'INVITE from a user of the domain the server does not know: answered like a wrong password'(s) {
    await s.registered('bob', { answer: 'answer' });
    const [stranger, typo] = await Promise.all([s.endpoint('nobody', { password: 'guess' }), s.endpoint('alice', { password: 'guess' })]);
    const [unknown, wrong] = [stranger.invite(`sip:bob@${DOMAIN}`), typo.invite(`sip:bob@${DOMAIN}`)];
    const [a, b] = await Promise.all([answers(unknown), answers(wrong)]);
    return { ...a, sameAsWrongPassword: JSON.stringify(a) === JSON.stringify(b) };
  },

  async 'REGISTER with the password: 200 lists the contact with its expiry'(s) {
    const ep = await s.endpoint('alice');
    const call = ep.registerCall({ expires: 600 });
    const res = await call.final;
    return {
      challenged: call.challenged.map((r) => r.status),
      status: res.status,
      contacts: res.contacts().map((c) => [s.norm(c.uriText), secondsLeft(c.expires)]),
      expiresHeader: res.get('Expires') ?? null,
      via: s.norm(res.get('Via')!.replace(/;branch=[^;]+/, '')),
      to: s.norm(res.to()!.uriText),
      toTag: res.to()!.tag !== null,
    };
  },

  async 'two contacts for one user, then Expires 0 for one, then *'(s) {
    const desk = await s.registered('bob', {}, 600);
    const mobile = await s.endpoint('bob');
    const both = await mobile.register({ expires: 900 });
    const list = (r: typeof both): Array<[string, number | null]> =>
      r.contacts().map((c) => [s.norm(c.uriText), secondsLeft(c.expires)] as [string, number | null]).sort((a, b) => a[0].localeCompare(b[0]));
    const one = await desk.register({ expires: 0 });
    const none = await mobile.register({ contacts: ['*'], expires: 0 });
    const starWithoutZero = await mobile.register({ contacts: ['*'], expires: 600 });
    const tooBrief = await mobile.register({ expires: 30 });
    return {
      both: [both.status, list(both)],
      afterOne: [one.status, list(one)],
      afterStar: [none.status, list(none)],
      starWithoutZero: starWithoutZero.status,
      tooBrief: [tooBrief.status, tooBrief.get('Min-Expires') ?? null],
    };
  },

  async 'INVITE to a registered user: 180, 200, ACK and BYE through the Record-Route'(s) {
    const bob = await s.registered('bob', { answer: 'ring-answer', ringMs: 100 });
    const alice = await s.registered('alice');
    const call = alice.invite(`sip:bob@${DOMAIN}`);
    const ok = await call.final;
    const invite = bob.requests('INVITE')[0];
    const ack = await bob.waitForRequest('ACK', 5000);
    const bye = await alice.bye(call.dialogs[0]!);
    const byeAtBob = await bob.waitForRequest('BYE', 5000);
    return {
      challenged: call.challenged.map((r) => r.status),
      responses: [...new Set(call.responses.map((r) => r.status))],
      final: ok.status,
      recordRoute: invite?.getAll('Record-Route').map((r) => s.norm(r)),
      requestUri: s.norm(invite?.uri ?? ''),
      maxForwards: invite?.maxForwards(),
      viasAtCallee: invite?.vias().length,
      credentialsForwarded: invite?.has('Proxy-Authorization'),
      viasAtCaller: ok.vias().length,
      routeSetAtCaller: call.dialogs[0]!.routeSet.map((r) => s.norm(r)),
      ackUri: s.norm(ack.msg.uri),
      ackRoute: ack.msg.getAll('Route'),
      bye: bye.status,
      byeUri: s.norm(byeAtBob.msg.uri),
      byeRoute: byeAtBob.msg.getAll('Route'),
    };
  },

  async 'INVITE by number reaches the user the number belongs to'(s) {
    const bob = await s.registered('bob', { answer: 'answer' });
    const alice = await s.registered('alice');
    const call = alice.invite(`sip:2002@${DOMAIN}`);
    const ok = await call.final;
    await bob.waitForRequest('ACK', 5000);
    await alice.bye(call.dialogs[0]!);
    return { final: ok.status, requestUri: s.norm(bob.requests('INVITE')[0]?.uri ?? '') };
  },

  async 'CANCEL while ringing: 487 to the caller, CANCEL at the callee'(s) {
    const bob = await s.registered('bob', { answer: 'ring' });
    const alice = await s.registered('alice');
    const call = alice.invite(`sip:bob@${DOMAIN}`);
    await call.waitStatus(180, 5000);
    call.cancel();
    const res = await call.final;
    const cancel = await bob.waitForRequest('CANCEL', 5000);
    // (the ACK of the callee's 487 is hop by hop: the proxy's transaction absorbs it)
    return { final: res.status, cancelAtCallee: cancel.msg.method, cancelUri: s.norm(cancel.msg.uri) };
  },

  async 'busy callee: the 486 is relayed'(s) {
    await s.registered('bob', { answer: 'reject' });
    const alice = await s.registered('alice');
    const res = await alice.invite(`sip:bob@${DOMAIN}`).final;
    return { final: res.status };
  },

  async 'unknown user and a known user with no contact'(s) {
    const alice = await s.registered('alice');
    const unknown = await alice.invite(`sip:nobody@${DOMAIN}`).final;
    const away = await alice.invite(`sip:carol@${DOMAIN}`).final;
    return { unknown: unknown.status, notRegistered: away.status };
  },

  async 'Max-Forwards 0 is answered 483'(s) {
    await s.registered('bob');
    const got = await rawExchange(s.port, (me) => [
      `INVITE sip:bob@${DOMAIN} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${me};branch=z9hG4bK-mf0-${s.name};rport`,
      'Max-Forwards: 0',
      'From: <sip:guest@elsewhere.example>;tag=mf0',
      `To: <sip:bob@${DOMAIN}>`,
      `Call-ID: mf0-${s.name}@quip`,
      'CSeq: 1 INVITE',
      `Contact: <sip:guest@127.0.0.1:${me}>`,
    ]);
    return { statuses: got.map((d) => Number(d.slice(8, 11))) };
  },

  async 'OPTIONS to the server'(s) {
    const got = await rawExchange(s.port, (me) => [
      `OPTIONS sip:${DOMAIN} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${me};branch=z9hG4bK-opt-${s.name};rport`,
      'Max-Forwards: 70',
      'From: <sip:guest@elsewhere.example>;tag=opt',
      `To: <sip:${DOMAIN}>`,
      `Call-ID: opt-${s.name}@quip`,
      'CSeq: 1 OPTIONS',
    ]);
    const res = got[got.length - 1] ?? '';
    const header = (n: string): string | null => new RegExp(`^${n}:\\s*(.*)$`, 'im').exec(res)?.[1]?.trim() ?? null;
    return {
      via: (/^Via:\s*(.*)$/im.exec(res)?.[1] ?? '').replace(/;branch=[^;]+/, ''),
      status: Number(res.slice(8, 11)),
      allow: header('Allow'),
      accept: header('Accept'),
      toTag: /^To:.*;tag=/im.test(res),
    };
  },
};

interface KnownDifference {
  scenario: string;
  field: string;
  lab: unknown;
  kamailio: unknown;
  why: string;
}

// Where the two servers differ, and why both are allowed. Asserted: each entry must still hold.
const KNOWN_DIFFERENCES: KnownDifference[] = [
  {
    scenario: 'REGISTER without credentials is challenged', field: 'algorithms',
    lab: ['SHA-256', 'MD5'], kamailio: ['(none: MD5)'],
    why: 'the lab offers SHA-256 first and MD5 (RFC 8760); Kamailio 5.6\'s auth module offers one algorithm and leaves the parameter out, which means MD5 (RFC 2617)',
  },
  {
    scenario: 'REGISTER with a wrong password', field: 'status', lab: 403, kamailio: 401,
    why: 'RFC 3261 §22 lets a registrar refuse (403) or challenge again (401): the lab refuses so a phone with a typo shows an error (server/registrar.ts); Kamailio\'s stock config re-challenges',
  },
  {
    scenario: 'REGISTER with a wrong password', field: 'credentialsSent', lab: 1, kamailio: 2,
    why: 'after Kamailio\'s second 401 the endpoint gives up (it answers two challenges at most)',
  },
  {
    scenario: 'REGISTER with someone else\'s credentials', field: 'status', lab: 403, kamailio: 401,
    why: 'both refuse bob\'s credentials for alice\'s AOR (RFC 3261 §10.3 steps 3–4); the lab with 403, Kamailio (pv_auth_check code -8) by challenging again',
  },
  {
    scenario: 'REGISTER for a user the server does not know: answered like a wrong password', field: 'final',
    lab: '403 Forbidden', kamailio: '401 Unauthorized',
    why: 'both challenge an unknown user and refuse its answer exactly as they refuse a wrong password (no 404 to enumerate users by, sipvicious svwar); each then refuses in its own way, as in \'REGISTER with a wrong password\'',
  },
  {
    scenario: 'REGISTER for a user the server does not know: answered like a wrong password', field: 'credentialsSent', lab: 1, kamailio: 2,
    why: 'after Kamailio\'s second 401 the endpoint gives up (it answers two challenges at most)',
  },
  {
    scenario: 'INVITE from a user of the domain the server does not know: answered like a wrong password', field: 'final',
    lab: '403 Forbidden', kamailio: '407 Proxy Authentication Required',
    why: 'a From in the domain is challenged whether the user exists or not (kamailio.cfg route[AUTH] checks a dummy password; the lab a random one, with the same digest work); the lab refuses the wrong answer with 403, Kamailio challenges again',
  },
  {
    scenario: 'INVITE from a user of the domain the server does not know: answered like a wrong password', field: 'credentialsSent', lab: 1, kamailio: 2,
    why: 'after Kamailio\'s second 407 the endpoint gives up (it answers two challenges at most)',
  },
  {
    scenario: 'OPTIONS to the server', field: 'allow',
    lab: 'INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, PRACK, SUBSCRIBE, NOTIFY, PUBLISH, INFO, REFER, MESSAGE, UPDATE', kamailio: null,
    why: 'RFC 3261 §11.2: Allow SHOULD be in a 200 to OPTIONS; siputils options_reply() sends Accept*, Supported but no Allow',
  },
  {
    scenario: 'OPTIONS to the server', field: 'accept', lab: 'application/sdp', kamailio: '*/*',
    why: 'Accept is what the answering element takes: the lab names SDP, options_reply() defaults to */* (siputils options_accept)',
  },
];

for (const [name, scenario] of Object.entries(SCENARIOS)) {
  test.serial(`lab vs Kamailio: ${name}`, async (t) => {
    logsOnFailure(t);
    const targets = [new Target('lab', lab!.port), new Target('kamailio', kamailio!.port)];
    const [atLab, atKamailio] = await Promise.all(targets.map(async (s) => {
      try {
        return await scenario(s);
      } finally {
        await s.finish();
      }
    }));
    t.log(`lab:      ${JSON.stringify(atLab)}`);
    t.log(`kamailio: ${JSON.stringify(atKamailio)}`);
    const known = KNOWN_DIFFERENCES.filter((d) => d.scenario === name);
    for (const d of known) {
      t.deepEqual([atLab![d.field], atKamailio![d.field]], [d.lab, d.kamailio], `known difference "${d.field}": ${d.why}`);
      delete atLab![d.field];
      delete atKamailio![d.field];
    }
    t.deepEqual(atLab, atKamailio);
  });
}

test.serial('Kamailio stops with all its worker processes', async (t) => {
  const k = kamailio!;
  await k.stop();
  kamailio = null;
  t.throws(() => process.kill(-k.pid, 0), undefined, 'the process group is empty');
});

avaTest('every known difference names a scenario and a field that exist', (t) => {
  for (const d of KNOWN_DIFFERENCES) t.true(d.scenario in SCENARIOS, d.scenario);
  t.is(new Set(KNOWN_DIFFERENCES.map((d) => `${d.scenario}|${d.field}`)).size, KNOWN_DIFFERENCES.length);
});
