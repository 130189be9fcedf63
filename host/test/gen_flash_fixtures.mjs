// Fixtures for host/test/test_flash.c, made by the repo's own TypeScript (image/image.ts,
// image/signing.ts, hal/flash/*), so the C is checked against what the emulator does:
//
//   node --import=tsx host/test/gen_flash_fixtures.mjs OUTDIR     (from /work/main)
//   /tmp/test_flash OUTDIR
//
// OUTDIR/images.bin: image_read cases, each
//   u32 board length (0xFFFFFFFF: no board) + board, u8 has key + 32 key bytes,
//   u32 image length + image, u32 result length + result, where result is
//   "OK\tboard\tversion\tentry\tsha256\tpayload\tengine\tpayload_len\tsigned\tkey_id" or "ERR\tmessage"
//   (readImage, then verifyImageSignature when there is a key).
// OUTDIR/scenarios.txt: flash scenarios, one op per line, fields tab-separated (hex for keys and
// values, "@PATH@" for the flash file's path in messages). Each scenario copies its initial file,
// applies M lines, opens the board (FlashBoard) and runs the ops; "after" is the SHA-256 of the
// whole flash file after the op, and F names a file with the exact bytes the TS left:
//   S name initial board pubhex|- sizeKB eraseKB slotKB storageKB K
//   M offset xor            O OK | O ERR message
//   B OK facts notices version entry payload-sha256 after | B ERR message after
//   C event|- after         KS key value 0|1 after      KG key value|-
//   KR key after            KK key,key,...               F file        E
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createImage, readImage } from '../../image/image.ts';
import { generateKeyPair, loadPrivateKey, signImage, verifyImageSignature } from '../../image/signing.ts';
import { FileFlash } from '../../hal/flash/device.ts';
import { FlashBoard } from '../../hal/emulator/flash-board.ts';
import { installImage } from '../../hal/flash/install.ts';
import { flashLayout } from '../../hal/flash/layout.ts';
import { encodeSlotHeader, slotHeaderFor } from '../../hal/flash/slot-header.ts';

const out = process.argv[2];
if (!out) {
  console.error('usage: node --import=tsx host/test/gen_flash_fixtures.mjs OUTDIR');
  process.exit(2);
}
mkdirSync(out, { recursive: true });

// A small deterministic PRNG, so a failing case can be found again.
// QUIP_FLASH_FUZZ_SEED / QUIP_FLASH_FUZZ_CASES widen the random manifest damage for a longer run.
let seed = Number(process.env.QUIP_FLASH_FUZZ_SEED ?? 0x2545f491) >>> 0 || 1;
const rand = (n) => {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed % n;
};

const sha = (b) => createHash('sha256').update(b).digest('hex');
const hex = (b) => Buffer.from(b).toString('hex');
const BOARD = 'testboard';
const TIME = '2024-05-01T12:00:00.000Z';
const enc = new TextEncoder();
const payloadOf = (v) => enc.encode(`var quipFirmware = { version: ${JSON.stringify(v)}, start: function () { return "é😀"; } };\n`);
const image = (version, board = BOARD, payload = payloadOf(version)) =>
  createImage({ board, version, payload, entry: 'quipFirmware', buildTime: TIME });
const keys = generateKeyPair();
const otherKeys = generateKeyPair();
const priv = loadPrivateKey(keys.privateKeyPem);
const otherPriv = loadPrivateKey(otherKeys.privateKeyPem);
const pub = new Uint8Array(Buffer.from(keys.publicKeyBase64, 'base64'));

// ---- image_read cases ------------------------------------------------------------------------

