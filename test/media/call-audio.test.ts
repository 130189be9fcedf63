// Real audio end to end: two emulated phones call through the lab server; A's microphone is a
// known signal (a WAV), B's speaker is recorded (a WAV) and compared with the ideal µ-law
// round trip. Also DTMF, both directions, and 5 % packet loss with concealment.
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWav, writeWav } from '../../hal/emulator/wav.ts';
import { decodeUlaw, encodeUlaw } from '../../firmware/codec/g711.ts';
import { labWithPhones } from '../helpers/lab-phones.ts';
import type { EmuEvent, EmulatorProcess } from '../helpers/emulator-process.ts';

const RATE = 8000;
const dir = mkdtempSync(join(tmpdir(), 'quip-audio-'));

/**
 * A steady multi-tone whose period (40 samples) divides the 20 ms frame, so frames the jitter
 * buffer adds or drops never shift its phase: SNR then measures the codec path itself.
 */
function signal(freqs: number[], seconds: number): Int16Array {
  const s = new Int16Array(RATE * seconds);
  for (let i = 0; i < s.length; i++) {
    let v = 0;
    for (const f of freqs) v += Math.sin((2 * Math.PI * f * i) / RATE);
    s[i] = Math.round((7000 * v) / freqs.length);
  }
  return s;
}

function wavFile(name: string, samples: Int16Array): string {
  const file = join(dir, name);
  writeFileSync(file, writeWav(samples, RATE));
  return file;
}

/** The ideal G.711 µ-law round trip of a signal. */
function ulawRoundTrip(s: Int16Array): Int16Array {
  const enc = new Uint8Array(s.length);
  encodeUlaw(s, enc);
  const out = new Int16Array(s.length);
  decodeUlaw(enc, out);
  return out;
}

/** SNR (dB) of the recorded stretch against the ideal, at the best alignment within a period. */
function snr(recorded: Int16Array, ideal: Int16Array, period: number): { db: number; start: number } {
  let first = recorded.findIndex((v) => Math.abs(v) > 500);
  if (first === -1) return { db: -Infinity, start: -1 };
  first += RATE / 2; // past the start-up of the jitter buffer
  const n = Math.min(RATE * 2, recorded.length - first - RATE / 4);
  let best = -Infinity;
  for (let lag = 0; lag < period; lag++) {
    let sig = 0;
    let err = 0;
    for (let i = 0; i < n; i++) {
      const want = ideal[(i + lag) % period]!;
      const got = recorded[first + i]!;
      sig += want * want;
      err += (got - want) ** 2;
    }
    best = Math.max(best, 10 * Math.log10(sig / Math.max(err, 1)));
  }
  return { db: best, start: first };
}

/** The longest run of (near) silent samples inside [from, to). */
function longestGapMs(s: Int16Array, from: number, to: number): number {
  let run = 0;
  let worst = 0;
  for (let i = from; i < to; i++) {
    if (Math.abs(s[i]!) < 50) worst = Math.max(worst, ++run);
    else run = 0;
  }
  return (worst / RATE) * 1000;
}

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
  const aOut = join(dir, 'a-out.wav');
  const bOut = join(dir, 'b-out.wav');
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
  const bOut = join(dir, 'b-lossy.wav');
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
  const aOut = join(dir, 'a-echo-out.wav');
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
