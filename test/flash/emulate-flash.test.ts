// `quip emulate --flash` as a child process: boots from a flash file written by `quip flash`,
// keeps settings across an update, and rolls back a firmware that crashes at boot. The same on
// quip-host, the native board host (x64 ASan build, armhf under qemu), which has the same boot
// loader. The update here is `quip flash` writing the stopped phone's flash file, so it needs
// no update endpoint (network updates, --update-port, are the emulator's: test/flash/network-update).
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFirmware } from '../../build/build-firmware.ts';
import { loadBoardConfig } from '../../hal/board-config.ts';
import { FileFlash } from '../../hal/flash/device.ts';
import { flashLayout } from '../../hal/flash/layout.ts';
import { ROOT } from '../helpers/corpus.ts';
import { EmulatorProcess } from '../helpers/emulator-process.ts';
import { CORE_HOSTS, phoneHost } from '../helpers/hosts.ts';
import type { HostName } from '../helpers/hosts.ts';

const work = mkdtempSync(join(tmpdir(), 'quip-flashtest-'));
const K = 3;

// small2 with a short confirmation time, so a healthy boot is confirmed within the test.
const boardFile = join(mkdtempSync(join(work, 'board-')), 'small2.json');
const raw = JSON.parse(readFileSync(join(ROOT, 'board-configs', 'small2.json'), 'utf8')) as Record<string, unknown>;
raw['$schema'] = join(ROOT, 'board-configs', 'schema.json');
raw['flash'] = { ...(raw['flash'] as object), maxTrialBoots: K, confirmAfterS: 1 };
writeFileSync(boardFile, JSON.stringify(raw));
const config = loadBoardConfig(boardFile);

async function image(version: string, entry?: string): Promise<string> {
  const built = await buildFirmware({ board: { ...config, firmware: { version } }, ...(entry ? { entry } : {}) });
  const file = join(work, `small2-${version}.qfw`);
  writeFileSync(file, built.image);
  return file;
}

const images = Promise.all([image('1.0.0'), image('2.0.0'), image('9.9.9-crash', join(ROOT, 'test', 'fixtures', 'firmware', 'crash-at-boot.ts'))]);

function quip(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'quip.mjs'), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function flash(img: string, file: string): string {
  const r = quip('flash', '--board', boardFile, '--image', img, '--to', file);
  if (r.status !== 0) throw new Error(`quip flash failed: ${r.stderr}`);
  return r.stdout;
}

/** The node tests keep their names; a native host's are prefixed with it and run serially. */
function hostTest(host: HostName) {
  if (host === 'node') return (name: string, fn: (t: ExecutionContext) => Promise<void> | void) => test(name, fn);
  return (name: string, fn: (t: ExecutionContext) => Promise<void> | void) =>
    test.serial(`[${host}] ${name}`, async (t) => {
      t.timeout(60000 * slow(host)); // the waits' ceilings below, beyond ava's 60 s default
      await fn(t);
    });
}

/** Ceilings for waits: ASan and qemu are slower than the emulator (ceilings, not budgets). */
function slow(host: HostName): number {
  return host === 'node' ? 1 : host === 'x64' ? 2 : 4;
}

