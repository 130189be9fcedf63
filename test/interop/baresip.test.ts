// Real calls with baresip (Debian `baresip`, 1.0) as the far end (issue #7). baresip registers
// to the lab server like any phone; quip calls it and it calls quip; the audio is real G.711
// both ways and scored against the ideal G.711 round trip of a known multi-tone.
import plainTest from 'ava';
import type { ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { decodeAlaw, encodeAlaw } from '../../firmware/codec/g711.ts';
import { readWav } from '../../hal/emulator/wav.ts';
import { audioPath, frameScores, signal, ulawRoundTrip, wavFile } from '../helpers/audio-signal.ts';
import { Baresip } from '../helpers/baresip.ts';
import type { EmulatorProcess } from '../helpers/emulator-process.ts';
import type { HostName } from '../helpers/hosts.ts';
import { sleep, withPeer } from '../helpers/interop.ts';
import { labWithPhones } from '../helpers/lab-phones.ts';
import { DOMAIN, startLab } from '../server/lab-fixture.ts';

const { test, path } = withPeer('baresip', 'baresip', ['-h']);

const Q_FREQS = [400, 1000, 2200]; // quip's microphone
const B_FREQS = [600, 1400]; // baresip's microphone
// baresip's aufile source plays its file once: longer than any call here.
const B_SECONDS = 20;

function alawRoundTrip(s: Int16Array): Int16Array {
  const enc = new Uint8Array(s.length);
  encodeAlaw(s, enc);
  const out = new Int16Array(s.length);
  decodeAlaw(enc, out);
  return out;
}

/**
 * A lab whose digest challenges are MD5 only: baresip 1.0 (libre 1.1) gives up on a 401 that
 * also offers SHA-256 ("Register: Function not implemented") instead of answering the MD5 one.
 */
async function labForBaresip(t: ExecutionContext) {
  return labWithPhones(t, { digestAlgorithms: ['MD5'] });
}

async function startBaresip(t: ExecutionContext, labPort: number, name: string, accountParams: string): Promise<Baresip> {
  const bs = await Baresip.start(t, path, {
    account: `<sip:bob@127.0.0.1:${labPort}>;auth_pass=secret${accountParams}`,
    audioIn: wavFile(`${name}-bs-in.wav`, signal(B_FREQS, B_SECONDS)),
  });
  await bs.registered();
  return bs;
}

/** Asserts the recording carries the signal: at least 90 % of 3 s or more of frames at ≥ 30 dB. */
function assertSignal(t: ExecutionContext, what: string, recorded: Int16Array, ideal: Int16Array): void {
  const s = frameScores(recorded, ideal);
  t.log(`${what}: ${s.clean}/${s.frames} frames ≥ 30 dB, median ${s.medianDb.toFixed(1)} dB, snr() over 2 s ${s.stretchDb.toFixed(1)} dB`);
  t.true(s.frames >= 150, `${what}: only ${s.frames} frames of audio`);
  t.true(s.clean >= s.frames * 0.9, `${what}: ${s.clean} of ${s.frames} frames ≥ 30 dB`);
  t.true(s.medianDb >= 60, `${what}: median frame ${s.medianDb.toFixed(1)} dB, not bit-exact G.711`);
}

/** Polls `probe` (the lab log has no events to wait on). */
async function eventually(probe: () => boolean, timeoutMs = 10000): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(50)) if (probe()) return true;
  return probe();
}

/** Waits until the phone has received `packets` RTP packets in the current call. */
function mediaFlowing(p: EmulatorProcess, packets: number) {
  return p.waitFor((e) => e.event === 'media_stats' && (e.received as number) >= packets, 20000);
}

/** The codec baresip chose, from its log: `{ encoder: 'PCMU', decoder: 'PCMU' }`. */
function baresipCodecs(bs: Baresip): { encoder?: string; decoder?: string } {
  const pick = (kind: string) => bs.output.map((l) => new RegExp(`^audio: Set audio ${kind}: (\\S+) 8000Hz`).exec(l)?.[1]).filter((c) => c !== undefined).pop();
  return { encoder: pick('encoder'), decoder: pick('decoder') };
}

