// Updating a running emulated phone over the network, end to end: `quip emulate --flash` with
// its update endpoint (HTTP and TFTP), `quip flash --to <url>` or the upload client, signed
// images against the board's update.publicKey. A refused image leaves the phone running what
// it ran; an accepted one lands in the other slot and the phone reboots into it, keeping its
// settings. The boot loader checks the signature too (verified boot).
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFirmware } from '../../build/build-firmware.ts';
import { loadPrivateKey, signImage } from '../../image/signing.ts';
import { loadBoardConfig } from '../../hal/board-config.ts';
import { FileFlash } from '../../hal/flash/device.ts';
import { installImage } from '../../hal/flash/install.ts';
import { flashLayout } from '../../hal/flash/layout.ts';
import { startLabServer } from '../../server/lab-server.ts';
import { defaultUsers } from '../../server/users.ts';
import { UploadError, uploadFirmware } from '../../scripts/flash-net.ts';
import { ROOT } from '../helpers/corpus.ts';
import { EmulatorProcess } from '../helpers/emulator-process.ts';
import type { EmuEvent } from '../helpers/emulator-process.ts';

const work = mkdtempSync(join(tmpdir(), 'quip-netupdate-'));
const lab3 = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'boards', 'lab3.json'), 'utf8')) as { update: { publicKey: string } };
const key = loadPrivateKey(readFileSync(join(ROOT, 'test', 'fixtures', 'keys', 'lab3-test.pem'), 'utf8'));

// small2 that only takes images signed by the test key, and confirms a healthy boot quickly.
const boardFile = join(mkdtempSync(join(work, 'board-')), 'small2.json');
const raw = JSON.parse(readFileSync(join(ROOT, 'board-configs', 'small2.json'), 'utf8')) as Record<string, unknown>;
raw['$schema'] = join(ROOT, 'board-configs', 'schema.json');
raw['flash'] = { ...(raw['flash'] as object), confirmAfterS: 1 };
raw['update'] = { publicKey: lab3.update.publicKey };
writeFileSync(boardFile, JSON.stringify(raw));
const config = loadBoardConfig(boardFile);

async function image(version: string, signed: boolean): Promise<string> {
  const built = await buildFirmware({ board: { ...config, firmware: { version } } });
  const file = join(work, `small2-${version}${signed ? '' : '-unsigned'}.qfw`);
  writeFileSync(file, signed ? signImage(built.image, key) : built.image);
  return file;
}

function quip(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'quip.mjs'), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const bootOf = (p: EmulatorProcess, from: number): Promise<EmuEvent> => p.waitFor((e) => e.event === 'boot', 30000, from);

