// Calls with media on quip-host, the native board host: phones on the x64 host (the ASan/UBSan
// build) and the armhf host (under qemu-arm) register to the lab server, call each other from
// the keypad and hold, and carry real audio — a known multi-tone WAV in, the speaker recorded —
// to and from each other and the Node emulator, scored against the ideal µ-law round trip.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { readWav } from '../../hal/emulator/wav.ts';
import { RATE, audioPath, frameScores, signal, snr, ulawRoundTrip, wavFile } from '../helpers/audio-signal.ts';
import type { EmuEvent, EmulatorProcess } from '../helpers/emulator-process.ts';
import type { HostName } from '../helpers/hosts.ts';
import { callStates, labWithPhones } from '../helpers/lab-phones.ts';

const A_FREQS = [400, 1000, 2200];
const B_FREQS = [600, 1400];

/** Native phones under qemu on a busy machine: ceilings well above what a quiet one needs. */
const CALL_MS = 30000;
const state = (p: EmulatorProcess, s: string, from = 0): Promise<EmuEvent> =>
  p.waitFor((e) => e.event === 'call_state' && e.state === s, CALL_MS, from);

/** Quits the phones (closing their WAV files) and checks each exits 0 — no sanitizer report on x64. */
async function quitClean(t: ExecutionContext, phones: Array<[string, EmulatorProcess]>): Promise<void> {
  const codes = await Promise.all(phones.map(([, p]) => p.quit()));
  phones.forEach(([name, p], i) => {
    t.is(codes[i], 0, `${name} (${p.host}) exit code; stderr: ${p.stderr.slice(-10).join(' | ')}`);
    t.false(p.stderr.some((l) => /AddressSanitizer|LeakSanitizer|runtime error:/.test(l)), `${name}: sanitizer report`);
    t.deepEqual(p.events.filter((e) => e.event === 'error' || e.event === 'watchdog'), [], `${name}: firmware faults`);
  });
}

