// Board configs: the shipped boards, the validator's error messages, toBoardInfo, --account parsing.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { KEYS } from '../../hal/contract.ts';
import {
  BoardConfigError,
  DEFAULT_BOARDS_DIR,
  listBoards,
  loadBoardConfig,
  packageVersion,
  parseAccountUri,
  toBoardInfo,
  validateBoardConfig,
} from '../../hal/board-config.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, '..', 'fixtures', 'boards');
const SOURCE = 'board-configs/desk6.json';

function rawBoard(id: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(DEFAULT_BOARDS_DIR, `${id}.json`), 'utf8')) as Record<string, unknown>;
}

test('the shipped boards include small2 and desk6', (t) => {
  const boards = listBoards();
  t.true(boards.includes('small2'));
  t.true(boards.includes('desk6'));
  t.false(boards.includes('schema'));
});

for (const id of listBoards()) {
  test(`shipped board ${id} validates, its id is its file name and it points at the schema`, (t) => {
    const config = loadBoardConfig(id);
    t.is(config.id, id);
    t.is(rawBoard(id)['$schema'], './schema.json');
    t.deepEqual(loadBoardConfig(path.join(DEFAULT_BOARDS_DIR, `${id}.json`)), config, 'loads by path too');
  });

  test(`shipped board ${id}: every key it has can be pressed from the emulator keyboard`, (t) => {
    const config = loadBoardConfig(id);
    const reachable = new Set<string>(Object.values(config.keymap));
    t.deepEqual(config.keys.filter((k) => !reachable.has(k)), []);
    for (const digit of '0123456789*#') t.is<string | undefined, string>(config.keymap[digit], digit, `${digit} maps to itself`);
  });
}

test('small2 is the small phone: 2x16, no softkeys or navigation, 4 MB, 1 account', (t) => {
  const c = loadBoardConfig('small2');
  t.deepEqual([c.display.rows, c.display.cols, c.display.softkeys], [2, 16, 0]);
  t.is(c.memory.heapLimitMB, 4);
  t.is(c.maxAccounts, 1);
  t.deepEqual(
    [...c.keys].sort(),
    ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'send', 'end', 'hook', 'vol_up', 'vol_down', 'hold', 'mute', 'redial'].sort(),
  );
});

test('desk6 is the desk phone: 6x32, 4 softkeys, every icon and key, 16 MB, 2 accounts, MWI and line LEDs', (t) => {
  const c = loadBoardConfig('desk6');
  t.deepEqual([c.display.rows, c.display.cols, c.display.softkeys], [6, 32, 4]);
  t.deepEqual([...c.display.icons].sort(), ['dnd', 'headset', 'hold', 'message', 'mute', 'registered', 'speaker']);
  t.deepEqual([...c.keys].sort(), [...KEYS].sort());
  t.is(c.memory.heapLimitMB, 16);
  t.is(c.maxAccounts, 2);
  t.deepEqual(c.leds, ['message', 'line1', 'line2']);
  t.is(c.keymap['F1'], 'soft1');
  t.is(c.keymap[' '], 'hook');
});

test('toBoardInfo hands the firmware the contract facts, heap in bytes', (t) => {
  const info = toBoardInfo(loadBoardConfig('small2'));
  t.is(info.heapLimitBytes, 4 * 1024 * 1024);
  t.is(info.firmwareVersion, packageVersion());
  t.deepEqual(info.display, { rows: 2, cols: 16, softkeys: 0, icons: [] });
  t.deepEqual(info.sip, { port: 5060, transport: 'udp' });
  t.deepEqual(info.accounts, []);
  t.is(info.maxAccounts, 1);
});