/** The phone's command run to completion (it is expected to refuse to start). */
function emulate(host: HostName, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const { cmd, args: lead, env } = phoneHost(host).command();
  const r = spawnSync(cmd, [...lead, ...args], { cwd: ROOT, encoding: 'utf8', input: '', timeout: 60000, ...(env ? { env } : {}) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

for (const host of CORE_HOSTS) {
  const k = slow(host);
  const at = (name: string) => join(work, host === 'node' ? name : `${host}-${name}`);

  /** Boots the flash until the firmware confirms its boot, optionally doing something first. */
  const bootAndConfirm = async (t: ExecutionContext, file: string, during?: (phone: EmulatorProcess) => Promise<void>): Promise<Record<string, unknown>> => {
    const phone = new EmulatorProcess(['--board', boardFile, '--flash', file], undefined, host);
    try {
      const boot = await phone.waitFor((e) => e.event === 'boot', 30000 * k);
      await during?.(phone);
      await phone.waitFor((e) => e.event === 'boot_confirmed', 30000 * k);
      return boot;
    } finally {
      t.is(await phone.quit(), 0);
    }
  };

  hostTest(host)('boots from a flash file, confirms the trial slot, and keeps settings across an update', async (t) => {
    const [v1, v2] = await images;
    const file = at('update.flash');
    t.regex(flash(v1, file), /slot A: 1\.0\.0 for small2, \d+ bytes, verified/);
    const first = await bootAndConfirm(t, file, async (phone) => {
      phone.send({ key: 'vol_up' });
      await phone.waitForScreen((l) => l[0] === 'Volume' && l[1] === '######----', 10000 * k);
    });
    t.like(first, { version: '1.0.0', board: 'small2', slot: 'A', slot_state: 'trial', boot_attempt: 1, max_trial_boots: K, boot_count: 1 });

    const out = flash(v2, file);
    t.regex(out, /slot B is now the trial slot/);
    t.regex(out, /rolls back to slot A \(1\.0\.0\)/);
    const second = await bootAndConfirm(t, file, async (phone) => {
      phone.send({ key: 'vol_down' });
      await phone.waitForScreen((l) => l[1] === '#####-----', 10000 * k); // 6 → 5: the 6 survived the update
    });
    t.like(second, { version: '2.0.0', slot: 'B', slot_state: 'trial', boot_attempt: 1, boot_count: 2 });

    // Confirmed: the next boot is a plain good boot.
    const phone = new EmulatorProcess(['--board', boardFile, '--flash', file], undefined, host);
    try {
      t.like(await phone.waitFor((e) => e.event === 'boot', 30000 * k), { version: '2.0.0', slot: 'B', slot_state: 'good', boot_count: 3 });
    } finally {
      t.is(await phone.quit(), 0);
    }
  });

  hostTest(host)(`a firmware that crashes at boot is rolled back after ${K} boots, and the board reports it`, async (t) => {
    const [v1, , crash] = await images;
    const file = at('rollback.flash');
    flash(v1, file);
    await bootAndConfirm(t, file);
    t.regex(flash(crash, file), /slot B: 9\.9\.9-crash/);

    const phone = new EmulatorProcess(['--board', boardFile, '--flash', file], undefined, host);
    try {
      const boot = await phone.waitFor((e) => e.event === 'boot', 60000 * k);
      const crashes = phone.events.filter((e) => e.event === 'error' && e.where === 'firmware' && e.during === 'start');
      t.is(crashes.length, K, `${K} crashed boots before the rollback`);
      t.regex(String(crashes[0]!.message), /crash at boot/);
      const rollback = phone.events.find((e) => e.event === 'rollback');
      t.like(rollback, { from: 'B', to: 'A', from_version: '9.9.9-crash', to_version: '1.0.0', reason: 'unconfirmed' });
      t.regex(String(rollback!['detail']), new RegExp(`slot B was not confirmed after ${K} boot attempts`));
      t.like(boot, { version: '1.0.0', slot: 'A', slot_state: 'good' });
      await phone.waitFor(() => phone.stderr.some((l) => l.startsWith('rollback: slot B (9.9.9-crash) → slot A (1.0.0)')), 10000 * k);
      t.pass();
    } finally {
      t.is(await phone.quit(), 0);
    }
  });

  hostTest(host)('a flash with nothing bootable: the emulator reports it and keeps running', async (t) => {
    const file = at('blank.flash');
    FileFlash.create(file, flashLayout(config.flash!).size);
    const phone = new EmulatorProcess(['--board', boardFile, '--flash', file], undefined, host);
    try {
      const e = await phone.waitFor((ev) => ev.event === 'error' && ev.where === 'bootloader', 30000 * k);
      t.regex(String(e.message), /^no bootable firmware: slot A is empty; slot B is empty/);
      await phone.waitForScreen((l) => l[0] === 'Boot failed', 10000 * k);
      await phone.waitFor(() => phone.stderr.some((l) => l.startsWith('boot loader: no bootable firmware')), 10000 * k);
    } finally {
      t.is(await phone.quit(), 0);
    }
  });

  hostTest(host)('--flash: a missing or wrong-size file, and --image alongside, are clear errors', (t) => {
    const missing = emulate(host, '--board', boardFile, '--flash', at('nope.flash'));
    t.is(missing.status, 1);
    t.regex(missing.stderr, /no flash file .*nope\.flash; create one with: npx quip flash --board small2 --image <image\.qfw> --to /);
    const small = at('small.flash');
    writeFileSync(small, new Uint8Array(1000));
    const wrong = emulate(host, '--board', boardFile, '--flash', small);
    t.is(wrong.status, 1);
    t.regex(wrong.stderr, /small\.flash is 1000 bytes, this board's flash is 1048576 bytes/);
    const both = emulate(host, '--board', boardFile, '--flash', small, '--image', small);
    t.is(both.status, 2);
    // quip-host has a third source, --bundle, and names all three.
    t.regex(both.stderr, host === 'node' ? /--flash and --image are exclusive/ : /--image, --flash and --bundle are exclusive/);
  });
}
