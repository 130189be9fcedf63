// Tests for the scale parts of `quip bench`: many emulated phones (scripts/bench/phones.ts) and
// the lab against Kamailio under SIPp load (scripts/bench/lab-vs-kamailio.ts). Tiny runs that
// check every figure is there, a number or null with a note; no figure is held to a threshold.
import test from 'ava';
import type { Figure } from '../../scripts/bench/figures.ts';
import { runLabVsKamailio } from '../../scripts/bench/lab-vs-kamailio.ts';
import { runPhonesBench } from '../../scripts/bench/phones.ts';

function numberOrNoted(t: { true(v: boolean, m?: string): void }, figures: Figure[], fields: string[]): void {
  for (const field of fields) {
    const f = figures.find((x) => x.field === field);
    t.true(f !== undefined, `${field} is reported`);
    const ok = (typeof f!.value === 'number' && Number.isFinite(f!.value)) || (f!.value === null && typeof f!.note === 'string' && f!.note.length > 0);
    t.true(ok, `${field}: a number, or null with a note (got ${JSON.stringify(f)})`);
  }
}

test('4 emulated phones in 2 processes register and hold 2 calls with media', async (t) => {
  t.timeout(180_000);
  const r = await runPhonesBench({ phones: 4, callSeconds: 1, maxProcesses: 2 });
  numberOrNoted(t, r.figures, ['phones_registered', 'phone_calls_connected', 'phone_failures', 'rss_per_phone_bytes', 'cpu_per_call_percent']);
  t.is(r.details.processes, 2);
  t.deepEqual(r.details.phones_per_process, [2, 2]);
  t.is(r.details.workers.length, 2, 'both workers reported their usage in the call window');
});

test('one 2 s load step per server and scenario reports every lab/Kamailio figure', async (t) => {
  t.timeout(240_000);
  const r = await runLabVsKamailio({ stepSeconds: 2, startRate: 20, maxRate: 20, users: 100 });
  numberOrNoted(t, r.figures, [
    'lab_register_max_rate', 'kamailio_register_max_rate', 'register_ratio_vs_kamailio',
    'lab_call_max_rate', 'kamailio_call_max_rate', 'call_ratio_vs_kamailio',
  ]);
  if (r.details.sipp !== null) {
    t.is(r.details.curves.lab.register.length, 1, 'one step: the ramp stops at maxRate');
    t.is(r.details.curves.lab.call.length, 1);
  }
});

test('--load-seconds 0 skips the comparison and says so', async (t) => {
  const r = await runLabVsKamailio({ stepSeconds: 0 });
  t.true(r.figures.every((f) => f.value === null && typeof f.note === 'string'));
  t.deepEqual(r.details.notes, ['skipped (--load-seconds 0)']);
});
