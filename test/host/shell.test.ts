// The host shell (host/shell): bundled and run inside QuickJS, it must give what the Node side
// gives on the same input — board configs and their errors, emulate.ts's overrides, control
// lines, LCD events, firmware events — and its pure helpers must agree with the Node built-ins
// they stand in for (isIP, URL, V8's JSON.parse messages).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import fc from 'fast-check';
import { getQuickJS } from 'quickjs-emscripten';
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten';
import {
  BoardConfigError,
  DEFAULT_BOARDS_DIR,
  listBoards,
  loadBoardConfig,
  packageVersion,
  parseAccountUri,
  toBoardInfo,
} from '../../hal/board-config.ts';
import type { BoardInfo, Key } from '../../hal/contract.ts';
import { applyControlLine } from '../../hal/emulator/control-stdio.ts';
import { Lcd } from '../../hal/emulator/display.ts';
import { flashLayout } from '../../hal/flash/layout.ts';
import { ipVersion } from '../../hal/ip-literal.ts';
import { parseUrlProtocol } from '../../hal/url-syntax.ts';
import { bundleShell } from '../../host/shell/bundle-shell.ts';
import { v8JsonParseError } from '../../host/shell/v8-json-error.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, '..', '..');
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'boards');

type Arg = string | number | boolean | undefined;

/** The bundle in a QuickJS context of its own, called the way the C host calls it. */
class Shell {
  private constructor(private readonly vm: QuickJSContext) {}

  static async open(code: string): Promise<Shell> {
    const QuickJS = await getQuickJS();
    const vm = QuickJS.newContext();
    vm.unwrapResult(vm.evalCode(code, 'shell.js')).dispose();
    return new Shell(vm);
  }

  call(fn: string, ...args: Arg[]): string {
    const vm = this.vm;
    const api = vm.getProp(vm.global, 'quipShell');
    const f = vm.getProp(api, fn);
    const handles: QuickJSHandle[] = args.map((a) =>
      typeof a === 'string' ? vm.newString(a) : typeof a === 'number' ? vm.newNumber(a) : a === true ? vm.true : a === false ? vm.false : vm.undefined,
    );
    try {
      const result = vm.unwrapResult(vm.callFunction(f, api, ...handles));
      const text = vm.typeof(result) === 'undefined' ? '' : vm.getString(result);
      result.dispose();
      return text;
    } finally {
      handles.forEach((h) => h.dispose());
      f.dispose();
      api.dispose();
    }
  }

  json(fn: string, ...args: Arg[]): unknown {
    return JSON.parse(this.call(fn, ...args));
  }
}

let code = '';
let shell: Shell;

test.before(async () => {
  code = await bundleShell();
  shell = await Shell.open(code);
});

/** What `source` loadBoardConfig names a file by (relative to the current directory when below it). */
function sourceOf(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
}

type Outcome = { ok: true; board: BoardInfo; stackBytes: number; watchdogMs: number; flash: unknown; publicKey: string | null } | { ok: false; exit: 1 | 2; error: string };

interface Overrides {
  account?: string;
  sipPort?: string;
  sipTransport?: string;
  acceptDirectCalls?: boolean;
  provisioningUrl?: string;
}

/** The Node side: loadBoardConfig, toBoardInfo, then scripts/emulate.ts's overrides, step by step. */
function nodeLoad(file: string, o: Overrides = {}): Outcome {
  try {
    const config = loadBoardConfig(file);
    let board = toBoardInfo(config);
    if (o.account !== undefined) board = { ...board, accounts: [parseAccountUri(o.account)] };
    if (o.provisioningUrl !== undefined) board = { ...board, provisioningUrl: o.provisioningUrl };
    if (o.sipPort !== undefined) {
      const port = Number(o.sipPort);
      if (!Number.isInteger(port) || port < 0 || port > 65535) return { ok: false, exit: 2, error: '--sip-port must be 0..65535' };
      board = { ...board, sip: { ...board.sip, port } };
    }
    if (o.acceptDirectCalls) board = { ...board, sip: { ...board.sip, acceptDirectCalls: true } };
    if (o.sipTransport !== undefined) {
      if (o.sipTransport !== 'udp' && o.sipTransport !== 'tcp') return { ok: false, exit: 2, error: '--sip-transport must be udp or tcp' };
      board = { ...board, sip: { ...board.sip, transport: o.sipTransport } };
    }
    return {
      ok: true,
      board,
      stackBytes: config.memory.stackKB * 1024,
      watchdogMs: config.watchdogMs,
      flash: config.flash ? flashLayout(config.flash) : null,
      publicKey: config.update?.publicKey ?? null,
    };
  } catch (e) {
    if (e instanceof BoardConfigError) return { ok: false, exit: 1, error: e.message };
    throw e;
  }
}

