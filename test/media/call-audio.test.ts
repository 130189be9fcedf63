// Real audio end to end: two emulated phones call through the lab server; A's microphone is a
// known signal (a WAV), B's speaker is recorded (a WAV) and compared with the ideal µ-law
// round trip. Also DTMF, both directions, and 5 % packet loss with concealment.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { readWav } from '../../hal/emulator/wav.ts';
import { RATE, audioPath, longestGapMs, signal, snr, ulawRoundTrip, wavFile } from '../helpers/audio-signal.ts';
import { labWithPhones } from '../helpers/lab-phones.ts';
import type { EmuEvent, EmulatorProcess } from '../helpers/emulator-process.ts';

async function connect(a: EmulatorProcess, b: EmulatorProcess, number: string): Promise<void> {
  a.send({ dial: number });
  await b.waitFor((e) => e.event === 'incoming');
  b.send({ key: 'send' });
  await a.waitFor((e) => e.event === 'call_state' && e.state === 'connected');
}

const A_FREQS = [400, 1000, 2200];
const B_FREQS = [600, 1400];

test.serial('speech-band audio arrives at G.711 quality both ways, and DTMF digits are reported', async (t) => {
  const { phone } = await labWithPhones(t);
  const aOut = audioPath('a-out.wav');
  const bOut = audioPath('b-out.wav');
  const [alice, bob] = await Promise.all([
    phone('alice', 'desk6', 'secret', ['--audio-in', wavFile('a-in.wav', signal(A_FREQS, 2)), '--audio-out', aOut]),
    phone('bob', 'desk6', 'secret', ['--audio-in', wavFile('b-in.wav', signal(B_FREQS, 2)), '--audio-out', bOut]),
  ]);
  await connect(alice, bob, '2002');
  await new Promise((r) => setTimeout(r, 3500));
  for (const d of ['1', '2', '#']) {
    alice.send({ key: d, down: true });
    await new Promise((r) => setTimeout(r, 150));
    alice.send({ key: d, down: false });
    await new Promise((r) => setTimeout(r, 300));
  }
  const digits: EmuEvent[] = [];
  for (let i = 0; i < 3; i++) digits.push(await bob.waitFor((e) => e.event === 'dtmf' && !digits.includes(e) && e.digit === ['1', '2', '#'][i]));
  t.deepEqual(digits.map((e) => e.digit), ['1', '2', '#']);
  t.is(digits[0]!.via, 'rtp');
  await bob.waitFor((e) => e.event === 'media_stats');
  alice.send({ key: 'end' });
  const last = await bob.waitFor((e) => e.event === 'media_stats' && bob.events.some((c) => c.event === 'call_state' && c.state === 'ended'));
  t.true((last.received as number) > 150, `received ${String(last.received)}`);
  t.is(last.lost, 0);
  await Promise.all([alice.quit(), bob.quit()]); // closes the WAV files
  const atB = readWav(readFileSync(bOut)).samples;
  const atA = readWav(readFileSync(aOut)).samples;
  const toB = snr(atB, ulawRoundTrip(signal(A_FREQS, 1)), 40);
  const toA = snr(atA, ulawRoundTrip(signal(B_FREQS, 1)), 40);
  t.log(`SNR A→B ${toB.db.toFixed(1)} dB, B→A ${toA.db.toFixed(1)} dB`);
  t.true(toB.db >= 30, `A→B SNR ${toB.db.toFixed(1)} dB`);
  t.true(toA.db >= 30, `B→A SNR ${toA.db.toFixed(1)} dB`);
  // Timing: audio started within a second of the answer, and runs as long as the call did.
  t.true(toB.start / RATE < 2.5, `first audio at ${toB.start / RATE} s`);
});

test.serial('with 5 % of RTP packets lost, speech stays continuous and the stats report the loss', async (t) => {
  const { phone } = await labWithPhones(t);
  const bOut = audioPath('b-lossy.wav');
  const [alice, bob] = await Promise.all([
    phone('alice', 'desk6', 'secret', ['--audio-in', wavFile('a-in2.wav', signal(A_FREQS, 2))]),
    phone('bob', 'desk6', 'secret', ['--audio-out', bOut, '--rtp-loss', '0.05']),
  ]);
  await connect(alice, bob, '2002');
  await bob.waitFor((e) => e.event === 'media_stats', 15000);
  await new Promise((r) => setTimeout(r, 3000));
  alice.send({ key: 'end' });
  const stats = await bob.waitFor((e) => e.event === 'media_stats' && bob.events.some((c) => c.event === 'call_state' && c.state === 'ended'));
  const lost = stats.lost as number;
  const received = stats.received as number;
  const share = lost / (lost + received);
  t.log(`lost ${lost} of ${lost + received} (${(share * 100).toFixed(1)} %), concealed ${String(stats.concealed)}`);
  t.true(share > 0.02 && share < 0.09, `loss share ${share}`);
  t.true((stats.concealed as number) > 0);
  await Promise.all([alice.quit(), bob.quit()]);
  const rec = readWav(readFileSync(bOut)).samples;
  const start = rec.findIndex((v) => Math.abs(v) > 500);
  t.true(start >= 0);
  // Concealment repeats the last frame: no hole longer than one frame in the middle of the call.
  t.true(longestGapMs(rec, start + RATE / 2, start + RATE * 4) <= 25, 'no audible gaps');
  // Concealed frames fade (-6 dB each), so the SNR drops, but the signal stays the same signal.
  t.true(snr(rec, ulawRoundTrip(signal(A_FREQS, 1)), 40).db >= 10);
});

test.serial('the echo line sends back what it hears: the caller hears its own signal', async (t) => {
  const { phone } = await labWithPhones(t);
  const aOut = audioPath('a-echo-out.wav');
  const [alice, echo] = await Promise.all([
    phone('alice', 'desk6', 'secret', ['--audio-in', wavFile('a-echo-in.wav', signal(A_FREQS, 2)), '--audio-out', aOut]),
    phone('echo', 'small2', 'secret', ['--echo']),
  ]);
  await connect(alice, echo, '2000');
  await new Promise((r) => setTimeout(r, 3000));
  alice.send({ key: 'end' });
  await alice.waitFor((e) => e.event === 'call_state' && e.state === 'ended');
  await Promise.all([alice.quit(), echo.quit()]);
  // µ-law of a µ-law-decoded sample is the same code, so even two trips stay bit-exact.
  const back = snr(readWav(readFileSync(aOut)).samples, ulawRoundTrip(signal(A_FREQS, 1)), 40);
  t.log(`echo SNR ${back.db.toFixed(1)} dB`);
  t.true(back.db >= 30, `echo SNR ${back.db.toFixed(1)} dB`);
});
