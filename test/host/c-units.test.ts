// The C unit tests of quip-host's portable modules (host/test/*.c: crypto, DNS wire format,
// WAV audio and the frame clock, images and the flash boot loader, storage, the OS layer), built
// by `quip build-host --unit` for each target and run where the target runs: natively under
// ASan/UBSan, the armhf build under qemu-arm, the win32 build under wine.
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostOutDir } from '../../build/host-build.ts';
import type { HostTarget } from '../../build/host-build.ts';
import { ROOT } from '../helpers/corpus.ts';
import { ASAN_ENV, WINE_ENV } from '../helpers/hosts.ts';

const HOST_DIR = join(ROOT, 'host');
const work = mkdtempSync(join(tmpdir(), 'quip-cunits-'));
test.after.always(() => rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: HOST_DIR, env: { ...process.env, TMPDIR: work, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, out }));
  });
}

/** Fixtures made by the repo's own TypeScript: Ed25519 vectors (node:crypto) and flash scenarios. */
const fixtures = (async () => {
  const vectors = join(work, 'ed25519.txt');
  const flash = join(work, 'flash');
  const a = await run(process.execPath, [join(HOST_DIR, 'test', 'gen_ed25519_vectors.mjs'), vectors, '20']);
  const b = await run(process.execPath, ['--import=tsx', join(HOST_DIR, 'test', 'gen_flash_fixtures.mjs'), flash], {});
  if (a.code !== 0 || b.code !== 0) throw new Error(`fixture generation failed: ${a.out}\n${b.out}`);
  return { vectors, flash };
})();

const TARGETS: { target: HostTarget; runner: string[]; env: NodeJS.ProcessEnv }[] = [
  { target: 'linux-x64-asan', runner: [], env: { ...ASAN_ENV, QUIP_NODE_REPO: ROOT } },
  { target: 'linux-armhf', runner: ['qemu-arm', '-L', '/usr/arm-linux-gnueabihf'], env: {} },
  { target: 'win32', runner: ['wine'], env: WINE_ENV },
];

const UNITS: { name: string; args: (f: { vectors: string; flash: string }) => string[] }[] = [
  { name: 'test_crypto', args: (f) => [f.vectors] },
  { name: 'test_dns', args: () => [] },
  { name: 'test_audio', args: () => [] },
  { name: 'test_flash', args: (f) => [f.flash] },
  { name: 'test_host_units', args: () => [] },
];

for (const { target, runner, env } of TARGETS) {
  for (const unit of UNITS) {
    test.serial(`[${target}] ${unit.name}`, async (t) => {
      const exe = join(hostOutDir(target), unit.name + (target === 'win32' ? '.exe' : ''));
      t.true(existsSync(exe), `${exe} is built by quip build-host --unit (npm test's pretest)`);
      const f = await fixtures;
      const [cmd, ...lead] = runner.length > 0 ? runner : [exe];
      const r = await run(cmd!, [...(runner.length > 0 ? [...lead, exe] : []), ...unit.args(f)], env);
      const passed = r.out.split('\n').filter((l) => /^ok \d+/.test(l)).length;
      const failed = r.out.split('\n').filter((l) => /^not ok \d+/.test(l));
      t.deepEqual(failed, [], r.out.slice(-4000));
      t.true(passed > 0, `no test ran (exit code ${r.code}, signal ${r.signal}): ${r.out.slice(-2000)}`);
      t.is(r.code, 0, r.out.slice(-4000));
      t.notRegex(r.out, /AddressSanitizer|runtime error:/);
    });
  }
}