test('a config with every optional field loads by path; its firmware version wins over package.json', (t) => {
  const c = loadBoardConfig(path.join(fixtures, 'lab3.json'));
  t.is(c.firmware?.version, '2.3.4-rc.1');
  t.is(toBoardInfo(c).firmwareVersion, '2.3.4-rc.1');
  t.deepEqual(c.sip, { port: 0, transport: 'tcp', acceptDirectCalls: true, serverCheckS: 15 });
  t.deepEqual(toBoardInfo(c).sip, c.sip);
  t.is(c.accounts.length, 2);
  t.deepEqual(c.accounts[0], {
    uri: 'sip:alice@lab.example',
    password: 'wonderland',
    registrar: '192.0.2.10:5070',
    outboundProxy: '192.0.2.11:5060',
    displayName: 'Alice',
    expires: 600,
  });
  t.is(c.provisioningUrl, 'https://provisioning.lab.example/quip/lab3.json');
  t.is(c.tonePlan, 'eu');
  t.is(toBoardInfo(c).tonePlan, 'eu');
  t.is(toBoardInfo(loadBoardConfig('desk6')).tonePlan, 'na'); // the default
  t.deepEqual(c.rtpPorts, { min: 20000, max: 20100 });
  t.deepEqual(toBoardInfo(loadBoardConfig('desk6')).rtpPorts, { min: 16384, max: 32766 });
  t.deepEqual(c.update, { publicKey: 'xJRiipqTuU8JRHmMq+/u/Oy0Ky0h4p0FDSmIp0Cjgrs=', httpPort: 0, tftpPort: 0 });
  t.is(loadBoardConfig('desk6').update, undefined, 'no update endpoint unless configured');
  t.deepEqual(c.flash, { sizeKB: 4096, slotKB: 1024, storageKB: 512, eraseKB: 64, maxTrialBoots: 2, confirmAfterS: 10 });
  t.is(toBoardInfo(c).confirmAfterS, 10);
  t.is(toBoardInfo(loadBoardConfig('desk6')).confirmAfterS, 30);
  t.false('$schema' in c);
});

test('sip.port and sip.transport default to 5060 and udp', (t) => {
  const c = validateBoardConfig({ ...rawBoard('small2'), sip: {} }, SOURCE);
  t.deepEqual(c.sip, { port: 5060, transport: 'udp' });
  // The registrar check interval is the firmware's default (30 s) unless set; 0 turns it off.
  t.deepEqual(validateBoardConfig({ ...rawBoard('small2'), sip: { serverCheckS: 0 } }, SOURCE).sip, { port: 5060, transport: 'udp', serverCheckS: 0 });
});