const records = [];
function imageCase(bytes, board, key) {
  let result;
  try {
    const read = readImage(bytes, board ?? undefined);
    if (key) verifyImageSignature(read, key);
    const m = read.manifest;
    const engine = m.engine === undefined || m.payload === undefined ? '' : Buffer.byteLength(m.engine) <= 127 ? m.engine : '(too long)';
    result = ['OK', m.board, m.version, m.entry, m.sha256, m.payload ?? '', engine, read.payload.length, read.signature ? 1 : 0, read.signature?.keyId ?? ''].join('\t');
  } catch (e) {
    if (e.name !== 'ImageError') throw e;
    result = `ERR\t${e.message}`;
  }
  const u32 = (n) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n >>> 0);
    return b;
  };
  const b = board === null ? null : Buffer.from(board);
  const res = Buffer.from(result, 'utf8');
  records.push(b === null ? u32(0xffffffff) : Buffer.concat([u32(b.length), b]));
  records.push(Buffer.from([key ? 1 : 0]), Buffer.from(key ?? new Uint8Array(32)));
  records.push(u32(bytes.length), Buffer.from(bytes), u32(res.length), res);
}
/** An image around a manifest text of our own (any bytes). */
function rawImage(manifest, payload = new Uint8Array(0), lengthOverride) {
  const m = typeof manifest === 'string' ? Buffer.from(manifest, 'utf8') : Buffer.from(manifest);
  const head = Buffer.alloc(12);
  head.write('QUIPFW01', 0, 'latin1');
  head.writeUInt32LE(lengthOverride ?? m.length, 8);
  return new Uint8Array(Buffer.concat([head, m, Buffer.from(payload)]));
}
const goodPayload = payloadOf('1.0.0');
const baseManifest = {
  format: 1, board: BOARD, version: '1.0.0', buildTime: TIME, size: goodPayload.length, sha256: sha(goodPayload), entry: 'quipFirmware',
};
const manifestImage = (fields, payload = goodPayload) => rawImage(JSON.stringify({ ...baseManifest, ...fields }), payload);

