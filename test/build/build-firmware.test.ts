// buildFirmware: bundles an entry into an image whose payload runs in QuickJS.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { getQuickJS } from 'quickjs-emscripten';
import { BundleError } from '../../build/bundle.ts';
import { DEFAULT_ENTRY, FIRMWARE_GLOBAL, buildFirmware } from '../../build/build-firmware.ts';
import { readImage } from '../../image/image.ts';
import { listBoards, loadBoardConfig, packageVersion } from '../../hal/board-config.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, '..', 'fixtures');
const HELLO = path.join(fixtures, 'firmware', 'hello.ts');
const IMPORTS_NODE_FS = path.join(fixtures, 'firmware', 'imports-node-fs.ts');

/** Evaluates `code` in a fresh QuickJS context, then `probe`; returns the probe's JSON value. */
async function runInQuickJs(code: string, probe: string): Promise<unknown> {
  const QuickJS = await getQuickJS();
  const vm = QuickJS.newContext();
  try {
    vm.unwrapResult(vm.evalCode(code, 'firmware.js')).dispose();
    const result = vm.unwrapResult(vm.evalCode(`JSON.stringify(${probe})`, 'probe.js'));
    const json = vm.getString(result);
    result.dispose();
    return JSON.parse(json) as unknown;
  } finally {
    vm.dispose();
  }
}

test('the image payload, evaluated in QuickJS, exposes the entry exports on globalThis.quipFirmware', async (t) => {
  const build = await buildFirmware({ board: loadBoardConfig('small2'), entry: HELLO });
  const { manifest, payload } = readImage(build.image, 'small2');
  t.is(FIRMWARE_GLOBAL, 'quipFirmware');
  t.is(manifest.entry, 'quipFirmware');
  t.is(manifest.board, 'small2');
  t.is(manifest.version, packageVersion());
  t.is(build.bundleBytes, payload.byteLength);
  t.is(build.imageBytes, build.image.byteLength);
  t.deepEqual(build.manifest, manifest);
  const code = new TextDecoder().decode(payload);
  const seen = await runInQuickJs(
    code,
    '{ greeting: globalThis.quipFirmware.greeting, sum: quipFirmware.add(2, 3), codec: quipFirmware.firstCodec(), keys: Object.keys(quipFirmware).sort() }',
  );
  t.deepEqual(seen, { greeting: 'hello from quip', sum: 5, codec: 'PCMU', keys: ['add', 'firstCodec', 'greeting'] });
});

test('the board config pins the firmware version; relative entries resolve against the repo root', async (t) => {
  const board = loadBoardConfig(path.join(fixtures, 'boards', 'lab3.json'));
  const build = await buildFirmware({ board, entry: 'test/fixtures/firmware/hello.ts' });
  t.is(build.manifest.version, '2.3.4-rc.1');
  t.is(build.manifest.board, 'lab3');
});

test('minify is on by default; --no-minify output is larger and still runs', async (t) => {
  const board = loadBoardConfig('desk6');
  const small = await buildFirmware({ board, entry: HELLO });
  const readable = await buildFirmware({ board, entry: HELLO, minify: false });
  t.true(readable.bundleBytes > small.bundleBytes);
  const code = new TextDecoder().decode(readImage(readable.image).payload);
  t.is(await runInQuickJs(code, 'quipFirmware.add(40, 2)'), 42);
});

test('the same inputs and build time give the same image', async (t) => {
  const board = loadBoardConfig('small2');
  const buildTime = '2025-06-01T12:00:00.000Z';
  const a = await buildFirmware({ board, entry: HELLO, buildTime });
  const b = await buildFirmware({ board, entry: HELLO, buildTime });
  t.deepEqual(a.image, b.image);
});

test('firmware that imports node:fs fails the build, naming the import and the file', async (t) => {
  const err = await t.throwsAsync(buildFirmware({ board: loadBoardConfig('small2'), entry: IMPORTS_NODE_FS }), {
    instanceOf: BundleError,
  });
  t.regex(err!.message, /imports-node-fs\.ts:2:\d+: Node builtin 'node:fs' is not allowed/);
});

test('a missing entry fails the build with its name', async (t) => {
  const err = await t.throwsAsync(buildFirmware({ board: loadBoardConfig('small2'), entry: 'test/fixtures/firmware/nope.ts' }), {
    instanceOf: BundleError,
  });
  t.regex(err!.message, /firmware entry .*nope\.ts does not exist/);
});

// No existence guard: a moved or missing firmware/boot.ts must fail here, not skip.
test('the default entry firmware/boot.ts builds for every shipped board', async (t) => {
  t.true(existsSync(DEFAULT_ENTRY), `${DEFAULT_ENTRY} exists`);
  for (const id of listBoards()) {
    const build = await buildFirmware({ board: loadBoardConfig(id) });
    t.is(readImage(build.image, id).manifest.board, id);
  }
});
