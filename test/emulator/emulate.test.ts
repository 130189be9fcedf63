// The emulated phone end to end: `quip emulate --control stdio` as a child process, and the
// same tests on quip-host, the native board host (x64 ASan build, armhf under qemu, and the
// first three on win32 under wine): it speaks the same control protocol and reports the same events.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildFirmware } from '../../build/build-firmware.ts';
import { loadBoardConfig } from '../../hal/board-config.ts';
import { ROOT } from '../helpers/corpus.ts';
import { EmulatorProcess } from '../helpers/emulator-process.ts';
import { CORE_HOSTS, phoneHost } from '../helpers/hosts.ts';
import type { HostName } from '../helpers/hosts.ts';
import { firmwareImage } from '../helpers/lab-phones.ts';

const work = mkdtempSync(join(tmpdir(), 'quip-emutest-'));

async function image(board: string, entry?: string): Promise<string> {
  const built = await buildFirmware({ board: loadBoardConfig(board), ...(entry ? { entry } : {}) });
  const file = join(work, `${board}-${entry ? 'faulty' : 'real'}-${Math.random().toString(36).slice(2)}.qfw`);
  writeFileSync(file, built.image);
  return file;
}

const faultyEntry = join(ROOT, 'test', 'fixtures', 'firmware', 'faulty.ts');

/** The faulty small2 image, built once for the file (the watchdog, heap and crash tests). */
let faulty: Promise<string> | undefined;
const faultyImage = (): Promise<string> => (faulty ??= image('small2', faultyEntry));

/** The node tests keep their names; a native host's are prefixed with it. Native variants run
 *  serially (qemu and wine phones are heavy), so the file never has many phones at once. */
function hostTest(host: HostName) {
  if (host === 'node') return (name: string, fn: (t: ExecutionContext) => Promise<void>) => test(name, fn);
  return (name: string, fn: (t: ExecutionContext) => Promise<void>) =>
    test.serial(`[${host}] ${name}`, async (t) => {
      t.timeout(60000 * slow(host)); // the waits' ceilings below, beyond ava's 60 s default
      await fn(t);
    });
}

/** Ceilings for waits: ASan, qemu and wine are slower than the emulator (ceilings, not budgets). */
function slow(host: HostName): number {
  return host === 'node' ? 1 : host === 'x64' ? 2 : 4;
}

/** The phone's arguments: the native host cannot build from source, so it boots an image. */
async function phoneArgs(host: HostName, board: string, img?: Promise<string>): Promise<string[]> {
  if (img) return ['--board', board, '--image', await img];
  return phoneHost(host).native ? ['--board', board, '--image', await firmwareImage(board)] : ['--board', board];
}

