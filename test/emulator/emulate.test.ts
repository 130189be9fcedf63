// The emulated phone end to end: `quip emulate --control stdio` as a child process.
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildFirmware } from '../../build/build-firmware.ts';
import { loadBoardConfig } from '../../hal/board-config.ts';
import { ROOT } from '../helpers/corpus.ts';
import { EmulatorProcess } from '../helpers/emulator-process.ts';

const work = mkdtempSync(join(tmpdir(), 'quip-emutest-'));

async function image(board: string, entry?: string): Promise<string> {
  const built = await buildFirmware({ board: loadBoardConfig(board), ...(entry ? { entry } : {}) });
  const file = join(work, `${board}-${entry ? 'faulty' : 'real'}-${Math.random().toString(36).slice(2)}.qfw`);
  writeFileSync(file, built.image);
  return file;
}

const faultyEntry = join(ROOT, 'test', 'fixtures', 'firmware', 'faulty.ts');

test('boots, reports itself, and shows the idle screen with the account', async (t) => {
  const phone = new EmulatorProcess(['--board', 'desk6', '--account', 'sip:alice:secret@127.0.0.1:5999']);
  try {
    const boot = await phone.waitFor((e) => e.event === 'boot');
    t.is(boot.board, 'desk6');
    t.is(boot.version, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    t.is(boot.heap_limit, 16 * 1024 * 1024);
    t.true(typeof boot.boot_ms === 'number' && (boot.boot_ms as number) >= 0);
    t.true((boot.sip_port as number) > 0);
    const lines = phone.screen();
    t.is(lines.length, 6);
    t.regex(lines[0]!, /^alice@127\.0\.0\.1 +\d\d:\d\d$/);
    t.is(lines[1], 'Registering...'); // auto-register on boot (nothing answers on :5999)
    t.regex(lines[5]!, /Redial/);
  } finally {
    t.is(await phone.quit(), 0);
  }
});

test('keys: digits show, delete and end work, off-hook opens the dialer, Info shows the board', async (t) => {
  const phone = new EmulatorProcess(['--board', 'desk6']);
  try {
    await phone.waitFor((e) => e.event === 'boot');
    for (const k of ['2', '0', '0', '1', '*', '#']) phone.send({ key: k });
    t.deepEqual((await phone.waitForScreen((l) => l[1] === '2001*#')).slice(0, 2), ['Dial:', '2001*#']);
    phone.send({ key: 'soft2' }); // Delete
    await phone.waitForScreen((l) => l[1] === '2001*');
    phone.send({ key: 'end' });
    await phone.waitForScreen((l) => l[1] === 'Set up an account');
    phone.send({ key: 'hook', down: true });
    await phone.waitForScreen((l) => l[0] === 'Dial:' && l[1] === '');
    phone.send({ key: 'hook', down: false });
    await phone.waitForScreen((l) => l[1] === 'Set up an account');
    phone.send({ key: 'soft2' });
    const info = await phone.waitForScreen((l) => l[0]!.startsWith('quip v'));
    t.is(info[2], 'Board desk6');
  } finally {
    await phone.quit();
  }
});

test('the control channel answers bad input with error events and keeps running', async (t) => {
  const phone = new EmulatorProcess(['--board', 'small2']);
  try {
    await phone.waitFor((e) => e.event === 'boot');
    phone.sendRaw('this is not json');
    phone.send({ key: 'nope' });
    phone.send({ key: 'soft1' }); // small2 has no softkeys
    phone.send({ cmd: 'dance' });
    phone.send([1, 2]);
    await phone.waitFor((e) => e.event === 'error' && /expected a JSON object/.test(String(e.message)));
    const errors = phone.events.filter((e) => e.event === 'error').map((e) => String(e.message));
    t.true(errors.some((m) => /not JSON/.test(m)));
    t.true(errors.some((m) => /unknown key/.test(m)));
    t.true(errors.some((m) => /no 'soft1' key/.test(m)));
    t.true(errors.some((m) => /unknown cmd/.test(m)));
    phone.send({ key: '4' });
    await phone.waitForScreen((l) => l[1] === '4');
  } finally {
    t.is(await phone.quit(), 0);
  }
});

test('settings persist in storage across a reboot and a restart', async (t) => {
  const first = new EmulatorProcess(['--board', 'small2']);
  let dataDir: string;
  try {
    t.is((await first.waitFor((e) => e.event === 'boot')).boot_count, 1);
    first.send({ key: 'vol_up' });
    await first.waitForScreen((l) => l[0] === 'Volume' && l[1] === '######----');
    first.send({ cmd: 'reboot' });
    const n = first.events.length;
    await first.waitFor((e) => e.event === 'reboot');
    t.is((await first.waitFor((e) => e.event === 'boot', 15000, n)).boot_count, 2);
    dataDir = first.dataDir;
  } finally {
    await first.quit();
  }
  const second = new EmulatorProcess(['--board', 'small2'], dataDir);
  try {
    t.is((await second.waitFor((e) => e.event === 'boot')).boot_count, 3);
    second.send({ key: 'vol_down' });
    await second.waitForScreen((l) => l[1] === '#####-----'); // 6 → 5: the 6 was kept
  } finally {
    await second.quit();
  }
});

test('the watchdog stops a hung firmware and the phone reboots', async (t) => {
  const phone = new EmulatorProcess(['--board', 'small2', '--image', await image('small2', faultyEntry)]);
  try {
    await phone.waitFor((e) => e.event === 'boot');
    const n = phone.events.length;
    const t0 = Date.now();
    phone.send({ key: '7' });
    const wd = await phone.waitFor((e) => e.event === 'watchdog', 15000, n);
    t.is(wd.during, 'key');
    t.regex(String(wd.message), /longer than \d+ ms/);
    await phone.waitFor((e) => e.event === 'reboot', 15000, n);
    const boot = await phone.waitFor((e) => e.event === 'boot', 15000, n);
    t.is(boot.boot_count, 2);
    t.true(Date.now() - t0 < 10000);
    phone.send({ key: '5' }); // the rebooted phone works
    await phone.waitForScreen((l) => l[1] === '5');
  } finally {
    await phone.quit();
  }
});

test('the heap limit is enforced: a firmware that exhausts it is rebooted', async (t) => {
  const phone = new EmulatorProcess(['--board', 'small2', '--image', await image('small2', faultyEntry)]);
  try {
    await phone.waitFor((e) => e.event === 'boot');
    const n = phone.events.length;
    phone.send({ key: '8' });
    const err = await phone.waitFor((e) => e.event === 'error' && e.kind === 'out-of-memory', 20000, n);
    t.regex(String(err.message), /4194304 byte heap/);
    await phone.waitFor((e) => e.event === 'boot', 20000, n);
  } finally {
    await phone.quit();
  }
});

test('an exception that escapes the firmware is a crash: reported, then a reboot', async (t) => {
  const phone = new EmulatorProcess(['--board', 'small2', '--image', await image('small2', faultyEntry)]);
  try {
    await phone.waitFor((e) => e.event === 'boot');
    const n = phone.events.length;
    phone.send({ key: '6' });
    t.is((await phone.waitFor((e) => e.event === 'promise_ran', 15000, n)).value, 'job'); // pending jobs run
    phone.send({ key: '9' });
    const err = await phone.waitFor((e) => e.event === 'error' && /test fault/.test(String(e.message)), 15000, n);
    t.is(err.kind, 'exception');
    t.is((await phone.waitFor((e) => e.event === 'boot', 15000, n)).boot_count, 2);
    phone.send({ key: '3' });
    await phone.waitForScreen((l) => l[1] === '3');
  } finally {
    await phone.quit();
  }
});

function runEmulate(args: string[]): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'quip.mjs'), 'emulate', '--control', 'stdio', ...args], { cwd: ROOT, encoding: 'utf8', input: '', timeout: 30000 });
  return { code: r.status, stderr: r.stderr };
}