const good = image('1.0.0');
const signedGood = signImage(good, priv);
imageCase(good, BOARD, null);
imageCase(good, null, null);
imageCase(good, 'otherboard', null);
imageCase(signedGood, BOARD, null);
imageCase(signedGood, BOARD, pub);
imageCase(good, BOARD, pub);
imageCase(signImage(good, otherPriv), BOARD, pub);
{
  const bad = new Uint8Array(signedGood);
  bad[bad.length - 1] ^= 1;
  imageCase(bad, BOARD, pub);
  const bad2 = new Uint8Array(signedGood);
  bad2[20] ^= 0; // unchanged copy through a different path
  imageCase(bad2, BOARD, pub);
}
for (let n = 0; n <= good.length + 3; n += n < 40 ? 1 : 7) imageCase(good.subarray(0, Math.min(n, good.length)), BOARD, null);
for (let n = good.length; n <= signedGood.length; n++) imageCase(signedGood.subarray(0, n), BOARD, null);
imageCase(new Uint8Array([...good, 1, 2, 3]), BOARD, null);
imageCase(new Uint8Array([...good, ...enc.encode('QUIP')]), BOARD, null);
imageCase(new Uint8Array([...signedGood, 0]), BOARD, null);
imageCase(rawImage('{}', new Uint8Array(0), 65537), BOARD, null);
imageCase(rawImage('{}', new Uint8Array(0), 1), BOARD, null);
imageCase(rawImage('{}', new Uint8Array(0), 0xffffffff), BOARD, null);
imageCase(rawImage('x'.repeat(65536)), BOARD, null);
imageCase(new Uint8Array([...enc.encode('QUIPFW02'), 2, 0, 0, 0, 123, 125]), BOARD, null);
imageCase(new Uint8Array([0, 1, 0x7f, 0x80, 0xff, 0x22, 0x5c, 0x20, 2, 0, 0, 0, 123, 125]), BOARD, null);
// bytecode payload field
imageCase(manifestImage({ payload: 'quickjs-bytecode' }), BOARD, null);
imageCase(manifestImage({ payload: 'quickjs-bytecode', engine: 'quickjs-2021-03-27' }), BOARD, null);
imageCase(manifestImage({ payload: 'quickjs-bytecode', engine: 'e'.repeat(200) }), BOARD, null);
imageCase(manifestImage({ payload: 'quickjs-bytecode', engine: 7 }), BOARD, null);
imageCase(manifestImage({ payload: 'quickjs-bytecode\u0000', engine: 'x' }), BOARD, null);
imageCase(manifestImage({ payload: null, engine: 'x' }), BOARD, null);
imageCase(manifestImage({ payload: ['😀'.repeat(40)], engine: 'x' }), BOARD, null);
imageCase(manifestImage({ engine: 'quickjs-2021-03-27' }), BOARD, null);
imageCase(manifestImage({ payload: 42 }), BOARD, null);
imageCase(manifestImage({ payload: 'x'.repeat(40) }), BOARD, null);
// field problems, one field at a time
const fieldValues = [
  undefined, null, true, false, 0, -0, 1, 1.5, -1, 2, 1e21, 1e-7, 123456789012, 9007199254740991, 9007199254740992, -9007199254740991,
  '', 'a', 'Z', 'abc-def', 'a'.repeat(32), 'a'.repeat(33), '1abc', 'ab_c', 'é', '😀', 'x'.repeat(64), 'x'.repeat(65), '😀'.repeat(32), '😀'.repeat(33),
  'a\u0000b', 'tab\there', 'q"uote\\', '\u2028\u007f', '\ud800', 'x'.repeat(59) + '😀', 'x'.repeat(58) + '😀',
  [], [1, 'two', [3]], {}, { b: 1, 2: 2, 1: 3, '01': 4, 4294967294: 5, 4294967295: 6, b2: { z: [null] } },
  { long: 'y'.repeat(100) }, 'f'.repeat(64), 'F'.repeat(64), '0'.repeat(63), 'quip_Firmware$1', '$', '_', '9a',
  '2024-01-01T00:00:00Z', '2024-13-01T00:00:00Z', '2024-02-30T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T24:00:00.0001Z',
  '2024-01-01T24:00:01Z', '2024-01-01T00:00:00.123456789+23:59', '2024-01-01T00:00:00.1234567890Z', '2024-01-01T00:00:00+24:00',
  '2024-01-01T00:00:60Z', '2024-01-01T00:60:00Z', '2024-01-00T00:00:00Z', '2024-01-32T00:00:00Z', '2024-01-01 00:00:00Z',
  '2024-01-01T00:00:00z', '2024-01-01T00:00:00', '2024-01-01T00:00:00Z\n', '0000-01-01T00:00:00-00:00', '2024-01-01T00:00:00+05:60',
];
for (const field of ['format', 'board', 'version', 'buildTime', 'size', 'sha256', 'entry']) {
  for (const v of fieldValues) {
    const fields = { ...baseManifest, [field]: v };
    imageCase(rawImage(JSON.stringify(fields), goodPayload), BOARD, null);
  }
}
// numbers written in ways JSON.stringify does not
for (const t of ['1.0', '1e0', '10e-1', '-0', '0.1e1', '1E+0', '2', '1e400', '-1e400', '0.000001e6', '100000000000000000000000e-23', '1.0000000000000002', '0.9999999999999999999']) {
  imageCase(rawImage(JSON.stringify(baseManifest).replace('"format":1', `"format":${t}`), goodPayload), BOARD, null);
  imageCase(rawImage(JSON.stringify(baseManifest).replace(/"size":\d+/, `"size":${t}`), goodPayload), BOARD, null);
  imageCase(rawImage(JSON.stringify(baseManifest).replace('"entry":"quipFirmware"', `"entry":${t}`), goodPayload), BOARD, null);
}
for (const t of ['123.456', '5e-324', '1.7976931348623157e308', '-2.5e-7', '123e18', '123e19', '0.1', '1e21', '12345678901234567890', '4.35', '0.000001', '0.0000001']) {
  imageCase(rawImage(JSON.stringify(baseManifest).replace('"entry":"quipFirmware"', `"entry":${t}`), goodPayload), BOARD, null);
}
// escapes, duplicates, whitespace, BOM, invalid UTF-8
const mtext = JSON.stringify(baseManifest);
imageCase(rawImage(mtext.replace('"board":"testboard"', '"board":"\\u0074estboard"')), BOARD, null);
imageCase(rawImage(mtext.replace('"board":"testboard"', '"b\\u006fard":"testboard"'), goodPayload), BOARD, null);
imageCase(rawImage(mtext.replace('"board":"testboard"', '"board":"x","board":"testboard"'), goodPayload), BOARD, null);
imageCase(rawImage(mtext.replace('"board":"testboard"', '"board":"testboard","board":"x"'), goodPayload), BOARD, null);
imageCase(rawImage(mtext.replace('"version":"1.0.0"', '"version":"\\ud83d\\ude00\\u00e9\\/\\b"'), goodPayload), BOARD, null);
imageCase(rawImage(' \t\r\n' + mtext.replace(/,/g, ' ,\n ').replace(/:/g, ' : ') + '\n\r\t ', goodPayload), BOARD, null);
imageCase(rawImage(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(mtext)]), goodPayload), BOARD, null);
imageCase(rawImage(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]), Buffer.from(mtext)]), goodPayload), BOARD, null);
for (const bad of [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80]]) {
  imageCase(rawImage(Buffer.concat([Buffer.from(mtext.slice(0, -1) + ',"x":"'), Buffer.from(bad), Buffer.from('"}')]), goodPayload), BOARD, null);
}
for (const t of ['[]', '[1]', 'null', '"str"', '12', 'true', '{}', 'NaN', 'Infinity', 'undefined', '[object Object]', ' NaN', '{"__proto__":1}']) {
  imageCase(rawImage(t.length >= 2 ? t : t + ' '), BOARD, null);
}
// deep nesting (no recursion in the C)
imageCase(rawImage(mtext.slice(0, -1) + ',"deep":' + '['.repeat(30000) + ']'.repeat(30000) + '}', goodPayload), BOARD, null);
imageCase(rawImage(mtext.slice(0, -1) + ',"deep":' + '['.repeat(30000) + '}', goodPayload), BOARD, null);
imageCase(rawImage(JSON.stringify({ ...baseManifest, format: '['.repeat(5) }).replace('"[[[[["', '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1' + ']'.repeat(81))), BOARD, null);
imageCase(rawImage(JSON.stringify({ ...baseManifest, format: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i % 50}`, i])) })), BOARD, null);
// random JSON texts as field values: key order, duplicates, escapes, number spellings
const randomJson = (depth) => {
  const r = rand(depth > 3 ? 4 : 7);
  const nums = ['0', '-0', '1', '12', '1.5', '-2e3', '1E-7', '0.000001', '123456789012345678901', '1e21', '4.35', '1e400', '-1e-400', '5e-324'];
  const strs = ['""', '"a"', '"\\u0000"', '"\\ud83d"', '"\\ud83d\\ude00"', '"😀é"', '"\\n\\t\\"\\\\\\/"', '"\\u2028"', '"\u007f"'];
  const keys = ['"a"', '"b"', '"0"', '"1"', '"01"', '"10"', '"4294967294"', '"4294967295"', '"-1"', '"1.0"', '"\\u0061"', '""', '"😀"', '"__proto__"'];
  if (r === 0) return nums[rand(nums.length)];
  if (r === 1) return strs[rand(strs.length)];
  if (r === 2) return ['true', 'false', 'null'][rand(3)];
  if (r === 3) return '"' + 'z'.repeat(rand(80)) + '"';
  if (r === 4) return '[' + Array.from({ length: rand(5) }, () => randomJson(depth + 1)).join(',') + ']';
  return '{' + Array.from({ length: rand(6) }, () => `${keys[rand(keys.length)]} : ${randomJson(depth + 1)}`).join(' ,') + '}';
};
for (let i = 0; i < 3000; i++) {
  const field = ['format', 'board', 'version', 'buildTime', 'size', 'sha256', 'entry', 'payload'][rand(8)];
  const text = mtext.replace(/\}$/, `,"${field}":${randomJson(0)},"engine":"e"}`);
  imageCase(rawImage(text, goodPayload), BOARD, null);
}
// random damage to a manifest: JSON syntax errors and field problems
const alphabet = ['{', '}', '[', ']', ',', ':', '"', '\\', '0', '1', '-', '+', '.', 'e', 'E', 'x', 't', 'n', 'u', ' ', '\n', '\t', '\u0001', 'é', '😀', '\u00a0', '€', '/'];
const spaced = JSON.stringify({ ...baseManifest, extra: [1, { a: 'b' }, null, true, -2.5e3], more: 'tail' }, null, 1);
const fuzzCases = Number(process.env.QUIP_FLASH_FUZZ_CASES ?? 4000);
for (let i = 0; i < fuzzCases; i++) {
  const src = i % 2 ? mtext : spaced;
  const chars = Array.from(src);
  const edits = 1 + rand(3);
  for (let k = 0; k < edits; k++) {
    const at = rand(chars.length + 1);
    const op = rand(3);
    const ch = alphabet[rand(alphabet.length)];
    if (op === 0) chars.splice(at, 1);
    else if (op === 1) chars.splice(at, 0, ch);
    else chars[Math.min(at, chars.length - 1)] = ch;
  }
  imageCase(rawImage(chars.join(''), goodPayload), BOARD, null);
}
// random bit flips and truncations of whole images
for (let i = 0; i < 1500; i++) {
  const src = i % 3 === 0 ? signedGood : good;
  const b = new Uint8Array(src);
  const flips = 1 + rand(2);
  for (let k = 0; k < flips; k++) b[rand(b.length)] ^= 1 << rand(8);
  imageCase(i % 5 === 0 ? b.subarray(0, rand(b.length + 1)) : b, BOARD, i % 3 === 0 ? pub : null);
}
writeFileSync(join(out, 'images.bin'), Buffer.concat(records));

// ---- flash scenarios ---------------------------------------------------------------------------

const CONFIG = { sizeKB: 160, slotKB: 64, storageKB: 8, maxTrialBoots: 3, confirmAfterS: 30 };
const layout = flashLayout(CONFIG);
const lines = [];
const fileSha = (f) => sha(readFileSync(f));
let fileNo = 0;

/** A flash file made with the installer (what `quip flash` does), optionally prepared further. */
function makeFlash(name, images, prepare) {
  const file = join(out, `${name}.init.flash`);
  if (existsSync(file)) throw new Error(`${file} exists`);
  FileFlash.create(file, layout.size);
  const dev = new FileFlash(file, layout.size);
  for (const img of images) installImage(dev, layout, img.bytes, img.board ?? BOARD);
  dev.close();
  if (prepare) prepare(file);
  return file;
}

/** Runs a scenario on a copy with the TS and writes what it did. */
function scenario(name, initial, ops, { board = BOARD, key = null, mutations = [], sizeKB = CONFIG.sizeKB, saveFiles = true } = {}) {
  const work = join(out, `${name}.ts.flash`);
  const lay = { ...layout, size: sizeKB * 1024 };
  lines.push(['S', name, initial ? initial.split('/').pop() : `${name}.missing.flash`, board, key ? hex(key) : '-', sizeKB, 4, CONFIG.slotKB, CONFIG.storageKB, CONFIG.maxTrialBoots].join('\t'));
  if (initial) copyFileSync(initial, work);
  if (mutations.length) {
    const b = readFileSync(work);
    for (const [off, x] of mutations) {
      b[off] ^= x;
      lines.push(['M', off, x].join('\t'));
    }
    writeFileSync(work, b);
  }
  let fb;
  try {
    fb = new FlashBoard(initial ? work : join(out, `${name}.nope.flash`), lay, board, key);
    lines.push('O\tOK');
  } catch (e) {
    lines.push(`O\tERR\t${e.message.split(initial ? work : join(out, `${name}.nope.flash`)).join('@PATH@')}`);
    lines.push('E');
    return;
  }
  const after = () => fileSha(work);
  const save = () => {
    if (!saveFiles) return;
    const f = `${name}.${fileNo++}.expect.flash`;
    copyFileSync(work, join(out, f));
    lines.push(`F\t${f}`);
  };
  const K = (s) => hex(Buffer.from(s, 'utf8'));
  for (const op of ops) {
    if (op === 'boot') {
      try {
        const b = fb.boot();
        lines.push(['B', 'OK', JSON.stringify(b.facts), JSON.stringify(b.notices), b.version, b.globalName, sha(Buffer.from(b.code, 'utf8')), after()].join('\t'));
      } catch (e) {
        lines.push(['B', 'ERR', e.message, after()].join('\t'));
      }
      save();
    } else if (op === 'confirm') {
      const ev = fb.confirm();
      lines.push(['C', ev === null ? '-' : JSON.stringify(ev), after()].join('\t'));
      save();
    } else if (op[0] === 'set') {
      const ok = fb.storage.set(op[1], op[2]);
      lines.push(['KS', op[3] ?? K(op[1]), op[4] ?? K(op[2]), ok ? 1 : 0, after()].join('\t'));
    } else if (op[0] === 'get') {
      const v = fb.storage.get(op[1]);
      lines.push(['KG', K(op[1]), v === null ? '-' : K(v)].join('\t'));
    } else if (op[0] === 'remove') {
      fb.storage.remove(op[1]);
      lines.push(['KR', K(op[1]), after()].join('\t'));
    } else if (op[0] === 'keys') {
      lines.push(['KK', fb.storage.keys().map(K).join(',') || '-'].join('\t'));
      save();
    }
  }
  fb.close();
  lines.push('E');
}

const img = (v, extra = {}) => ({ bytes: image(v, extra.board ?? BOARD), ...extra });
const boots = (n) => Array.from({ length: n }, () => 'boot');

// a fresh flash with one good image: trial boots up to K, then nothing is left
const fresh = makeFlash('fresh', [img('1.0.0')]);
scenario('fresh-unconfirmed', fresh, boots(6));
scenario('fresh-confirm', fresh, ['boot', 'confirm', 'confirm', 'boot', 'confirm', 'boot']);
scenario('fresh-confirm-late', fresh, ['boot', 'boot', 'boot', 'confirm', 'boot']);
// A good, B trial: B booted K times unconfirmed, then rolled back to A
const ab = makeFlash('ab', [img('1.0.0'), img('2.0.0')], (file) => {
  const fb = new FlashBoard(file, layout, BOARD);
  fb.boot();
  fb.confirm();
  fb.close();
  const dev = new FileFlash(file, layout.size);
  installImage(dev, layout, image('2.0.0'), BOARD);
  dev.close();
});
scenario('ab-rollback', ab, boots(6));
scenario('ab-confirm', ab, ['boot', 'boot', 'confirm', 'boot', 'confirm', 'boot']);
scenario('ab-wrong-board-key', ab, ['boot'], { board: 'otherboard' });
// corrupt slot header CRC / image SHA-256 / manifest of slot B (active trial)
const slotB = layout.slots[1].offset;
scenario('ab-header-crc', ab, boots(3), { mutations: [[slotB + 100, 0x01]] });
scenario('ab-header-magic', ab, boots(2), { mutations: [[slotB, 0x20]] });
scenario('ab-image-sha', ab, boots(2), { mutations: [[slotB + 256 + 200, 0x80]] });
scenario('ab-both-bad', ab, boots(3), { mutations: [[slotB + 256 + 200, 0x80], [layout.slots[0].offset + 300, 0x04]] });
// another board's firmware
const other = makeFlash('otherboard', [img('1.0.0', { board: 'otherboard' })]);
scenario('wrong-board', other, boots(2));
scenario('wrong-board-own', other, boots(2), { board: 'otherboard' });
// nothing bootable: a blank flash
const blank = makeFlash('blank', []);
scenario('blank', blank, boots(2));
// lost boot record: both copies invalid
scenario('lost-record', ab, ['boot', 'boot', 'confirm', 'boot'], { mutations: [[layout.bootRecords[0].offset + 5, 0x01], [layout.bootRecords[1].offset + 60, 0x01]] });
scenario('lost-record-a-bad', ab, ['boot', 'boot'], { mutations: [[layout.bootRecords[0].offset + 5, 0x01], [layout.bootRecords[1].offset + 60, 0x01], [layout.slots[0].offset + 3, 1]] });
scenario('lost-record-both-bad', ab, ['boot'], { mutations: [[layout.bootRecords[0].offset + 5, 0x01], [layout.bootRecords[1].offset + 60, 0x01], [layout.slots[0].offset + 3, 1], [slotB + 600, 1]] });
// verified boot: right key, unsigned, foreign key, bad signature
const signedFlash = makeFlash('signed', [{ bytes: signImage(image('1.0.0'), priv) }, { bytes: signImage(image('2.0.0'), priv) }]);
scenario('signed-ok', signedFlash, ['boot', 'confirm', 'boot'], { key: pub });
scenario('signed-nokey', signedFlash, ['boot'], {});
const mixed = makeFlash('mixed', [{ bytes: signImage(image('1.0.0'), priv) }], (file) => {
  const fb = new FlashBoard(file, layout, BOARD, pub);
  fb.boot();
  fb.confirm();
  fb.close();
  const dev = new FileFlash(file, layout.size);
  installImage(dev, layout, image('2.0.0'), BOARD);
  dev.close();
});
scenario('unsigned-on-keyed', mixed, boots(2), { key: pub });
const foreign = makeFlash('foreign', [{ bytes: signImage(image('1.0.0'), priv) }], (file) => {
  const fb = new FlashBoard(file, layout, BOARD, pub);
  fb.boot();
  fb.confirm();
  fb.close();
  const dev = new FileFlash(file, layout.size);
  installImage(dev, layout, signImage(image('2.0.0'), otherPriv), BOARD);
  dev.close();
});
scenario('foreign-key', foreign, boots(2), { key: pub });
const onlyUnsigned = makeFlash('only-unsigned', [img('1.0.0')]);
scenario('only-unsigned-keyed', onlyUnsigned, boots(2), { key: pub });
const tampered = makeFlash('tampered', [{ bytes: signImage(image('1.0.0'), priv) }], (file) => {
  const fb = new FlashBoard(file, layout, BOARD, pub);
  fb.boot();
  fb.confirm();
  fb.close();
  const dev = new FileFlash(file, layout.size);
  const signed2 = signImage(image('2.0.0'), priv);
  installImage(dev, layout, signed2, BOARD);
  // change one signature byte and give the slot a header that matches the changed bytes
  const changed = new Uint8Array(signed2);
  changed[changed.length - 5] ^= 0x10;
  const region = layout.slots[1];
  dev.write(region.offset + 256, changed);
  dev.write(region.offset, encodeSlotHeader(slotHeaderFor(changed, readImage(changed).manifest)));
  dev.sync();
  dev.close();
});
scenario('bad-signature', tampered, boots(2), { key: pub });
// flash file of the wrong size, missing file
scenario('wrong-size', fresh, [], { sizeKB: 164 });
scenario('missing', null, []);
// storage: what the TS wrote, read by the C, and the same edits on both sides
const stor = makeFlash('storage', [img('1.0.0')], (file) => {
  const fb = new FlashBoard(file, layout, BOARD);
  fb.storage.set('sip.user', 'alice');
  fb.storage.set('z', 'last');
  fb.storage.set('émoji😀', 'valeur é 😀');
  fb.storage.set('\ufeffbom-key', '\ufeffbom-value');
  fb.storage.set('empty', '');
  fb.storage.set('\uffff', 'high');
  fb.storage.set('a', 'first');
  fb.storage.set('sip.user', 'bob');
  fb.storage.remove('z');
  fb.close();
});
scenario('storage', stor, [
  ['keys'], ['get', 'sip.user'], ['get', 'émoji😀'], ['get', 'bom-key'], ['get', '\ufeffbom-key'], ['get', 'empty'], ['get', 'missing'],
  ['set', 'sip.user', 'bob'], ['set', 'sip.user', 'carol'], ['set', 'new', 'x\ny\u0000z'], ['set', 'a', 'é'.repeat(100)],
  ['set', '', 'empty key'], ['set', '\ud800', 'lone', 'eda080', hex(Buffer.from('lone'))], ['set', 'k', '\udc00', '6b', 'edb080'],
  ['set', 'big', 'x'.repeat(4000)], ['set', 'big2', 'y'.repeat(1500)], ['set', 'big3', 'z'.repeat(1500)],
  ['remove', 'big2'], ['remove', 'nothing'], ['keys'], ['get', 'new'], 'boot', ['set', 'after-boot', '1'], ['keys'],
]);
scenario('storage-blank', blank, [['keys'], ['set', 'one', '1'], ['set', 'two', '2'], ['remove', 'one'], ['set', 'one', '3'], ['keys'], ['get', 'one']]);
{
  // one storage half damaged: the other snapshot stands
  const s = layout.storage.offset;
  scenario('storage-damaged', stor, [['keys'], ['get', 'sip.user'], ['set', 'x', 'y'], ['keys']], { mutations: [[s + 30, 1]] });
  scenario('storage-damaged2', stor, [['keys'], ['set', 'x', 'y'], ['keys']], { mutations: [[s + layout.storage.size / 2 + 21, 1]] });
}
// random damage to a two-slot flash: boot records, slot headers, images, storage
{
  const base = readFileSync(ab);
  const regions = [
    [layout.bootRecords[0].offset, 64], [layout.bootRecords[1].offset, 64], [slotB, 256], [slotB + 256, 400], [layout.slots[0].offset, 300],
    [layout.storage.offset, 64], [layout.storage.offset + layout.storage.size / 2, 64],
  ];
  for (let i = 0; i < 120; i++) {
    const muts = [];
    const n = 1 + rand(3);
    for (let k = 0; k < n; k++) {
      const [o, len] = regions[rand(regions.length)];
      muts.push([o + rand(len), 1 << rand(8)]);
    }
    scenario(`fuzz-${i}`, ab, ['boot', 'confirm', 'boot', ['keys']], { mutations: muts, saveFiles: false });
  }
  // damaged manifests in slot B with a slot header that matches them, so the image checks run
  const bImage = image('2.0.0');
  for (let i = 0; i < 150; i++) {
    const b = Buffer.from(base);
    const changed = new Uint8Array(bImage);
    const n = 1 + rand(3);
    for (let k = 0; k < n; k++) changed[rand(Math.min(changed.length, 12 + 220))] ^= 1 << rand(8);
    b.set(changed, slotB + 256);
    b.set(encodeSlotHeader(slotHeaderFor(changed, { board: BOARD, version: '2.0.0' })), slotB);
    const muts = [];
    for (let j = 0; j < b.length; j++) if (b[j] !== base[j]) muts.push([j, b[j] ^ base[j]]);
    scenario(`manifest-${i}`, ab, ['boot', 'boot'], { mutations: muts, saveFiles: false });
  }
  void bImage;
}
writeFileSync(join(out, 'scenarios.txt'), lines.join('\n') + '\n');
console.log(`wrote ${records.length / 7} image cases and ${lines.filter((l) => l[0] === 'S').length} flash scenarios to ${out}`);