function shellLoad(file: string, o: Record<string, unknown> = {}): Outcome {
  const r = shell.json('loadBoard', readFileSync(file, 'utf8'), sourceOf(file), JSON.stringify(o)) as Outcome & { config?: unknown };
  delete r.config;
  return r;
}

// ---- the bundle ---------------------------------------------------------------------------

test('the bundle is small, ASCII, and defines quipShell with the whole API', (t) => {
  t.true(code.length < 64 * 1024, `${code.length} bytes`);
  t.false(/[^\x00-\x7f]/.test(code));
  for (const fn of ['loadBoard', 'portOption', 'noSuchBoard', 'listBoards', 'lcdOpen', 'lcdReset', 'lcd', 'lcdState', 'controlLine', 'firmwareEvent', 'errorEvent', 'version']) {
    t.true(code.includes(fn), fn);
  }
  t.is(shell.call('version'), packageVersion());
});

// ---- board configs ------------------------------------------------------------------------

for (const id of listBoards()) {
  test(`shipped board ${id}: the same BoardInfo, stack, watchdog, flash layout and key as Node`, (t) => {
    const file = path.join(DEFAULT_BOARDS_DIR, `${id}.json`);
    const node = nodeLoad(file);
    t.true(node.ok);
    t.deepEqual(shellLoad(file), node);
  });
}

for (const name of readdirSync(FIXTURES).filter((f) => f.endsWith('.json'))) {
  test(`fixture ${name}: the same outcome as loadBoardConfig`, (t) => {
    const file = path.join(FIXTURES, name);
    t.deepEqual(shellLoad(file), nodeLoad(file));
  });
}

test('the not-JSON fixture fails with V8\'s words and a line:column, as in Node', (t) => {
  const r = shellLoad(path.join(FIXTURES, 'not-json.json'));
  t.deepEqual(r, { ok: false, exit: 1, error: 'test/fixtures/boards/not-json.json: invalid JSON at line 4 column 1: Expected double-quoted property name in JSON at position 50' });
});