/** The phone's host in a test's name: the emulator's tests keep their names, a native host says so. */
const onHost = (host: HostName): string => (host === 'node' ? '' : ` (a native ${host} phone)`);

/** Quits the phone (closing its WAV); a native one must exit 0 — on x64 no sanitizer report. */
async function quitPhone(t: ExecutionContext, p: EmulatorProcess): Promise<void> {
  const code = await p.quit();
  if (p.host !== 'node') t.is(code, 0, `${p.host} exit code; stderr: ${p.stderr.slice(-10).join(' | ')}`);
}

for (const host of ['node', 'x64'] as const) {
  test.serial(`quip calls baresip through the lab: baresip answers by itself, PCMU both ways, its audio arrives bit-exact${onHost(host)}`, async (t) => {
    const { lab, logs, phone } = await labForBaresip(t);
    const bs = await startBaresip(t, lab.port, `q2b-${host}`, ';answermode=auto');
    const out = audioPath(`q2b-${host}-quip-out.wav`);
    const alice = await phone('alice', 'desk6', 'secret', ['--audio-in', wavFile(`q2b-${host}-quip-in.wav`, signal(Q_FREQS, 2)), '--audio-out', out], host);

    alice.send({ dial: '2002' }); // bob's number: the lab forwards to baresip's registered contact
    await alice.waitFor((e) => e.event === 'call_state' && e.state === 'connected');
    await bs.waitEvent((e) => e.type === 'CALL_ESTABLISHED');
    await mediaFlowing(alice, 175); // 3.5 s of baresip's audio: enough frames to score
    // quip offered PCMU, PCMA; baresip takes the first it supports.
    t.deepEqual(baresipCodecs(bs), { encoder: 'PCMU', decoder: 'PCMU' });

    alice.send({ key: 'end' });
    await alice.waitFor((e) => e.event === 'call_state' && e.state === 'ended');
    const closed = await bs.waitEvent((e) => e.type === 'CALL_CLOSED');
    t.is(closed.direction, 'incoming');
    t.is(closed.param, 'Connection reset by peer', "libre's words for: the far end sent BYE");
    t.true(await eventually(() => logs.some((l) => / BYE sip:alice@127\.0\.0\.1 → \S+ 200 OK /.test(l))), 'the BYE was answered 200 through the lab');
    await quitPhone(t, alice); // closes the WAV
    t.is(await bs.stop(), 0, 'baresip quits cleanly on the control command');

    const [dec] = bs.recordings('dec');
    assertSignal(t, 'PCMU baresip→quip', readWav(readFileSync(out)).samples, ulawRoundTrip(signal(B_FREQS, 1)));
    assertSignal(t, 'PCMU quip→baresip', readWav(readFileSync(dec!)).samples, ulawRoundTrip(signal(Q_FREQS, 1)));
    t.deepEqual(alice.events.filter((e) => e.event === 'error' || e.event === 'watchdog'), []);
  });

  test.serial(`baresip calls quip through the lab offering only PCMA: the phone rings, answers, audio both ways, baresip hangs up${onHost(host)}`, async (t) => {
    const { lab, logs, phone } = await labForBaresip(t);
    // audio_codecs=PCMA: baresip offers A-law alone, so quip must answer with its second codec.
    const bs = await startBaresip(t, lab.port, `b2q-${host}`, ';audio_codecs=PCMA');
    const out = audioPath(`b2q-${host}-quip-out.wav`);
    const alice = await phone('alice', 'desk6', 'secret', ['--audio-in', wavFile(`b2q-${host}-quip-in.wav`, signal(Q_FREQS, 2)), '--audio-out', out], host);

    const dialed = await bs.command('dial', `sip:2001@127.0.0.1:${lab.port}`);
    t.true(dialed.ok, dialed.data);
    const incoming = await alice.waitFor((e) => e.event === 'incoming');
    t.regex(String(incoming.from), /bob@127\.0\.0\.1/);
    await bs.waitEvent((e) => e.type === 'CALL_RINGING');
    alice.send({ key: 'send' });
    await alice.waitFor((e) => e.event === 'call_state' && e.state === 'connected');
    await bs.waitEvent((e) => e.type === 'CALL_ESTABLISHED');
    await mediaFlowing(alice, 175);
    t.deepEqual(baresipCodecs(bs), { encoder: 'PCMA', decoder: 'PCMA' });

    const hungUp = await bs.command('hangup');
    t.true(hungUp.ok, hungUp.data);
    const ended = await alice.waitFor((e) => e.event === 'call_state' && e.state === 'ended');
    t.is(ended.direction, 'in');
    t.is(ended.reason, 'Remote hangup');
    await bs.waitEvent((e) => e.type === 'CALL_CLOSED');
    t.true(await eventually(() => logs.some((l) => / BYE sip:bob@127\.0\.0\.1\S* → \S+ 200 OK /.test(l))), 'the BYE was answered 200 through the lab');
    await quitPhone(t, alice);
    await bs.stop();

    const [dec] = bs.recordings('dec');
    assertSignal(t, 'PCMA baresip→quip', readWav(readFileSync(out)).samples, alawRoundTrip(signal(B_FREQS, 1)));
    assertSignal(t, 'PCMA quip→baresip', readWav(readFileSync(dec!)).samples, alawRoundTrip(signal(Q_FREQS, 1)));
    t.deepEqual(alice.events.filter((e) => e.event === 'error' || e.event === 'watchdog'), []);
  });
}

