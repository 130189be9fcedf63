// `quip build --sign`: signed images, the board's key enforced, unusable keys refused in one line.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { readImage } from '../../image/image.ts';
import { generateKeyPair, keyIdOf, loadPrivateKey, publicKeyOf } from '../../image/signing.ts';
import { checkUpdateImage } from '../../image/update-check.ts';
import { loadBoardConfig } from '../../hal/board-config.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const HELLO = 'test/fixtures/firmware/hello.ts';
const LAB3 = 'test/fixtures/boards/lab3.json';
const LAB3_KEY = 'test/fixtures/keys/lab3-test.pem';
const dir = mkdtempSync(path.join(tmpdir(), 'quip-build-sign-test-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const other = generateKeyPair();
const otherFile = path.join(dir, 'other.pem');
writeFileSync(otherFile, other.privateKeyPem, { mode: 0o600 });

function quip(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['scripts/quip.mjs', ...args], { cwd: repoRoot }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('build --sign writes a signed image that the board with that key accepts', async (t) => {
  const out = path.join(dir, 'lab3.qfw');
  const { code, stdout, stderr } = await quip('build', '--board', LAB3, '--entry', HELLO, '--out', out, '--sign', LAB3_KEY);
  t.is(code, 0, stderr);
  t.is(stderr, '');
  const keyId = keyIdOf(publicKeyOf(loadPrivateKey(readFileSync(path.join(repoRoot, LAB3_KEY), 'utf8'))));
  t.regex(stdout, new RegExp(`^signed +Ed25519, key ${keyId}$`, 'm'));
  const bytes = new Uint8Array(readFileSync(out));
  t.regex(stdout, new RegExp(`^image +${bytes.byteLength} bytes`, 'm'), 'the size printed includes the signature');
  t.is(readImage(bytes).signature?.keyId, keyId);
  t.like(checkUpdateImage(bytes, loadBoardConfig(path.join(repoRoot, LAB3))), { signed: true, verified: true });
});

test('build --sign with a board without a key signs with any key', async (t) => {
  const out = path.join(dir, 'small2.qfw');
  const { code, stderr } = await quip('build', '--board', 'small2', '--entry', HELLO, '--out', out, `--sign=${otherFile}`);
  t.is(code, 0, stderr);
  t.is(readImage(new Uint8Array(readFileSync(out)), 'small2').signature?.keyId, other.keyId);
});

test('build --sign with a key the board does not accept: one line naming both keys, no image', async (t) => {
  const out = path.join(dir, 'never.qfw');
  const { code, stdout, stderr } = await quip('build', '--board', LAB3, '--entry', HELLO, '--out', out, '--sign', otherFile);
  t.is(code, 1);
  t.is(stdout, '');
  t.regex(stderr, new RegExp(`^error: .*other\\.pem is key ${other.keyId}, but lab3 only accepts images signed by key [0-9a-f]{16} \\(its update\\.publicKey\\)\\n$`));
  t.false(existsSync(out));
});

test('an unsigned build for a board that only accepts signed updates warns', async (t) => {
  const out = path.join(dir, 'lab3-unsigned.qfw');
  const { code, stderr } = await quip('build', '--board', LAB3, '--entry', HELLO, '--out', out);
  t.is(code, 0);
  t.is(stderr, 'warning: lab3 only accepts signed updates; this image is unsigned (use --sign <key.pem>)\n');
  t.is(readImage(new Uint8Array(readFileSync(out))).signature, null);
});

test('unusable signing keys are refused in one line, exit 1', async (t) => {
  const publicOnly = path.join(dir, 'public.pem');
  writeFileSync(publicOnly, other.publicKeyPem);
  const cases: [string, RegExp][] = [
    [path.join(dir, 'missing.pem'), /^error: cannot read the signing key: ENOENT[^\n]*\n$/],
    [publicOnly, /^error: .*public\.pem is not a PEM private key \([^\n]*\)\n$/],
  ];
  for (const [key, message] of cases) {
    const { code, stderr } = await quip('build', '--board', 'small2', '--entry', HELLO, '--out', path.join(dir, 'x.qfw'), '--sign', key);
    t.is(code, 1, key);
    t.regex(stderr, message);
  }
  const usage = await quip('build', '--board', 'small2', '--sign');
  t.is(usage.code, 2);
  t.regex(usage.stderr, /--sign needs a value/);
  t.true((await quip('build', '--help')).stdout.includes('--sign <key.pem>'));
});
