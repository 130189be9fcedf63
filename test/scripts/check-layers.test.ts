// scripts/check-layers.ts: the import rules hold on the real tree, and each rule catches the
// import it is there for (small trees written for the purpose).
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LAYERS, checkLayers } from '../../scripts/check-layers.ts';
import { ROOT } from '../helpers/corpus.ts';

const work = mkdtempSync(join(tmpdir(), 'quip-layers-'));
test.after.always(() => rmSync(work, { recursive: true, force: true }));
let trees = 0;

/** A tree of files (path → text); the violations found in it, as "file:line rule-start". */
function violations(files: Record<string, string>): { file: string; line: number; target: string; rule: string }[] {
  const root = join(work, `t${trees++}`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return checkLayers(root).violations;
}

test('the real tree keeps every rule', (t) => {
  const r = checkLayers(ROOT);
  t.deepEqual(r.violations, []);
  t.true(r.files > 150 && r.imports > 500, `checked ${r.files} files, ${r.imports} imports`);
});

test('a lower firmware layer importing a higher one is caught, wherever the import sits', (t) => {
  const v = violations({
    'firmware/util/timers.ts': "export const a = 1;\n",
    'firmware/ua/call.ts': "export const c = 1;\n",
    'firmware/sip/message.ts': "import { c } from '../ua/call.ts';\nexport { c };\n",
    'firmware/sip/transport/t.ts': "export { x } from '../transaction/layer.ts';\n",
    'firmware/sip/transaction/layer.ts': "export const x = 1;\nconst later = () => import('../../app/phone.ts');\n",
    'firmware/app/phone.ts': "import { a } from '../util/timers.ts';\nimport { c } from '../ua/call.ts';\nexport const p = a + c;\n",
  });
  t.deepEqual(v.map((x) => `${x.file}:${x.line} ${x.target}`), [
    'firmware/sip/message.ts:1 firmware/ua/call.ts',
    'firmware/sip/transaction/layer.ts:2 firmware/app/phone.ts',
    'firmware/sip/transport/t.ts:1 firmware/sip/transaction/layer.ts',
  ]);
  t.regex(v[0]!.rule, /firmware\/sip may not import firmware\/ua/);
});

test('media-side layers never import the user agent or the app', (t) => {
  const v = violations({
    'firmware/ua/user-agent.ts': "export const u = 1;\n",
    'firmware/app/phone.ts': "export const p = 1;\n",
    'firmware/rtp/packet.ts': "import type { u } from '../ua/user-agent.ts';\n",
    'firmware/media/stream.ts': "import { p } from '../app/phone.ts';\n",
    'firmware/sdp/parse.ts': "import '../ua/user-agent.ts';\n",
    'firmware/codec/g711.ts': "import { u } from '../ua/user-agent.ts';\n",
  });
  t.deepEqual(v.map((x) => x.file), ['firmware/codec/g711.ts', 'firmware/media/stream.ts', 'firmware/rtp/packet.ts', 'firmware/sdp/parse.ts']);
});

test('the firmware reaches outside only through hal/contract.ts, and uses no packages', (t) => {
  const v = violations({
    'hal/contract.ts': "export type Hal = {};\n",
    'hal/emulator/net.ts': "export const n = 1;\n",
    'image/image.ts': "export const i = 1;\n",
    'firmware/app/phone.ts': "import type { Hal } from '../../hal/contract.ts';\nimport { n } from '../../hal/emulator/net.ts';\nimport { i } from '../../image/image.ts';\nimport fs from 'node:fs';\nimport x from 'left-pad';\n",
  });
  t.deepEqual(v.map((x) => `${x.line} ${x.target}`), ['2 hal/emulator/net.ts', '3 image/image.ts', '4 node:fs', '5 left-pad']);
});

test('hal/ uses the firmware only where a named exception says why; server/ never uses the emulator; image/ stands alone', (t) => {
  const v = violations({
    'firmware/sip/parser.ts': "export const parse = 1;\n",
    'firmware/sip/uri.ts': "export const uri = 1;\n",
    'firmware/config/account.ts': "export const acc = 1;\n",
    'hal/emulator/web/sip-log.ts': "import { parse } from '../../../firmware/sip/parser.ts';\n",
    'hal/emulator/web/other.ts': "import { parse } from '../../../firmware/sip/parser.ts';\n",
    'hal/emulator/web/sip-log2.ts': "import { uri } from '../../../firmware/sip/uri.ts';\n",
    'hal/board-schema.ts': "import { acc } from '../firmware/config/account.ts';\n",
    'hal/node/net.ts': "export const net = 1;\n",
    'hal/emulator/net-tap.ts': "export const tap = 1;\n",
    'server/lab.ts': "import { net } from '../hal/node/net.ts';\nimport { tap } from '../hal/emulator/net-tap.ts';\nimport { parse } from '../firmware/sip/parser.ts';\n",
    'image/image.ts': "import { createHash } from 'node:crypto';\nimport { net } from '../hal/node/net.ts';\n",
  });
  t.deepEqual(v.map((x) => `${x.file}:${x.line}`), ['hal/emulator/web/other.ts:1', 'hal/emulator/web/sip-log2.ts:1', 'image/image.ts:2', 'server/lab.ts:2']);
});

test('a firmware folder in no layer is an error, so a new layer is placed on purpose', (t) => {
  t.false('gadgets' in LAYERS);
  const v = violations({
    'firmware/util/a.ts': "export const a = 1;\n",
    'firmware/gadgets/g.ts': "import { a } from '../util/a.ts';\n",
  });
  t.is(v.length, 1);
  t.regex(v[0]!.rule, /firmware\/gadgets is in no firmware layer/);
});

test('the command prints each violation and exits 1; a clean tree exits 0; --help describes the rules', (t) => {
  const bad = join(work, 'cli');
  mkdirSync(join(bad, 'firmware', 'util'), { recursive: true });
  mkdirSync(join(bad, 'firmware', 'app'), { recursive: true });
  writeFileSync(join(bad, 'firmware', 'app', 'p.ts'), 'export const p = 1;\n');
  writeFileSync(join(bad, 'firmware', 'util', 'u.ts'), "import { p } from '../app/p.ts';\n");
  const script = join(ROOT, 'scripts', 'check-layers.ts');
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, encoding: 'utf8' });
  const r = run('--root', bad);
  t.is(r.status, 1);
  t.regex(r.stderr, /^firmware\/util\/u\.ts:1: imports firmware\/app\/p\.ts: firmware\/util may not import firmware\/app/m);
  t.regex(r.stdout, /2 files, 1 imports, 1 violation$/m);
  const ok = run('--root', ROOT);
  t.is(ok.status, 0, ok.stderr);
  const help = run('--help');
  t.is(help.status, 0);
  t.regex(help.stdout, /HAL_USES_FIRMWARE/);
  t.is(run('--bogus').status, 2);
});