test.serial('quip puts baresip on hold and takes it off: baresip accepts both re-INVITEs, audio resumes', async (t) => {
  const { lab, phone } = await labForBaresip(t);
  const bs = await startBaresip(t, lab.port, 'hold', ';answermode=auto');
  const alice = await phone('alice', 'desk6', 'secret', ['--audio-in', wavFile('hold-quip-in.wav', signal(Q_FREQS, 2))]);
  alice.send({ dial: '2002' });
  await alice.waitFor((e) => e.event === 'call_state' && e.state === 'connected');
  await mediaFlowing(alice, 25);

  alice.send({ key: 'hold' }); // re-INVITE with a=sendonly; the state turns held on its 2xx
  await alice.waitFor((e) => e.event === 'call_state' && e.state === 'held');
  const mark = alice.events.length;
  alice.send({ key: 'hold' }); // and back: a=sendrecv
  await alice.waitFor((e) => e.event === 'call_state' && e.state === 'connected', 15000, mark);
  // baresip sends again after the resume: more packets arrive in the same call.
  const before = alice.events.filter((e) => e.event === 'media_stats').pop()!.received as number;
  await alice.waitFor((e) => e.event === 'media_stats' && (e.received as number) >= before + 50, 20000, mark);
  t.false(bs.events.some((e) => e.type === 'CALL_CLOSED'), 'the call survived both re-INVITEs');

  alice.send({ key: 'end' });
  await bs.waitEvent((e) => e.type === 'CALL_CLOSED');
  t.deepEqual(alice.events.filter((e) => e.event === 'error' || e.event === 'watchdog'), []);
});