for (const host of ['node', ...CORE_HOSTS.filter((h) => h !== 'node'), 'win32'] as const) {
  // win32 (wine) runs the first three: boot and idle screen, keys, the control channel.
  const all = host !== 'win32';
  const k = slow(host);

  hostTest(host)('boots, reports itself, and shows the idle screen with the account', async (t) => {
    const phone = new EmulatorProcess([...(await phoneArgs(host, 'desk6')), '--account', 'sip:alice:secret@127.0.0.1:5999'], undefined, host);
    try {
      const boot = await phone.waitFor((e) => e.event === 'boot', 15000 * k);
      t.is(boot.board, 'desk6');
      t.is(boot.version, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
      t.is(boot.heap_limit, 16 * 1024 * 1024);
      t.true(typeof boot.boot_ms === 'number' && (boot.boot_ms as number) >= 0);
      t.true((boot.sip_port as number) > 0);
      // The screen the boot leads to (its display event may arrive just after the boot event).
      const lines = await phone.waitForScreen((l) => l[1] === 'Registering...', 10000 * k);
      t.is(lines.length, 6);
      t.regex(lines[0]!, /^alice@127\.0\.0\.1 +\d\d:\d\d$/);
      t.is(lines[1], 'Registering...'); // auto-register on boot (nothing answers on :5999)
      t.regex(lines[5]!, /Redial/);
    } finally {
      t.is(await phone.quit(), 0);
    }
  });

  hostTest(host)('keys: digits show, delete and end work, off-hook opens the dialer, Info shows the board', async (t) => {
    const phone = new EmulatorProcess(await phoneArgs(host, 'desk6'), undefined, host);
    try {
      await phone.waitFor((e) => e.event === 'boot', 15000 * k);
      for (const key of ['2', '0', '0', '1', '*', '#']) phone.send({ key });
      t.deepEqual((await phone.waitForScreen((l) => l[1] === '2001*#', 10000 * k)).slice(0, 2), ['Dial:', '2001*#']);
      phone.send({ key: 'soft2' }); // Delete
      await phone.waitForScreen((l) => l[1] === '2001*', 10000 * k);
      phone.send({ key: 'end' });
      await phone.waitForScreen((l) => l[1] === 'Set up an account', 10000 * k);
      phone.send({ key: 'hook', down: true });
      await phone.waitForScreen((l) => l[0] === 'Dial:' && l[1] === '', 10000 * k);
      phone.send({ key: 'hook', down: false });
      await phone.waitForScreen((l) => l[1] === 'Set up an account', 10000 * k);
      phone.send({ key: 'soft2' });
      const info = await phone.waitForScreen((l) => l[0]!.startsWith('quip v'), 10000 * k);
      t.is(info[2], 'Board desk6');
    } finally {
      t.is(await phone.quit(), 0);
    }
  });

  hostTest(host)('the control channel answers bad input with error events and keeps running', async (t) => {
    const phone = new EmulatorProcess(await phoneArgs(host, 'small2'), undefined, host);
    try {
      await phone.waitFor((e) => e.event === 'boot', 15000 * k);
      phone.sendRaw('this is not json');
      phone.send({ key: 'nope' });
      phone.send({ key: 'soft1' }); // small2 has no softkeys
      phone.send({ cmd: 'dance' });
      phone.send([1, 2]);
      await phone.waitFor((e) => e.event === 'error' && /expected a JSON object/.test(String(e.message)), 15000 * k);
      const errors = phone.events.filter((e) => e.event === 'error').map((e) => String(e.message));
      t.true(errors.some((m) => /not JSON/.test(m)));
      t.true(errors.some((m) => /unknown key/.test(m)));
      t.true(errors.some((m) => /no 'soft1' key/.test(m)));
      t.true(errors.some((m) => /unknown cmd/.test(m)));
      phone.send({ key: '4' });
      await phone.waitForScreen((l) => l[1] === '4', 10000 * k);
    } finally {
      t.is(await phone.quit(), 0);
    }
  });

  if (!all) continue;

  hostTest(host)('settings persist in storage across a reboot and a restart', async (t) => {
    const first = new EmulatorProcess(await phoneArgs(host, 'small2'), undefined, host);
    let dataDir: string;
    try {
      t.is((await first.waitFor((e) => e.event === 'boot', 15000 * k)).boot_count, 1);
      first.send({ key: 'vol_up' });
      await first.waitForScreen((l) => l[0] === 'Volume' && l[1] === '######----', 10000 * k);
      first.send({ cmd: 'reboot' });
      const n = first.events.length;
      await first.waitFor((e) => e.event === 'reboot', 15000 * k);
      t.is((await first.waitFor((e) => e.event === 'boot', 15000 * k, n)).boot_count, 2);
      dataDir = first.dataDir;
    } finally {
      t.is(await first.quit(), 0);
    }
    const second = new EmulatorProcess(await phoneArgs(host, 'small2'), dataDir, host);
    try {
      t.is((await second.waitFor((e) => e.event === 'boot', 15000 * k)).boot_count, 3);
      second.send({ key: 'vol_down' });
      await second.waitForScreen((l) => l[1] === '#####-----', 10000 * k); // 6 → 5: the 6 was kept
    } finally {
      t.is(await second.quit(), 0);
    }
  });

  hostTest(host)('the watchdog stops a hung firmware and the phone reboots', async (t) => {
    const phone = new EmulatorProcess(await phoneArgs(host, 'small2', faultyImage()), undefined, host);
    try {
      await phone.waitFor((e) => e.event === 'boot', 15000 * k);
      const n = phone.events.length;
      phone.send({ key: '7' });
      const wd = await phone.waitFor((e) => e.event === 'watchdog', 15000 * k, n);
      t.is(wd.during, 'key');
      t.regex(String(wd.message), /longer than \d+ ms/);
      // Event-driven: the watchdog, then the reboot, then the boot, each within its wait's ceiling.
      const reboot = await phone.waitFor((e) => e.event === 'reboot', 15000 * k, n);
      const boot = await phone.waitFor((e) => e.event === 'boot', 15000 * k, n);
      t.is(boot.boot_count, 2);
      t.true(phone.events.indexOf(wd) < phone.events.indexOf(reboot) && phone.events.indexOf(reboot) < phone.events.indexOf(boot), 'watchdog → reboot → boot');
      phone.send({ key: '5' }); // the rebooted phone works
      await phone.waitForScreen((l) => l[1] === '5', 10000 * k);
    } finally {
      t.is(await phone.quit(), 0);
    }
  });

  hostTest(host)('the heap limit is enforced: a firmware that exhausts it is rebooted', async (t) => {
    const phone = new EmulatorProcess(await phoneArgs(host, 'small2', faultyImage()), undefined, host);
    try {
      await phone.waitFor((e) => e.event === 'boot', 15000 * k);
      const n = phone.events.length;
      phone.send({ key: '8' });
      const err = await phone.waitFor((e) => e.event === 'error' && e.kind === 'out-of-memory', 20000 * k, n);
      t.regex(String(err.message), /4194304 byte heap/);
      await phone.waitFor((e) => e.event === 'boot', 20000 * k, n);
    } finally {
      t.is(await phone.quit(), 0);
    }
  });

  hostTest(host)('an exception that escapes the firmware is a crash: reported, then a reboot', async (t) => {
    const phone = new EmulatorProcess(await phoneArgs(host, 'small2', faultyImage()), undefined, host);
    try {
      await phone.waitFor((e) => e.event === 'boot', 15000 * k);
      const n = phone.events.length;
      phone.send({ key: '6' });
      t.is((await phone.waitFor((e) => e.event === 'promise_ran', 15000 * k, n)).value, 'job'); // pending jobs run
      phone.send({ key: '9' });
      const err = await phone.waitFor((e) => e.event === 'error' && /test fault/.test(String(e.message)), 15000 * k, n);
      t.is(err.kind, 'exception');
      t.is((await phone.waitFor((e) => e.event === 'boot', 15000 * k, n)).boot_count, 2);
      phone.send({ key: '3' });
      await phone.waitForScreen((l) => l[1] === '3', 10000 * k);
    } finally {
      t.is(await phone.quit(), 0);
    }
  });
}

/** Runs the phone's command to completion (it is expected to refuse to start). */
function runHost(host: HostName, args: string[]): { code: number | null; stderr: string; stdout: string } {
  const { cmd, args: lead, env } = phoneHost(host).command();
  const r = spawnSync(cmd, [...lead, '--control', 'stdio', ...args], { cwd: ROOT, encoding: 'utf8', input: '', timeout: 60000, ...(env ? { env } : {}) });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

for (const host of CORE_HOSTS) {
  hostTest(host)('a corrupt, truncated or wrong-board image is refused with a clear message', async (t) => {
    const good = await image('small2');
    const bytes = readFileSync(good);
    const corrupt = join(work, `${host}-corrupt.qfw`);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 10] ^= 0xff;
    writeFileSync(corrupt, flipped);
    const truncated = join(work, `${host}-truncated.qfw`);
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 100));
    const r1 = runHost(host, ['--board', 'small2', '--image', corrupt]);
    t.is(r1.code, 1);
    t.regex(r1.stderr, /refusing image .*corrupt\.qfw: .*SHA-256/i);
    const r2 = runHost(host, ['--board', 'small2', '--image', truncated]);
    t.is(r2.code, 1);
    t.regex(r2.stderr, /refusing image/);
    const r3 = runHost(host, ['--board', 'desk6', '--image', good]);
    t.is(r3.code, 1);
    t.regex(r3.stderr, /small2.*desk6/);
  });

  hostTest(host)('a broken board config and bad options are reported, not crashed on', async (t) => {
    // The native host needs firmware before it looks at the rest; the emulator builds its own.
    const fw = phoneHost(host).native ? ['--image', await firmwareImage('small2')] : [];
    const broken = join(work, `${host}-broken.json`);
    writeFileSync(broken, JSON.stringify({ ...JSON.parse(readFileSync(join(ROOT, 'board-configs', 'small2.json'), 'utf8')), id: 'broken', display: { rows: 'two', cols: 16, softkeys: 0, icons: [] } }));
    const r1 = runHost(host, ['--board', broken, ...fw]);
    t.is(r1.code, 1);
    t.regex(r1.stderr, /display\.rows/);
    const r2 = runHost(host, ['--board', 'small2', '--account', 'not-a-uri', ...fw]);
    t.is(r2.code, 1);
    t.regex(r2.stderr, /account/i);
    const r3 = runHost(host, ['--board', 'small2', '--sip-port', '70000', ...fw]);
    t.is(r3.code, 2);
    const { cmd, args: lead, env } = phoneHost(host).command();
    const help = spawnSync(cmd, [...lead, '--help'], { encoding: 'utf8', timeout: 60000, ...(env ? { env } : {}) });
    t.is(help.status, 0);
    t.regex(help.stdout, /--control stdio\|none/);
  });

  hostTest(host)('a microphone file that is missing or not a WAV is a clear error before booting', async (t) => {
    const fw = phoneHost(host).native ? ['--image', await firmwareImage('small2')] : [];
    const notWav = join(work, `${host}-not-a.wav`);
    writeFileSync(notWav, 'RIFFxxxxWAVE but not really');
    const missing = runHost(host, ['--board', 'small2', '--audio-in', join(work, 'no-such.wav'), ...fw]);
    t.is(missing.code, 1);
    t.regex(missing.stderr, /^error: --audio-in .*no-such\.wav: /m);
    t.notRegex(missing.stderr, /\n\s+at /); // no stack trace
    const bad = runHost(host, ['--board', 'small2', '--audio-in', notWav, ...fw]);
    t.is(bad.code, 1);
    t.regex(bad.stderr, /^error: --audio-in .*not-a\.wav: /m);
    t.false(bad.stdout.includes('"event":"boot"'));
  });
}