/** Broken variants of desk6 and lab3, each a file named for its id, so Node reads them as they are. */
const variants: Array<[string, (c: Record<string, any>) => unknown]> = [
  ['display.rows "two"', (c) => (c.display.rows = 'two')],
  ['display.rows 0', (c) => (c.display.rows = 0)],
  ['a typo', (c) => ((c.dispaly = c.display), delete c.display)],
  ['keys without the dial pad', (c) => (c.keys = c.keys.filter((k: string) => k !== '5'))],
  ['keymap to a missing key', (c) => (c.keymap.q = 'nope')],
  ['an account with a password in the URI', (c) => (c.accounts = [{ uri: 'sip:a:b@example.com', password: 'x' }])],
  ['an IPv6 registrar', (c) => (c.accounts = [{ uri: 'sip:a@example.com', password: 'x', registrar: '[2001:db8::1]:5070' }])],
  ['a bad IPv6 registrar', (c) => (c.accounts = [{ uri: 'sip:a@example.com', password: 'x', registrar: '[2001:db8::g]:5070' }])],
  ['an IPv4 domain', (c) => (c.accounts = [{ uri: 'sip:a@192.0.2.1:5060', password: 'x' }])],
  ['a bad IPv4 domain', (c) => (c.accounts = [{ uri: 'sip:a@192.0.2.256', password: 'x' }])],
  ['a zoned IPv6 outbound proxy', (c) => (c.accounts = [{ uri: 'sip:a@example.com', password: 'x', outboundProxy: '[fe80::1%eth0]' }])],
  ['a duplicate account', (c) => (c.accounts = [{ uri: 'sip:a@example.com', password: 'x' }, { uri: 'sip:a@example.com', password: 'y' }])],
  ['an http provisioning URL', (c) => (c.provisioningUrl = 'http://prov.example:8080/{board}.json')],
  ['a tftp provisioning URL', (c) => (c.provisioningUrl = 'tftp://192.0.2.5/quip.json')],
  ['an ftp provisioning URL', (c) => (c.provisioningUrl = 'ftp://prov.example/x')],
  ['a provisioning URL without host', (c) => (c.provisioningUrl = 'http://')],
  ['a provisioning URL with a space in the host', (c) => (c.provisioningUrl = 'http://prov example/')],
  ['a provisioning URL with a bad port', (c) => (c.provisioningUrl = 'https://prov.example:70000/')],
  ['a provisioning URL that is a path', (c) => (c.provisioningUrl = '/quip.json')],
  ['a public key that is not base64', (c) => (c.update = { publicKey: 'not base64!' })],
  ['a short public key', (c) => (c.update = { publicKey: 'AAAA' })],
  ['a non-canonical public key', (c) => (c.update = { publicKey: 'xJRiipqTuU8JRHmMq+/u/Oy0Ky0h4p0FDSmIp0Cjgrt=' })],
  ['a flash that does not fit', (c) => (c.flash = { sizeKB: 1024, slotKB: 768, storageKB: 256 })],
  ['a bad erase block', (c) => (c.flash = { sizeKB: 2048, slotKB: 768, storageKB: 256, eraseKB: 3 })],
  ['a firmware version', (c) => (c.firmware = { version: '9.8.7' })],
  ['a bad firmware version', (c) => (c.firmware = { version: 'v1' })],
  ['a long string value', (c) => (c.name = 'x'.repeat(100))],
  ['rtp ports', (c) => (c.rtpPorts = { min: 20001, max: 20100 })],
];