test.serial('baresip holds a call quip placed and resumes it: quip answers both re-INVITEs, shows held then connected, and the call ends normally', async (t) => {
  const { lab, phone } = await labForBaresip(t);
  const bs = await startBaresip(t, lab.port, 'held', ';answermode=auto');
  const alice = await phone('alice', 'desk6', 'secret', ['--audio-in', wavFile('held-quip-in.wav', signal(Q_FREQS, 2))]);
  alice.send({ dial: '2002' });
  const up = await alice.waitFor((e) => e.event === 'call_state' && e.state === 'connected');
  await bs.waitEvent((e) => e.type === 'CALL_ESTABLISHED');

  const hold = await bs.command('hold'); // baresip's re-INVITE with a=sendonly
  t.true(hold.ok, hold.data);
  const held = await alice.waitFor((e) => e.event === 'call_state' && e.state === 'held' && e.call_id === up.call_id, 15000);
  t.is(held.direction, 'out');
  const mark = alice.events.length;
  const resume = await bs.command('resume'); // and a=sendrecv
  t.true(resume.ok, resume.data);
  await alice.waitFor((e) => e.event === 'call_state' && e.state === 'connected' && e.call_id === up.call_id, 15000, mark);
  t.false(bs.events.some((e) => e.type === 'CALL_CLOSED'), 'the call survived both re-INVITEs');

  alice.send({ key: 'end' });
  await bs.waitEvent((e) => e.type === 'CALL_CLOSED');
  const end = await alice.waitFor((e) => e.event === 'call_state' && e.state === 'ended' && e.call_id === up.call_id);
  t.is(end.reason, 'Call ended');
  const states = alice.events.filter((e) => e.event === 'call_state' && e.call_id === up.call_id).map((e) => e.state);
  t.deepEqual(states.slice(states.indexOf('connected')), ['connected', 'held', 'connected', 'ended']);
  t.deepEqual(alice.events.filter((e) => e.event === 'error' || e.event === 'watchdog'), []);
});

// The lab side of the finding above, with no baresip needed.
plainTest('the lab can challenge with MD5 alone (digestAlgorithms), for clients that fail on SHA-256', async (t) => {
  const lab = await startLab(t, { digestAlgorithms: ['MD5'] });
  const alice = await lab.endpoint('alice');
  const call = alice.registerCall();
  t.is((await call.final).status, 200);
  const offers = call.challenged[0]!.auth('WWW-Authenticate');
  t.deepEqual(offers.map((c) => c.params.get('algorithm')), ['MD5']);
  t.is(offers[0]!.params.get('realm'), DOMAIN);
});

test.serial('baresip transfers a call to quip onward: quip answers its REFER, calls the target and reports back', async (t) => {
  const { lab, logs, phone } = await labForBaresip(t);
  const bs = await startBaresip(t, lab.port, 'xfer', ';answermode=auto');
  const [alice, carol] = await Promise.all([phone('alice'), phone('carol')]);
  alice.send({ dial: '2002' });
  const first = await alice.waitFor((e) => e.event === 'call_state' && e.state === 'connected');
  await bs.waitEvent((e) => e.type === 'CALL_ESTABLISHED');

  const asked = await bs.command('transfer', `sip:2003@127.0.0.1:${lab.port}`);
  t.true(asked.ok, asked.data);
  t.like(await alice.waitFor((e) => e.event === 'transfer' && e.role === 'transferee' && e.state === 'accepted'), { call_id: first.call_id, status: 202 });
  await carol.waitFor((e) => e.event === 'incoming');
  carol.send({ key: 'send' });
  const onward = await alice.waitFor((e) => e.event === 'call_state' && e.state === 'connected' && e.call_id !== first.call_id);
  t.regex(String(onward.remote), /^2003@/);
  t.like(await alice.waitFor((e) => e.event === 'transfer' && e.state === 'done'), { call_id: first.call_id, status: 200 });
  // baresip hangs up its leg once the NOTIFY says the transfer worked.
  await bs.waitEvent((e) => e.type === 'CALL_CLOSED');
  t.is((await alice.waitFor((e) => e.event === 'call_state' && e.state === 'ended' && e.call_id === first.call_id)).reason, 'Transferred');
  t.true(logs.some((l) => / REFER .* 202 /.test(l)), 'REFER accepted through the lab');
  carol.send({ key: 'end' });
  await alice.waitFor((e) => e.event === 'call_state' && e.state === 'ended' && e.call_id === onward.call_id);
  t.is(await bs.stop(), 0);
});
