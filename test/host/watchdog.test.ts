// quip-host's watchdog counts the CPU time one firmware call uses, not wall time: a call that
// is only descheduled (a loaded host, qemu) is not a hang, while an endless loop still is (the
// watchdog tests in test/emulator/emulate.test.ts and test/host/bad-input.test.ts).
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatorProcess } from '../helpers/emulator-process.ts';
import { phoneHost } from '../helpers/hosts.ts';
import { findBinary } from '../../scripts/local-programs.ts';

const work = mkdtempSync(join(tmpdir(), 'quip-watchdog-'));

/** A firmware whose start() burns `iterations` of pure CPU work, then reports its boot. */
function busyBundle(iterations: number): string {
  const file = join(work, `busy-${iterations}.js`);
  writeFileSync(
    file,
    `var quipFirmware = { start: function () { var x = 0; for (var i = 0; i < ${iterations}; i++) x = (x * 31 + i) % 1000003;
       __hal('system.emit', JSON.stringify({ event: 'boot', work: x })); }, event: function () {} };`,
  );
  return file;
}

/** Iterations that take about `ms` of CPU in the ASan build, measured here with --run. */
function calibrate(ms: number): number {
  const script = join(work, 'calibrate.js');
  // The same loop in a function, as busyBundle runs it (locals, not globals: the same speed).
  writeFileSync(
    script,
    '(function () { var n = 5000000, t0 = cpuMs(), x = 0; for (var i = 0; i < n; i++) x = (x * 31 + i) % 1000003; print(JSON.stringify({ n: n, ms: cpuMs() - t0, x: x })); })();',
  );
  const { cmd, args, env } = phoneHost('x64').command();
  const r = spawnSync(cmd, [...args, '--run', script], { encoding: 'utf8', env });
  const { n, ms: took } = JSON.parse(r.stdout.trim()) as { n: number; ms: number };
  return Math.round((n * ms) / Math.max(1, took));
}

const taskset = findBinary('taskset');

(taskset ? test.serial : test.skip)('[x64] a boot that is slow only because the CPU is shared is not stopped by the watchdog', async (t) => {
  // 400 ms of CPU work against the board's 1000 ms watchdog, on one core shared with three
  // busy loops: about four times as long in wall time, but far below the limit in CPU time.
  const bundle = busyBundle(calibrate(400));
  const hogs: ChildProcess[] = [];
  for (let i = 0; i < 3; i++) hogs.push(spawn(taskset!, ['-c', '0', process.execPath, '-e', 'for(;;){}'], { stdio: 'ignore' }));
  const phone = new EmulatorProcess(['--board', 'small2', '--bundle', bundle], undefined, 'x64');
  try {
    // quip-host under taskset: the phone shares core 0 with the hogs.
    spawnSync(taskset!, ['-a', '-p', '-c', '0', String(phone.pid)]);
    const t0 = Date.now();
    const boot = await phone.waitFor((e) => e.event === 'boot' || e.event === 'watchdog', 60000);
    t.log(`boot after ${Date.now() - t0} ms of wall time`);
    t.is(boot.event, 'boot', JSON.stringify(boot));
  } finally {
    for (const h of hogs) h.kill('SIGKILL');
    t.is(await phone.quit(), 0);
  }
});

test.serial('[x64] a start() that really runs past the watchdog in CPU time is stopped', async (t) => {
  const bundle = busyBundle(calibrate(3000));
  const phone = new EmulatorProcess(['--board', 'small2', '--bundle', bundle], undefined, 'x64');
  try {
    const wd = await phone.waitFor((e) => e.event === 'watchdog', 60000);
    t.is(wd.during, 'start');
    t.regex(String(wd.message), /longer than 1000 ms handling 'start'/);
  } finally {
    t.is(await phone.quit(), 0);
  }
});
