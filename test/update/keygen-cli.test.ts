// `quip keygen` as a user runs it: key files, their modes, --force, the board config line.
import { execFile } from 'node:child_process';
import { readdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { decodePublicKey, keyIdOf, loadPrivateKey, publicKeyOf } from '../../image/signing.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(path.join(tmpdir(), 'quip-keygen-test-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

function quip(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['scripts/quip.mjs', ...args], { cwd: repoRoot }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('keygen writes a 0600 PKCS#8 private key and a public key, and prints the board config line', async (t) => {
  const out = path.join(dir, 'fresh', 'nested');
  const { code, stdout, stderr } = await quip('keygen', '--out', out, '--name', 'lab');
  t.is(code, 0, stderr);
  t.is(stderr, '');
  const privateFile = path.join(out, 'lab.pem');
  const publicFile = path.join(out, 'lab.pub.pem');
  t.is(statSync(privateFile).mode & 0o777, 0o600);
  t.is(statSync(out).mode & 0o077, 0, 'a directory it creates is private too');
  t.regex(readFileSync(privateFile, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
  t.regex(readFileSync(publicFile, 'utf8'), /^-----BEGIN PUBLIC KEY-----\n/);
  const key = loadPrivateKey(readFileSync(privateFile, 'utf8'));
  const raw = publicKeyOf(key);
  const line = /^ {2}"update": \{ "publicKey": "([A-Za-z0-9+/]{43}=)" \}$/m.exec(stdout);
  t.truthy(line, stdout);
  t.deepEqual(decodePublicKey(line![1]!), raw, 'the printed key is the raw public key of the written private key');
  t.regex(stdout, new RegExp(`^key id +${keyIdOf(raw)}$`, 'm'));
  t.regex(stdout, /quip build --sign .*lab\.pem/);
  t.deepEqual(readdirSync(out).sort(), ['lab.pem', 'lab.pub.pem'], 'no temporary files left behind');
});

test('keygen refuses to overwrite a key without --force, and replaces it with --force', async (t) => {
  const out = path.join(dir, 'twice');
  t.is((await quip('keygen', '--out', out)).code, 0);
  const privateFile = path.join(out, 'quip-signing.pem');
  const before = readFileSync(privateFile, 'utf8');
  const again = await quip('keygen', '--out', out);
  t.is(again.code, 1);
  t.is(again.stdout, '');
  t.regex(again.stderr, /^error: .*quip-signing\.pem and .*quip-signing\.pub\.pem already exist; use --force to overwrite/);
  t.is(readFileSync(privateFile, 'utf8'), before, 'the old key is untouched');
  const forced = await quip('keygen', '--out', out, '--force');
  t.is(forced.code, 0, forced.stderr);
  t.not(readFileSync(privateFile, 'utf8'), before);
  t.is(statSync(privateFile).mode & 0o777, 0o600);
  // Only one of the two files present still counts as "would overwrite".
  rmSync(path.join(out, 'quip-signing.pub.pem'));
  const half = await quip('keygen', '--out', out);
  t.is(half.code, 1);
  t.regex(half.stderr, /quip-signing\.pem already exists;/);
});

test('keygen --help describes the options and the files; quip --help lists keygen', async (t) => {
  const { code, stdout } = await quip('keygen', '--help');
  t.is(code, 0);
  for (const word of ['--out', '--name', '--force', 'PKCS#8', '0600', '"publicKey"', 'Exit codes']) t.true(stdout.includes(word), word);
  const overview = await quip('--help');
  t.regex(overview.stdout, /^ +keygen +generate an Ed25519 key pair/m);
});

test('keygen usage errors exit 2 with one line', async (t) => {
  for (const [args, message] of [
    [['--out'], /--out needs a value/],
    [['--name', '../evil'], /--name must be 1 to 64 letters/],
    [['--force=yes'], /--force takes no value/],
    [['--bits', '4096'], /unknown option '--bits'/],
  ] as [string[], RegExp][]) {
    const { code, stderr } = await quip('keygen', ...args);
    t.is(code, 2, args.join(' '));
    t.regex(stderr, message);
  }
});

test('keygen into an unwritable place fails with one line, exit 1', async (t) => {
  const blocker = path.join(dir, 'a-file');
  writeFileSync(blocker, 'not a directory');
  const { code, stderr } = await quip('keygen', '--out', path.join(blocker, 'keys'));
  t.is(code, 1);
  t.regex(stderr, /^error: cannot write the keys: [^\n]+\n$/);
});