test('a phone takes a signed update over HTTP and TFTP, refuses unsigned, garbage and other boards\' images, and keeps its settings', async (t) => {
  t.timeout(180_000);
  const [v1, v2, v3, unsigned] = await Promise.all([image('1.0.0', true), image('2.0.0', true), image('3.0.0', true), image('2.0.0', false)]);
  const flashFile = join(work, 'small2.flash');

  // The local flash refuses an unsigned image for this board, before touching the file.
  const refused = quip('flash', '--board', boardFile, '--image', unsigned, '--to', flashFile);
  t.is(refused.status, 1);
  t.regex(refused.stderr, /unsigned image refused: this board only accepts images signed by key [0-9a-f]{16}/);
  t.is(quip('flash', '--board', boardFile, '--image', v1, '--to', flashFile).status, 0);

  const logs: string[] = [];
  const lab = await startLabServer({ port: 0, users: defaultUsers(), log: (l) => logs.push(l) });
  const phone = new EmulatorProcess(['--board', boardFile, '--flash', flashFile, '--update-port', '0', '--tftp-port', '0', '--account', `sip:bob:secret@127.0.0.1:${lab.port}`]);
  t.teardown(async () => {
    await phone.quit();
    lab.close();
  });
  const first = await bootOf(phone, 0);
  t.like(first, { version: '1.0.0', slot: 'A' });
  const endpoint = await phone.waitFor((e) => e.event === 'update_endpoint');
  const http = `http://127.0.0.1:${String(endpoint.http_port)}`;
  const tftp = `udp://127.0.0.1:${String(endpoint.tftp_port)}`;
  await phone.waitFor((e) => e.event === 'registered');
  await phone.waitFor((e) => e.event === 'boot_confirmed');

  // The phone itself refuses what the CLI would have caught: unsigned, and another board's image.
  let n = phone.events.length;
  const e1 = await t.throwsAsync(uploadFirmware(http, readFileSync(unsigned)), { instanceOf: UploadError });
  t.regex(e1!.message, /refused the image: unsigned image refused/);
  const e2 = await t.throwsAsync(uploadFirmware(tftp, readFileSync(unsigned)), { instanceOf: UploadError });
  t.regex(e2!.message, /unsigned image refused/);
  const garbage = new Uint8Array(4096).fill(0x41);
  const e3 = await t.throwsAsync(uploadFirmware(http, garbage), { instanceOf: UploadError });
  t.regex(e3!.message, /refused the image/);
  const desk6 = signImage((await buildFirmware({ board: loadBoardConfig('desk6') })).image, key);
  const e4 = await t.throwsAsync(uploadFirmware(http, desk6), { instanceOf: UploadError });
  t.regex(e4!.message, /desk6/);
  await new Promise((r) => setTimeout(r, 500));
  t.false(phone.events.slice(n).some((e) => e.event === 'boot' || e.event === 'reboot'), 'the running firmware stays');

  // A signed update over HTTP with the CLI: slot B, trial, then confirmed; the boot count goes on.
  n = phone.events.length;
  const up = quip('flash', '--board', boardFile, '--image', v2, '--to', http);
  t.is(up.status, 0, up.stderr);
  t.regex(up.stdout, /slot B/);
  const second = await bootOf(phone, n);
  t.like(second, { version: '2.0.0', slot: 'B', slot_state: 'trial' });
  await phone.waitFor((e) => e.event === 'boot_confirmed' && e.slot === 'B', 30000, n);

  // And over TFTP: back into slot A.
  n = phone.events.length;
  const viaTftp = quip('flash', '--board', boardFile, '--image', v3, '--to', tftp);
  t.is(viaTftp.status, 0, viaTftp.stderr);
  const third = await bootOf(phone, n);
  t.like(third, { version: '3.0.0', slot: 'A' });
  await phone.waitFor((e) => e.event === 'registered', 30000, n);
  // Settings live in the storage partition, which no install touches.
  t.true((third.boot_count as number) > (second.boot_count as number) && (second.boot_count as number) > (first.boot_count as number),
    `boot counts ${String(first.boot_count)}, ${String(second.boot_count)}, ${String(third.boot_count)}`);
});

test('verified boot: an unsigned image written into the flash behind the installer does not run; the board stays on its signed firmware', async (t) => {
  t.timeout(120_000);
  const [v1, unsigned] = await Promise.all([image('1.0.0', true), image('6.6.6', false)]);
  const flashFile = join(work, 'tampered.flash');
  t.is(quip('flash', '--board', boardFile, '--image', v1, '--to', flashFile).status, 0);
  // What an attacker with the flash (or an old tool) could do: write slot B directly.
  const layout = flashLayout(config.flash!);
  const device = new FileFlash(flashFile, layout.size);
  try {
    installImage(device, layout, new Uint8Array(readFileSync(unsigned)), config.id);
  } finally {
    device.close();
  }
  const phone = new EmulatorProcess(['--board', boardFile, '--flash', flashFile]);
  try {
    const boot = await bootOf(phone, 0);
    t.like(boot, { version: '1.0.0', slot: 'A' });
    const rollback = phone.events.find((e) => e.event === 'rollback');
    t.like(rollback, { from: 'B', to: 'A', from_version: '6.6.6', reason: 'verification' });
    t.regex(String(rollback!['detail']), /^slot B failed verification: unsigned image refused: this board only accepts images signed by key [0-9a-f]{16}$/);
  } finally {
    await phone.quit();
  }
});
