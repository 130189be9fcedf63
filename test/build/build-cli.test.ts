// `quip build` as a user runs it: a child process of scripts/quip.mjs.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { readImage } from '../../image/image.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const HELLO = 'test/fixtures/firmware/hello.ts';
const outDir = mkdtempSync(path.join(tmpdir(), 'quip-build-test-'));
test.after.always(() => rmSync(outDir, { recursive: true, force: true }));

function quip(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['scripts/quip.mjs', ...args], { cwd: repoRoot }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('quip build writes a verified image and prints sizes, SHA-256 and the path', async (t) => {
  const out = path.join(outDir, 'nested', 'small2.qfw');
  const { code, stdout, stderr } = await quip('build', '--board', 'small2', '--entry', HELLO, '--out', out);
  t.is(code, 0, stderr);
  t.is(stderr, '');
  const bundle = /^bundle +(\d+) bytes \(\d+\.\d KiB\)$/m.exec(stdout);
  const image = /^image +(\d+) bytes \(\d+\.\d KiB\)$/m.exec(stdout);
  const sha = /^sha256 +([0-9a-f]{64})$/m.exec(stdout);
  t.truthy(bundle && image && sha, stdout);
  t.regex(stdout, new RegExp(`^wrote +${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  const bytes = new Uint8Array(readFileSync(out));
  const { manifest, payload } = readImage(bytes, 'small2');
  t.is(Number(image![1]), bytes.byteLength);
  t.is(Number(bundle![1]), payload.byteLength);
  t.is(sha![1], manifest.sha256);
});

test('quip build --help describes every option', async (t) => {
  const { code, stdout } = await quip('build', '--help');
  t.is(code, 0);
  for (const option of ['--board', '--entry', '--out', '--no-minify', 'dist/<board>.qfw', 'Exit codes']) {
    t.true(stdout.includes(option), option);
  }
});

test('quip --help lists build', async (t) => {
  const { code, stdout } = await quip('--help');
  t.is(code, 0);
  t.regex(stdout, /^ +build +bundle the firmware/m);
});

test('firmware importing node:fs: one line naming the import, exit 1', async (t) => {
  const out = path.join(outDir, 'never.qfw');
  const { code, stdout, stderr } = await quip('build', '--board', 'small2', '--entry', 'test/fixtures/firmware/imports-node-fs.ts', '--out', out);
  t.is(code, 1);
  t.is(stdout, '');
  t.regex(stderr, /^error: bundling .*imports-node-fs\.ts failed: .*imports-node-fs\.ts:2:\d+: Node builtin 'node:fs' is not allowed[^\n]*\n$/);
});

test('a broken board config: one line naming the file, exit 1', async (t) => {
  const { code, stderr } = await quip('build', '--board', 'test/fixtures/boards/not-json.json', '--entry', HELLO);
  t.is(code, 1);
  t.regex(stderr, /^error: test\/fixtures\/boards\/not-json\.json: invalid JSON at line 4 column 1: [^\n]*\n$/);
});

test('an unknown board: one line listing the boards, exit 1', async (t) => {
  const { code, stderr } = await quip('build', '--board', 'desk7', '--entry', HELLO);
  t.is(code, 1);
  t.regex(stderr, /^error: .*no such board "desk7" \(boards: [^\n]*\n$/);
});

const USAGE_ERRORS: [string[], RegExp][] = [
  [[], /--board is required/],
  [['--board'], /--board needs a value/],
  [['--board', 'small2', '--entry'], /--entry needs a value/],
  [['--board', 'small2', '--fast'], /unknown option '--fast'/],
  [['--board', 'small2', 'extra'], /unexpected argument 'extra'/],
  [['--board=small2', '--no-minify=yes'], /--no-minify takes no value/],
];

for (const [args, message] of USAGE_ERRORS) {
  test(`usage error exits 2: quip build ${args.join(' ')}`, async (t) => {
    const { code, stderr } = await quip('build', ...args);
    t.is(code, 2);
    t.regex(stderr, message);
    t.regex(stderr, /Run 'quip build --help' for usage/);
  });
}
