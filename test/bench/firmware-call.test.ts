// The whole-firmware call bench runs: one simulated second of a connected call on the stub
// board, every figure present, and the media a call needs (~50 packets/s each way, a played
// frame per audio frame). Checks the harness, never a CPU figure.
import test from 'ava';
import { runFirmwareCallBench } from '../../scripts/bench/firmware-call.ts';
import { runMediaFigures } from '../../scripts/bench/media.ts';

const FIELDS = ['call_cpu_percent', 'bare_call_cpu_percent', 'call_frames_per_s', 'call_rtp_sent_per_s', 'call_rtp_received_per_s'];

test('one simulated second of a call through the real firmware bundle: every field, ~50 packets/s each way', async (t) => {
  const { figures, details } = await runFirmwareCallBench({ seconds: 1, repeats: 1, bareCallCpuPercent: null });
  t.deepEqual(figures.map((f) => f.field), FIELDS);
  for (const f of figures) t.true(typeof f.value === 'number' || (f.value === null && f.field === 'bare_call_cpu_percent'), `${f.field}: ${String(f.value)}`);
  const run = details.runs[0]!;
  t.is(run.simulated_s, 1);
  t.is(run.frames, 50);
  t.true(run.rtp_sent >= 49 && run.rtp_sent <= 51, `RTP sent ${run.rtp_sent}`);
  t.is(run.rtp_received, 50);
  t.is(run.plays, 50);
  t.true((details.profile_ms_per_s.audio_frame?.per_s ?? 0) > 0);
});

test('the bare harness figure is measured beside it when not given, and the media figures carry the Sun reference', async (t) => {
  const { figures } = await runFirmwareCallBench({ seconds: 0.2, repeats: 1 });
  const bare = figures.find((f) => f.field === 'bare_call_cpu_percent')!;
  t.is(typeof bare.value, 'number');
  const media = await runMediaFigures(0.02, 1, () => {});
  const ref = media.figures.find((f) => f.field === 'reference_g711_encode_samples_per_s')!;
  t.is(typeof ref.value, 'number');
  t.regex(ref.note ?? '', /Sun g711\.c algorithm/);
  t.is(media.details.reference_check.inputs, 65536);
  t.is(media.details.reference_check.identical + media.details.reference_check.shiftedNegatives, 65536);
});