test('schema.json lists the same fields and keys as the validator', (t) => {
  const schema = JSON.parse(readFileSync(path.join(DEFAULT_BOARDS_DIR, 'schema.json'), 'utf8')) as {
    $schema: string;
    properties: Record<string, unknown>;
    $defs: { key: { enum: string[] } };
  };
  t.is(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  const everyField = JSON.parse(readFileSync(path.join(fixtures, 'lab3.json'), 'utf8')) as Record<string, unknown>;
  t.deepEqual(Object.keys(schema.properties).sort(), Object.keys(everyField).sort());
  t.deepEqual(schema.$defs.key.enum, [...KEYS]);
});

// Each row breaks desk6 one way; the error must name the field and say what was expected.
type Mutation = (c: Record<string, any>) => void;
const BROKEN: [string, Mutation, string, RegExp][] = [
  ['missing field', (c) => delete c.memory, 'memory', /^board-configs\/desk6\.json: memory: missing, expected an object$/],
  ['missing nested field', (c) => delete c.display.rows, 'display.rows', /missing, expected an integer from 1 to 24/],
  ['wrong type', (c) => (c.display.rows = 'six'), 'display.rows', /^board-configs\/desk6\.json: display\.rows: expected an integer from 1 to 24, got "six"$/],
  ['wrong type (array)', (c) => (c.keys = 'all'), 'keys', /expected an array of at least 1 item\(s\), got "all"/],
  ['out of range', (c) => (c.memory.heapLimitMB = 1000), 'memory.heapLimitMB', /expected an integer from 1 to 256, got 1000/],
  ['not an integer', (c) => (c.watchdogMs = 1.5), 'watchdogMs', /expected an integer from 100 to 60000, got 1.5/],
  ['SIP port out of range', (c) => (c.sip.port = 70000), 'sip.port', /expected an integer from 0 to 65535, got 70000/],
  ['server check out of range', (c) => (c.sip.serverCheckS = -1), 'sip.serverCheckS', /expected an integer from 0 to 3600, got -1/],
  ['bad transport', (c) => (c.sip.transport = 'tls'), 'sip.transport', /expected one of "udp", "tcp", got "tls"/],
  ['unknown top-level field', (c) => (c.dispaly = c.display), 'dispaly', /unknown field \(did you mean "display"\?\)/],
  ['unknown nested field', (c) => (c.memory.heapMB = 4), 'memory.heapMB', /unknown field/],
  ['keymap to a key the board lacks', (c) => { c.keys = c.keys.filter((k: string) => k !== 'transfer'); }, 'keymap.t', /expected a key this board has \(one of .*\), got "transfer"/],
  ['keymap to no key at all', (c) => (c.keymap[' '] = 'space'), 'keymap[" "]', /got "space"/],
  ['unknown key', (c) => c.keys.push('power'), 'keys[33]', /expected one of "0", .*, got "power"/],
  ['duplicate key', (c) => c.keys.push('ok'), 'keys[33]', /"ok" is listed twice/],
  ['softkeys without soft keys', (c) => (c.display.softkeys = 3), 'keys', /display\.softkeys is 3, so expected no "soft4"/],
  ['no dial pad', (c) => { c.keys = c.keys.filter((k: string) => k !== '#'); delete c.keymap['#']; }, 'keys', /missing "#"/],
  ['unknown icon', (c) => c.display.icons.push('wifi'), 'display.icons[7]', /got "wifi"/],
  ['unknown codec', (c) => (c.codecs = ['G722']), 'codecs[0]', /expected one of "PCMU", "PCMA", "telephone-event", got "G722"/],
  ['only DTMF', (c) => (c.codecs = ['telephone-event']), 'codecs', /at least one audio codec/],
  ['id not an id', (c) => (c.id = 'Desk 6'), 'id', /expected lower-case letters/],
  ['bad account URI', (c) => (c.accounts = [{ uri: 'alice@lab.example', password: 'x' }]), 'accounts[0].uri', /expected sip:user@domain\[:port\], got "alice@lab\.example", which does not start with "sip:"/],
  ['account URI with a bad host', (c) => (c.accounts = [{ uri: 'sip:alice@lab..example', password: 'x' }]), 'accounts[0].uri', /domain or port is invalid/],
  ['account without password', (c) => (c.accounts = [{ uri: 'sip:alice@lab.example' }]), 'accounts[0].password', /missing, expected a string/],
  ['bad registrar', (c) => (c.accounts = [{ uri: 'sip:a@b.example', password: 'x', registrar: 'b.example:0' }]), 'accounts[0].registrar', /host\[:port\]/],
  ['too many accounts', (c) => (c.accounts = ['a', 'b', 'c'].map((u) => ({ uri: `sip:${u}@lab.example`, password: '' }))), 'accounts', /expected at most 2 \(maxAccounts\), got 3 accounts/],
  ['duplicate account', (c) => (c.accounts = [1, 2].map(() => ({ uri: 'sip:a@lab.example', password: '' }))), 'accounts[1].uri', /already accounts\[0\]/],
  ['bad provisioning URL', (c) => (c.provisioningUrl = 'ftp://x.example/'), 'provisioningUrl', /expected an http, https or tftp URL/],
  ['bad firmware version', (c) => (c.firmware = { version: 'latest' }), 'firmware.version', /expected a semantic version/],
  ['not an object', (c) => (c.dialPlan = []), 'dialPlan', /expected an object, got an array/],
  ['update key not base64', (c) => (c.update = { publicKey: 'not a key!' }), 'update.publicKey', /expected base64 .*quip keygen prints the line to paste/],
  ['update key of 31 bytes', (c) => (c.update = { publicKey: Buffer.alloc(31).toString('base64') }), 'update.publicKey', /expected a raw Ed25519 public key of 32 bytes, got 31 bytes/],
  ['update key as PEM', (c) => (c.update = { publicKey: '-----BEGIN PUBLIC KEY-----' }), 'update.publicKey', /expected base64/],
  ['update key not a string', (c) => (c.update = { publicKey: 42 }), 'update.publicKey', /expected a non-empty string/],
  ['update port out of range', (c) => (c.update = { httpPort: 65536 }), 'update.httpPort', /expected an integer from 0 to 65535, got 65536/],
  ['unknown update field', (c) => (c.update = { tftpport: 69 }), 'update.tftpport', /unknown field \(did you mean "tftpPort"\?\)/],
  ['flash too small', (c) => (c.flash = { sizeKB: 1024, slotKB: 512, storageKB: 64 }), 'flash.sizeKB', /need 1096 KiB, the flash has 1024/],
  ['flash slot off the erase block', (c) => (c.flash = { sizeKB: 2048, slotKB: 766, storageKB: 64 }), 'flash.slotKB', /multiple of the 4 KiB erase block, got 766/],
  ['flash storage of an odd block count', (c) => (c.flash = { sizeKB: 2048, slotKB: 512, storageKB: 12 }), 'flash.storageKB', /even number of 4 KiB erase blocks/],
  ['flash erase block not a power of two', (c) => (c.flash = { sizeKB: 2048, slotKB: 512, storageKB: 64, eraseKB: 3 }), 'flash.eraseKB', /expected one of 1, 2, 4, 8, 16, 32, 64, got 3/],
  ['flash without K boots', (c) => (c.flash = { sizeKB: 2048, slotKB: 512, storageKB: 64, maxTrialBoots: 0 }), 'flash.maxTrialBoots', /expected an integer from 1 to 255, got 0/],
  ['flash missing a size', (c) => (c.flash = { sizeKB: 2048, storageKB: 64 }), 'flash.slotKB', /missing, expected an integer/],
  ['unknown flash field', (c) => (c.flash = { sizeKB: 2048, slotKB: 512, storageKB: 64, slotsKB: 1 }), 'flash.slotsKB', /unknown field \(did you mean "slotKB"\?\)/],
];

for (const [what, mutate, field, message] of BROKEN) {
  test(`broken config (${what}) is refused naming ${field}`, (t) => {
    const config = structuredClone(rawBoard('desk6'));
    mutate(config);
    const err = t.throws(() => validateBoardConfig(config, SOURCE), { instanceOf: BoardConfigError });
    t.is(err!.field, field);
    t.true(err!.message.startsWith(`${SOURCE}: ${field}: `), err!.message);
    t.regex(err!.message, message);
  });
}

test('a password in an account URI is refused without repeating it', (t) => {
  const config = { ...rawBoard('desk6'), accounts: [{ uri: 'sip:alice:hunter2@lab.example', password: '' }] };
  const err = t.throws(() => validateBoardConfig(config, SOURCE), { instanceOf: BoardConfigError });
  t.regex(err!.message, /accounts\[0\]\.uri: expected sip:user@domain\[:port\] without a password/);
  t.notRegex(err!.message, /hunter2/);
});

test('a non-string password is refused without repeating it', (t) => {
  const config = { ...rawBoard('desk6'), accounts: [{ uri: 'sip:alice@lab.example', password: 123456 }] };
  const err = t.throws(() => validateBoardConfig(config, SOURCE), { instanceOf: BoardConfigError });
  t.regex(err!.message, /got a number$/);
  t.notRegex(err!.message, /123456/);
});

test('invalid JSON gives the syntax error with the file name and position', (t) => {
  const err = t.throws(() => loadBoardConfig(path.join(fixtures, 'not-json.json')), { instanceOf: BoardConfigError });
  t.regex(err!.message, /not-json\.json: invalid JSON at line 4 column 1: /);
});

test('a config whose id is not its file name is refused', (t) => {
  const err = t.throws(() => loadBoardConfig(path.join(fixtures, 'wrong-id.json')), { instanceOf: BoardConfigError });
  t.regex(err!.message, /wrong-id\.json: id: expected "wrong-id" \(the file name\), got "small2"$/);
});

test('an unknown board name lists the boards there are', (t) => {
  const err = t.throws(() => loadBoardConfig('desk7'), { instanceOf: BoardConfigError });
  t.regex(err!.message, /no such board "desk7" \(boards: .*desk6.*small2/);
});

test('a board config that is not an object is refused', (t) => {
  const err = t.throws(() => validateBoardConfig([1, 2], 'x.json'), { instanceOf: BoardConfigError });
  t.is(err!.message, 'x.json: (top level): expected a JSON object (a board config), got an array');
});

test('parseAccountUri splits the --account flag into an account', (t) => {
  t.deepEqual(parseAccountUri('sip:alice:wonderland@lab.example'), {
    uri: 'sip:alice@lab.example',
    password: 'wonderland',
    registrar: 'lab.example',
  });
  t.deepEqual(parseAccountUri('sip:1001:p@ss:w0rd@127.0.0.1:5070'), {
    uri: 'sip:1001@127.0.0.1',
    password: 'p@ss:w0rd',
    registrar: '127.0.0.1:5070',
  });
  t.deepEqual(parseAccountUri('sip:bob:x@[::1]:5062'), { uri: 'sip:bob@[::1]', password: 'x', registrar: '[::1]:5062' });
});

const BAD_ACCOUNTS: [string, RegExp][] = [
  ['alice:secret@lab.example', /must start with "sip:"/],
  ['sip:alice:secret', /no "@host"/],
  ['sip:alice@lab.example', /no ":password" after the user/],
  ['sip::secret@lab.example', /user part is empty/],
  ['sip:alice:@lab.example', /password is empty/],
  ['sip:alice:secret@', /host after "@" is missing/],
  ['sip:alice:secret@lab.example:99999', /"lab\.example:99999" is not a host with an optional port/],
  ['sip:alice:secret@bad_host', /"bad_host" is not a host/],
];

for (const [flag, message] of BAD_ACCOUNTS) {
  test(`parseAccountUri refuses ${flag.replace('secret', '…')}`, (t) => {
    const err = t.throws(() => parseAccountUri(flag), { instanceOf: BoardConfigError });
    t.true(err!.message.startsWith('--account: expected sip:user:password@host[:port]: '), err!.message);
    t.regex(err!.message, message);
    t.notRegex(err!.message, /secret/, 'the password is never echoed');
  });
}