test('a corrupt, truncated or wrong-board image is refused with a clear message', async (t) => {
  const good = await image('small2');
  const bytes = readFileSync(good);
  const corrupt = join(work, 'corrupt.qfw');
  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 10] ^= 0xff;
  writeFileSync(corrupt, flipped);
  const truncated = join(work, 'truncated.qfw');
  writeFileSync(truncated, bytes.subarray(0, bytes.length - 100));
  const r1 = runEmulate(['--board', 'small2', '--image', corrupt]);
  t.is(r1.code, 1);
  t.regex(r1.stderr, /refusing image .*corrupt\.qfw: .*SHA-256/i);
  const r2 = runEmulate(['--board', 'small2', '--image', truncated]);
  t.is(r2.code, 1);
  t.regex(r2.stderr, /refusing image/);
  const r3 = runEmulate(['--board', 'desk6', '--image', good]);
  t.is(r3.code, 1);
  t.regex(r3.stderr, /small2.*desk6/);
});

test('a broken board config and bad options are reported, not crashed on', (t) => {
  const broken = join(work, 'broken.json');
  writeFileSync(broken, JSON.stringify({ ...JSON.parse(readFileSync(join(ROOT, 'board-configs', 'small2.json'), 'utf8')), id: 'broken', display: { rows: 'two', cols: 16, softkeys: 0, icons: [] } }));
  const r1 = runEmulate(['--board', broken]);
  t.is(r1.code, 1);
  t.regex(r1.stderr, /display\.rows/);
  const r2 = runEmulate(['--board', 'small2', '--account', 'not-a-uri']);
  t.is(r2.code, 1);
  t.regex(r2.stderr, /account/i);
  const r3 = runEmulate(['--board', 'small2', '--sip-port', '70000']);
  t.is(r3.code, 2);
  const help = spawnSync(process.execPath, [join(ROOT, 'scripts', 'quip.mjs'), 'emulate', '--help'], { encoding: 'utf8' });
  t.is(help.status, 0);
  t.regex(help.stdout, /--control stdio\|none/);
});