async function until(cond: () => boolean, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Caller (alice) and callee (bob) hosts: each native host calls the other.
for (const [aHost, bHost] of [['x64', 'armhf'], ['armhf', 'x64']] as const) {
  test.serial(`a native ${aHost} phone calls a native ${bHost} phone from the keypad: ring, answer, hold, resume, hang up (with 407 and 100rel through the proxy)`, async (t) => {
    t.timeout(180000);
    const { phone, logs } = await labWithPhones(t);
    const started = Date.now();
    const [alice, bob] = await Promise.all([phone('alice', 'desk6', 'secret', [], aHost), phone('bob', 'desk6', 'secret', [], bHost)]);
    const registeredMs = Date.now() - started;
    for (const [p, user] of [[alice, 'alice'], [bob, 'bob']] as const) {
      const reg = p.events.find((e) => e.event === 'registered')!;
      t.is(reg.aor, `sip:${user}@127.0.0.1`);
      t.regex(String(reg.contact), new RegExp(`^sip:${user}@127\\.0\\.0\\.1:\\d+$`));
    }
    const dialAt = Date.now();
    for (const d of '2002') alice.send({ key: d });
    alice.send({ key: 'send' });
    const incoming = await bob.waitFor((e) => e.event === 'incoming', CALL_MS);
    t.regex(String(incoming.from), /Alice|alice/);
    await bob.waitForScreen((l) => l[0] === 'Incoming call', CALL_MS);
    await state(alice, 'ringing');
    t.true(bob.events.some((e) => e.event === 'display' && e.ringing === true), 'the ringer rings');
    bob.send({ key: 'send' });
    await state(alice, 'connected');
    await state(bob, 'connected');
    const setupMs = Date.now() - dialAt;
    await alice.waitForScreen((l) => l[0]!.startsWith('Connected'), CALL_MS);
    alice.send({ key: 'hold' });
    await state(alice, 'held');
    await state(bob, 'held');
    const n = alice.events.length;
    const m = bob.events.length;
    alice.send({ key: 'hold' });
    await state(alice, 'connected', n);
    await state(bob, 'connected', m); // the callee saw the resume too
    alice.send({ key: 'end' });
    const bobEnd = await state(bob, 'ended');
    t.is(bobEnd.reason, 'Remote hangup');
    await state(alice, 'ended');
    t.deepEqual(callStates(bob).filter((s, i, a) => a.indexOf(s) === i), ['connected', 'held', 'ended']);
    t.true(logs.some((l) => /INVITE/.test(l) && /407/.test(l)), 'the proxy challenged the caller');
    await until(() => logs.some((l) => /^\S+ BYE .* 200 OK/.test(l)), CALL_MS); // BYE went through the proxy (Record-Route)
    t.true(logs.some((l) => /^\S+ PRACK .* 200 OK/.test(l)), 'the reliable 180 was PRACKed through the proxy');
    await quitClean(t, [['alice', alice], ['bob', bob]]);
    t.log(`registered both in ${registeredMs} ms, call set up in ${setupMs} ms`);
  });
}

// Caller and callee hosts for audio: the native host against the emulator both ways, and native to native.
const PAIRS: ReadonlyArray<readonly [HostName, HostName]> = [['x64', 'node'], ['node', 'x64'], ['armhf', 'x64']];

for (const [aHost, bHost] of PAIRS) {
  test.serial(`audio at G.711 quality both ways between a ${aHost} caller and a ${bHost} callee, and DTMF digits are reported`, async (t) => {
    t.timeout(180000);
    const { phone } = await labWithPhones(t);
    const tag = `${aHost}-${bHost}`;
    const aOut = audioPath(`${tag}-a-out.wav`);
    const bOut = audioPath(`${tag}-b-out.wav`);
    const [alice, bob] = await Promise.all([
      phone('alice', 'desk6', 'secret', ['--audio-in', wavFile(`${tag}-a-in.wav`, signal(A_FREQS, 2)), '--audio-out', aOut], aHost),
      phone('bob', 'desk6', 'secret', ['--audio-in', wavFile(`${tag}-b-in.wav`, signal(B_FREQS, 2)), '--audio-out', bOut], bHost),
    ]);
    alice.send({ dial: '2002' });
    await bob.waitFor((e) => e.event === 'incoming', CALL_MS);
    bob.send({ key: 'send' });
    const connected = await state(alice, 'connected');
    await state(bob, 'connected');
    // 3.5 s of audio each way before the digits: the jitter buffer's start plus the 2 s scored.
    const flowing = (p: EmulatorProcess): Promise<EmuEvent> =>
      p.waitFor((e) => e.event === 'media_stats' && (e.received as number) >= 175, CALL_MS);
    await Promise.all([flowing(alice), flowing(bob)]);
    // Each key stays down until the far end reports the digit (a telephone-event starts it).
    const digits: EmuEvent[] = [];
    for (const d of ['1', '2', '#']) {
      const from = bob.events.length;
      alice.send({ key: d, down: true });
      digits.push(await bob.waitFor((e) => e.event === 'dtmf', CALL_MS, from));
      alice.send({ key: d, down: false });
    }
    t.deepEqual(digits.map((e) => e.digit), ['1', '2', '#']);
    t.true(digits.every((e) => e.via === 'rtp'), 'RFC 4733 telephone-events');
    alice.send({ key: 'end' });
    await state(bob, 'ended');
    await state(alice, 'ended');
    await quitClean(t, [['alice', alice], ['bob', bob]]); // closes the WAV files
    // The last stats of the call: the stream's own, sent as it stopped.
    const last = (p: EmulatorProcess): EmuEvent => p.events.filter((e) => e.event === 'media_stats' && e.call_id === connected.call_id).pop()!;
    for (const [name, p] of [['alice', alice], ['bob', bob]] as const) {
      const s = last(p);
      t.log(`${name} (${p.host}): sent ${String(s.sent)}, received ${String(s.received)}, lost ${String(s.lost)}, late ${String(s.late)}, concealed ${String(s.concealed)}, jitter ${String(s.jitter_ms)} ms`);
      t.true((s.received as number) > 150, `${name} received ${String(s.received)}`);
      t.is(s.lost, 0, `${name} lost packets`);
    }
    const atB = readWav(readFileSync(bOut)).samples;
    const atA = readWav(readFileSync(aOut)).samples;
    // Scored per 20 ms frame (frameScores): the codec path is bit-exact (≈ 90 dB a frame), but on
    // a loaded machine a phone's audio clock may stall past the jitter buffer and conceal a frame
    // or two, which the 2 s snr() (logged) turns into ~20 dB: at most 10 % of frames may be off.
    for (const [dir, rec, ideal] of [['A→B', atB, ulawRoundTrip(signal(A_FREQS, 1))], ['B→A', atA, ulawRoundTrip(signal(B_FREQS, 1))]] as const) {
      const s = snr(rec, ideal, 40);
      const f = frameScores(rec, ideal);
      t.log(`${dir}: SNR ${s.db.toFixed(1)} dB over 2 s from ${(s.start / RATE).toFixed(2)} s; per 20 ms frame: median ${f.medianDb.toFixed(1)} dB, ${f.clean} of ${f.frames} ≥ 30 dB`);
      t.true(f.frames >= 150, `${dir}: only ${f.frames} frames of audio`);
      t.true(f.medianDb >= 60, `${dir}: median frame ${f.medianDb.toFixed(1)} dB, not bit-exact G.711`);
      t.true(f.clean >= f.frames * 0.9, `${dir}: ${f.clean} of ${f.frames} frames ≥ 30 dB`);
    }
  });
}