test('broken and edited configs: the same messages (or BoardInfo) as loadBoardConfig', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'quip-shell-'));
  try {
    for (const base of ['desk6', 'lab3']) {
      const text = readFileSync(base === 'lab3' ? path.join(FIXTURES, 'lab3.json') : path.join(DEFAULT_BOARDS_DIR, 'desk6.json'), 'utf8');
      for (const [what, edit] of variants) {
        const config = JSON.parse(text) as Record<string, any>;
        edit(config);
        const file = path.join(dir, `${base}.json`);
        writeFileSync(file, JSON.stringify(config, null, 2));
        t.deepEqual(shellLoad(file), nodeLoad(file), `${base}: ${what}`);
      }
      // JSON syntax errors, byte for byte as Node words them.
      for (const [what, broken] of [
        ['truncated', text.slice(0, 300)],
        ['a trailing comma', text.replace(/\n}\s*$/, ',\n}\n')],
        ['a BOM', '\ufeff' + text],
        ['a single quote', text.replace('"name"', "'name'")],
        ['empty', ''],
        ['a control character in a string', text.replace('"name": "', '"name": "\u0007')],
      ] as const) {
        const file = path.join(dir, `${base}.json`);
        writeFileSync(file, broken);
        t.deepEqual(shellLoad(file), nodeLoad(file), `${base}: ${what}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('emulate.ts overrides: --account, --sip-port, --sip-transport, --accept-direct-calls, --provisioning-url', (t) => {
  const desk6 = path.join(DEFAULT_BOARDS_DIR, 'desk6.json');
  const cases: Overrides[] = [
    { account: 'sip:alice:secret@example.com:5070' },
    { account: 'sip:alice:p:w@d@192.0.2.1' },
    { account: 'not-a-uri' },
    { account: 'sip:alice@example.com' },
    { account: 'sip:alice:pw@' },
    { account: 'sip:alice:pw@exa mple.com' },
    { account: 'sip:alice:pw@[2001:db8::1]:5060' },
    { sipPort: '70000' },
    { sipPort: '5070' },
    { sipPort: '0' },
    { sipPort: '' },
    { sipPort: 'abc' },
    { sipPort: '0x10' },
    { sipPort: '-1' },
    { sipTransport: 'tcp' },
    { sipTransport: 'sctp' },
    { acceptDirectCalls: true },
    { provisioningUrl: 'http://prov.example/{board}.json' },
    { account: 'not-a-uri', sipPort: '70000' },
    { sipPort: '70000', sipTransport: 'sctp' },
    { account: 'sip:a:b@example.com', sipPort: '5062', sipTransport: 'tcp', acceptDirectCalls: true, provisioningUrl: 'tftp://x/y' },
  ];
  for (const o of cases) t.deepEqual(shellLoad(desk6, { ...o }), nodeLoad(desk6, o), JSON.stringify(o));
  t.deepEqual(shellLoad(desk6, { sipPort: '70000' }), { ok: false, exit: 2, error: '--sip-port must be 0..65535' });
  const bad = shellLoad(desk6, { account: 'not-a-uri' });
  t.deepEqual(bad, { ok: false, exit: 1, error: '--account: expected sip:user:password@host[:port]: it must start with "sip:"' });
});

test('the "version" option and the baked-in package version', (t) => {
  const desk6 = path.join(DEFAULT_BOARDS_DIR, 'desk6.json');
  const lab3 = path.join(FIXTURES, 'lab3.json');
  const v = (file: string, o = {}): string => (shellLoad(file, o) as { board: BoardInfo }).board.firmwareVersion;
  t.is(v(desk6), packageVersion());
  t.is(v(lab3), '2.3.4-rc.1');
  t.is(v(lab3, { version: '5.0.0' }), '5.0.0');
  t.like(shell.json('loadBoard', '{}', 'x.json', '{"sipPort":5}'), { ok: false, exit: 2 });
  t.like(shell.json('loadBoard', '{}', 'x.json', '{"nope":true}'), { ok: false, exit: 2 });
});

test('the same stderr and exit status as the real `quip emulate` for bad options and configs', (t) => {
  const desk6 = path.join(DEFAULT_BOARDS_DIR, 'desk6.json');
  const cases: Array<[string[], string, Record<string, unknown>]> = [
    [['--sip-port', '70000'], desk6, { sipPort: '70000' }],
    [['--account', 'not-a-uri'], desk6, { account: 'not-a-uri' }],
    [['--sip-transport', 'sctp'], desk6, { sipTransport: 'sctp' }],
    [[], path.join(FIXTURES, 'not-json.json'), {}],
    [[], path.join(FIXTURES, 'wrong-id.json'), {}],
  ];
  for (const [flags, file, options] of cases) {
    const run = spawnSync(process.execPath, ['scripts/quip.mjs', 'emulate', '--board', sourceOf(file), '--control', 'stdio', ...flags], { cwd: process.cwd(), encoding: 'utf8', input: '', timeout: 30000 });
    const r = shellLoad(file, options);
    if (r.ok) return t.fail(`${flags.join(' ')} loaded`);
    const stderr = r.exit === 2 ? `quip emulate: ${r.error}\nRun 'quip emulate --help' for usage.\n` : `error: ${r.error}\n`;
    t.is(run.status, r.exit, flags.join(' '));
    t.is(run.stderr, stderr, flags.join(' '));
  }
});

test('portOption, noSuchBoard and listBoards word things as emulate.ts and loadBoardConfig do', (t) => {
  t.deepEqual(shell.json('portOption', 'update-port', '8080'), { ok: true, port: 8080 });
  t.deepEqual(shell.json('portOption', 'tftp-port', '65536'), { ok: false, exit: 2, error: '--tftp-port must be 0..65535' });
  const missing = path.join(DEFAULT_BOARDS_DIR, 'nope.json');
  const noSuch = (...args: string[]): string => (shell.json('noSuchBoard', ...args) as { error: string }).error;
  t.throws(() => loadBoardConfig('nope'), { message: noSuch('nope', sourceOf(missing), JSON.stringify(listBoards())) });
  t.throws(() => loadBoardConfig('nope', '/no/such/dir'), { message: noSuch('nope', '/no/such/dir/nope.json', 'null') });
  t.deepEqual(shell.json('listBoards', JSON.stringify(readdirSync(DEFAULT_BOARDS_DIR))), listBoards());
});

// ---- control lines ------------------------------------------------------------------------

/** applyControlLine as emulate.ts wires it, recording what the line asked for. */
function nodeControl(line: string, keys: readonly Key[]): unknown {
  let action: object = {};
  const err = applyControlLine(
    line,
    {
      key: (key, down) => (action = down === undefined ? { key } : { key, down }),
      dial: (dial) => (action = { dial }),
      firmware: (command) => (action = { firmware: command }),
      reboot: () => (action = { cmd: 'reboot' }),
      quit: () => (action = { cmd: 'quit' }),
    },
    keys,
  );
  return err === null ? action : { error: err, line: JSON.stringify({ event: 'error', where: 'control', message: err }) };
}

const CONTROL_LINES = [
  '', '   ', '\t', 'not json', '{"key":', '{"key":"5",}', "{'key':'5'}", '[1,2]', 'null', '"key"', '42', '{}', '{"a":1}',
  '{"key":"x"}', '{"key":5}', '{"key":null}', '{"key":"soft1"}', '{"key":"5"}', '  {"key":"#"}  ', '{"key":"hook","down":true}',
  '{"key":"hook","down":false}', '{"key":"5","down":"yes"}', '{"dial":"sip:bob@127.0.0.1:5070"}', '{"dial":""}', '{"dial":42}',
  `{"dial":"${'1'.repeat(257)}"}`, '{"cmd":"reboot"}', '{"cmd":"quit"}', '{"cmd":"history"}', '{"cmd":"dance"}', '{"cmd":7}',
  '{"key":"5","dial":"1"}', '{"dial":"1","cmd":"quit"}', `{"dial":"${'x'.repeat(5000)}"}`, 'x'.repeat(200), '{"key":"\u00e9"}',
  '{"key":"\\u0035"}', '{"key":"5"} trailing', '\ufeff{"key":"5"}', '{"key":"5"}\u00a0', '{"__proto__":{"key":"5"}}', '{"key":"5","key":"6"}',
];

test('control lines: the same action or error as applyControlLine, on a board with and without softkeys', (t) => {
  for (const id of ['desk6', 'small2']) {
    const keys = loadBoardConfig(id).keys;
    for (const line of CONTROL_LINES) t.deepEqual(shell.json('controlLine', line, JSON.stringify(keys)), nodeControl(line, keys), `${id}: ${JSON.stringify(line.slice(0, 60))}`);
  }
  const keys = JSON.stringify(loadBoardConfig('small2').keys);
  t.deepEqual(shell.json('controlLine', '{"key":"soft1"}', keys), {
    error: "this board has no 'soft1' key",
    line: '{"event":"error","where":"control","message":"this board has no \'soft1\' key"}',
  });
  t.deepEqual(shell.json('controlLine', '', keys), {});
});

test('control lines, fuzzed: QuickJS with the V8 checker accepts and rejects JSON as Node does', (t) => {
  const keys = loadBoardConfig('desk6').keys;
  const piece = fc.constantFrom('{', '}', '[', ']', ':', ',', '"', '"key"', '"dial"', '"cmd"', '"5"', '"hook"', '"down"', 'true', 'false', 'null', '1', '-', '.', 'e', ' ', '\\', '\\u0035', 'x', '\u00e9', '\u2028', '"quit"');
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 16 }).map((a) => a.join('')), (line) => {
      t.deepEqual(shell.json('controlLine', line, JSON.stringify(keys)), nodeControl(line, keys), JSON.stringify(line));
    }),
    { numRuns: 1500 },
  );
});

// ---- the LCD ------------------------------------------------------------------------------

test('LCD ops: the same display lines as the emulator\'s Lcd, reset included', (t) => {
  const ops: Array<[string, ...Arg[]]> = [
    ['flush'], ['write', 0, 0, 'Hello'], ['write', 1, 3, 'World', true], ['flush'], ['flush'], ['icon', 'registered', true],
    ['icon', 'registered', true], ['led', 'message', 'blink'], ['led', 'message', 'on'], ['led', 'line1', 'on'], ['led', 'message', 'off'],
    ['ring', true], ['ring', false], ['write', 1, 0, 'tab\there\u007f'], ['write', 5, 0, 'x'], ['write', -1, 0, 'x'], ['write', 0.5, 0, 'x'],
    ['write', 0, 30, 'overflowing text'], ['write', 0, 40, 'off screen'], ['write', 0, 0, 42 as unknown as string], ['write', 0, 0, 'x', undefined],
    ['write', 1, 0, 'x', false], ['flush'], ['clear'], ['flush'], ['icon', 'mute', true], ['icon', 'dnd', true], ['icon', 'mute', false],
    ['write', 0, 0, '\u00e9\u20ac\ud83d\ude00 unicode'], ['flush'], ['reset'], ['flush'], ['write', 2, 2, 'after reset'], ['flush'],
  ];
  for (const [rows, cols] of [[6, 32], [2, 16]] as const) {
    const lines: string[] = [];
    const node = new Lcd(rows, cols, (st) => lines.push(JSON.stringify({ event: 'display', ...st })));
    shell.call('lcdOpen', rows, cols);
    for (const [op, ...args] of ops) {
      const before = lines.length;
      if (op === 'reset') {
        node.clear();
        t.is(shell.call('lcdReset'), '');
        continue;
      }
      (node as unknown as Record<string, (...a: unknown[]) => void>)[op]!(...args);
      const expected = lines.length > before ? lines[lines.length - 1]! : '';
      t.is(lines.length - before <= 1, true);
      t.is(shell.call('lcd', op, ...args), expected, `${rows}x${cols} ${op} ${JSON.stringify(args)}`);
    }
    t.deepEqual(shell.json('lcdState'), node.state());
  }
});

// ---- firmware events ----------------------------------------------------------------------

test('firmwareEvent: prints what system.emit would, merging boot facts into boot events', (t) => {
  const facts = JSON.stringify({ slot: 'A', slot_state: 'trial', boot_attempt: 1 });
  t.deepEqual(shell.json('firmwareEvent', JSON.stringify({ event: 'boot', version: '1.0.0', board: 'desk6' }), facts), {
    line: '{"event":"boot","version":"1.0.0","board":"desk6","slot":"A","slot_state":"trial","boot_attempt":1}',
    boot: true,
  });
  t.deepEqual(shell.json('firmwareEvent', '{"event":"boot","slot":"B"}', facts), { line: '{"event":"boot","slot":"A","slot_state":"trial","boot_attempt":1}', boot: true });
  t.deepEqual(shell.json('firmwareEvent', '{"event":"boot"}', '{}'), { line: '{"event":"boot"}', boot: true });
  const registered = '{"event":"registered","account":"sip:a@b","expires":600,"x":[1,2.5,-0,1e21,"\\u2028\\ud800"]}';
  t.deepEqual(shell.json('firmwareEvent', registered, facts), { line: JSON.stringify(JSON.parse(registered)), boot: false });
  // As vm-bridge and system.emit: not JSON, or not an object, is no event; arrays and objects are.
  for (const text of ['not json', '42', '"boot"', 'null', 'true', '{"event":"boot",}']) t.is(shell.call('firmwareEvent', text, facts), '', text);
  t.deepEqual(shell.json('firmwareEvent', '[1,2]', facts), { line: '[1,2]', boot: false });
  t.deepEqual(shell.json('firmwareEvent', '{"no":"event"}', facts), { line: '{"no":"event"}', boot: false });
  t.is(shell.call('errorEvent', 'control', 'a "quoted" \u2028 message'), JSON.stringify({ event: 'error', where: 'control', message: 'a "quoted" \u2028 message' }));
});

// ---- the pure stand-ins for Node built-ins ------------------------------------------------

test('ipVersion agrees with node:net isIP', (t) => {
  const samples = ['::', '::1', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '1:2:3:4:5:6::1.2.3.4', '1:2:3:4:5::1.2.3.4', '::ffff:1.2.3.4', 'fe80::1%eth0', 'fe80::1%', ':::', '1::2::3', '1.2.3.4', '01.2.3.4', '256.1.1.1', '1.2.3', ''];
  for (const s of samples) t.is<number, number>(ipVersion(s), isIP(s), s);
  const piece = fc.constantFrom('0', '1', '9', 'a', 'F', 'g', ':', '::', '.', '%', 'z', '-', '1.2.3.4', 'ffff', '255', '256', '00');
  fc.assert(fc.property(fc.array(piece, { maxLength: 20 }).map((a) => a.join('')), (s) => ipVersion(s) === isIP(s)), { numRuns: 20000 });
});

test('parseUrlProtocol agrees with new URL().protocol for http, https and tftp URLs with ASCII hosts', (t) => {
  const node = (s: string): string | null => {
    try {
      return new URL(s).protocol;
    } catch {
      return null;
    }
  };
  const samples = [
    'http://a', 'http:', 'http://', 'http:a', 'HTTP://A.b', ' http://x ', 'http://a:99999', 'http://a:', 'http://:80', 'http://u@/', 'http://[::1]', 'http://[::1',
    'http://1.2.3.256', 'http://foo.1', 'http://0x100000000', 'http://4294967295', 'http://09', 'http://a b', 'http://ex%41mple.com', 'http://%zz', 'http://bücher.de',
    'tftp:', 'tftp://', 'tftp://:69', 'tftp://@/', 'tftp://a b/', 'tftp://[::1]:69/', 'tftp:foo bar', 'https:\\\\x', 'http://[::1.2.3.4]', 'http://ａ.com', 'http://%C3',
  ];
  for (const s of samples) t.is(parseUrlProtocol(s), node(s), s);
  const piece = fc.constantFrom('http:', 'https:', 'tftp:', '//', '/', '\\', 'a', 'B', '0', '9', '255', '256', '0x', 'ff', '.', ':', '::', '[', ']', '@', '?', '#', '%', '%41', '%zz', ' ', '-', '^', '|', 'é', '80', '65536', '1.2.3.4', 'u:p@');
  fc.assert(fc.property(fc.array(piece, { maxLength: 12 }).map((a) => a.join('')), (s) => parseUrlProtocol(s) === node(s)), { numRuns: 20000 });
});

test('v8JsonParseError gives JSON.parse\'s exact message', (t) => {
  const v8 = (s: string): string | null => {
    try {
      JSON.parse(s);
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  };
  const desk6 = readFileSync(path.join(DEFAULT_BOARDS_DIR, 'desk6.json'), 'utf8');
  for (let i = 0; i < desk6.length; i += 7) {
    for (const s of [desk6.slice(0, i), desk6.slice(0, i) + desk6.slice(i + 1), desk6.slice(0, i) + ',' + desk6.slice(i)]) t.is(v8JsonParseError(s), v8(s));
  }
  const piece = fc.constantFrom('{', '}', '[', ']', ':', ',', '"', '\\', '"a"', '1', '0', '-', '.', 'e', 'E', '+', 'true', 'tr', 'null', 'f', ' ', '\n', 'x', '\u0001', '\\u', '00af', 'G', '\u0100', '\ud800', 'NaN');
  fc.assert(fc.property(fc.array(piece, { maxLength: 24 }).map((a) => a.join('')), (s) => v8JsonParseError(s) === v8(s)), { numRuns: 20000 });
});
