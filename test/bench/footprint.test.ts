// Tests for the footprint part of `quip bench`: that it runs for one board (one timed boot, a
// short call) and returns every figure as a number. No figure is compared with its target.
import test from 'ava';
import { runFootprint } from '../../scripts/bench/footprint.ts';

const FIELDS = ['bundle_bytes', 'heap_idle_bytes', 'heap_call_bytes', 'boot_to_registered_ms'];

test('footprint of one board: the four figures are numbers, with their details', async (t) => {
  const lines: string[] = [];
  const { figures, details } = await runFootprint({ boards: ['small2'], bootRuns: 1, callSeconds: 0.5, progress: (l) => void lines.push(l) });
  t.deepEqual(figures.map((f) => f.field), FIELDS.map((f) => `footprint_small2_${f}`));
  for (const f of figures) {
    t.is(typeof f.value, 'number', `${f.field}: ${f.note ?? ''}`);
    t.true(Number.isFinite(f.value) && f.value! > 0, f.field);
  }
  const board = details.boards[0]!;
  t.is(board.board, 'small2');
  t.deepEqual(board.errors, []);
  t.is(board.boot_samples_ms.length, 1);
  t.true(board.call_rtp_received!.alice > 0 && board.call_rtp_received!.bob > 0, 'media flowed');
  t.is(details.phones, 'in-process');
  t.true(details.empty_context_heap_bytes > 0);
  t.deepEqual(lines, ['footprint: small2']);
});

test('footprint without a call: the call figure is null and says why', async (t) => {
  const { figures } = await runFootprint({ boards: ['desk6'], bootRuns: 1, callSeconds: 0 });
  const call = figures.find((f) => f.field === 'footprint_desk6_heap_call_bytes')!;
  t.is(call.value, null);
  t.regex(call.note ?? '', /skipped/);
  t.is(typeof figures.find((f) => f.field === 'footprint_desk6_bundle_bytes')!.value, 'number');
});
