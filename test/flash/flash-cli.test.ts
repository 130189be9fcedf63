// `quip flash`: help, usage errors, and refusing what must not be written — leaving the flash
// file as it was.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFirmware } from '../../build/build-firmware.ts';
import { loadBoardConfig } from '../../hal/board-config.ts';
import { ROOT } from '../helpers/corpus.ts';

const work = mkdtempSync(join(tmpdir(), 'quip-flashcli-'));

function quip(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'quip.mjs'), 'flash', ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const good = (async () => {
  const file = join(work, 'small2.qfw');
  writeFileSync(file, (await buildFirmware({ board: loadBoardConfig('small2') })).image);
  return file;
})();

test('--help explains the command, the slots and the exit codes', (t) => {
  const r = quip('--help');
  t.is(r.status, 0);
  for (const text of ['--board', '--image', '--to', 'trial', 'flash.maxTrialBoots', 'read', 'Exit codes', 'quip emulate --board desk6 --flash']) {
    t.true(r.stdout.includes(text), text);
  }
});

test('usage errors exit 2 and name the problem', (t) => {
  t.regex(quip().stderr, /--board is required/);
  t.is(quip('--board', 'small2', '--image', 'x.qfw').status, 2);
  t.regex(quip('--board', 'small2', '--image', 'x.qfw').stderr, /--to is required/);
  t.regex(quip('--board', 'small2', '--nope').stderr, /unknown option '--nope'/);
  t.regex(quip('--board').stderr, /--board needs a value/);
});

test('a first flash creates the file; progress goes to stderr as plain lines off a terminal', async (t) => {
  const file = join(work, 'new.flash');
  const r = quip('--board', 'small2', '--image', await good, '--to', file);
  t.is(r.status, 0, r.stderr);
  t.is(readFileSync(file).length, 1024 * 1024);
  t.regex(r.stderr, /created .*new\.flash: 1048576 bytes, erased/);
  t.regex(r.stderr, /writing slot A: 100% \(\d+ of \d+ bytes\)/);
  t.regex(r.stderr, /verifying \(read-back\)/);
  t.regex(r.stdout, /slot A is now the trial slot/);
  t.regex(r.stdout, /there is no other firmware to fall back to/);
});

test('corrupt, truncated and wrong-board images are refused and the flash is untouched', async (t) => {
  const file = join(work, 'kept.flash');
  t.is(quip('--board', 'small2', '--image', await good, '--to', file).status, 0);
  const before = readFileSync(file);
  const bytes = readFileSync(await good);
  const corrupt = join(work, 'corrupt.qfw');
  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 100]! ^= 0x20;
  writeFileSync(corrupt, flipped);
  const truncated = join(work, 'truncated.qfw');
  writeFileSync(truncated, bytes.subarray(0, bytes.length - 1000));
  const cases: Array<[string, string, RegExp]> = [
    ['small2', corrupt, /refusing image .*corrupt\.qfw: image corrupt: payload SHA-256/],
    ['small2', truncated, /refusing image .*truncated\.qfw: image truncated/],
    ['desk6', await good, /refusing image .*: image is for small2, this board is desk6/],
    ['small2', join(work, 'missing.qfw'), /cannot read image .*missing\.qfw/],
  ];
  for (const [board, img, message] of cases) {
    const r = quip('--board', board, '--image', img, '--to', file);
    t.is(r.status, 1, img);
    t.regex(r.stderr, message);
    t.deepEqual(readFileSync(file), before, 'flash untouched');
  }
  const fresh = join(work, 'never.flash');
  t.is(quip('--board', 'small2', '--image', corrupt, '--to', fresh).status, 1);
  t.false(existsSync(fresh), 'a refused image creates no flash file');
});

test('a flash file of the wrong size, and a board without flash, are clear errors', async (t) => {
  const odd = join(work, 'odd.flash');
  writeFileSync(odd, new Uint8Array(4096));
  const r = quip('--board', 'small2', '--image', await good, '--to', odd);
  t.is(r.status, 1);
  t.regex(r.stderr, /odd\.flash is 4096 bytes, this board's flash is 1048576 bytes/);
  t.is(readFileSync(odd).length, 4096);

  const dir = mkdtempSync(join(work, 'board-'));
  const raw = JSON.parse(readFileSync(join(ROOT, 'board-configs', 'small2.json'), 'utf8')) as Record<string, unknown>;
  delete raw['flash'];
  delete raw['$schema'];
  writeFileSync(join(dir, 'small2.json'), JSON.stringify(raw));
  const noFlash = quip('--board', join(dir, 'small2.json'), '--image', await good, '--to', join(work, 'x.flash'));
  t.is(noFlash.status, 1);
  t.regex(noFlash.stderr, /board small2 has no "flash" section/);
});

test('a network target nobody answers at: exit 1 with the reason, nothing written', async (t) => {
  const r = quip('--board', 'small2', '--image', await good, '--to', 'http://127.0.0.1:9/');
  t.is(r.status, 1);
  t.regex(r.stderr, /^error: cannot upload to 127\.0\.0\.1:9/m);
});
