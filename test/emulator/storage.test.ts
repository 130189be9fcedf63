import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import fc from 'fast-check';
import { DirectoryStorage, decodeKey, encodeKey } from '../../hal/emulator/storage.ts';

/** A fresh parent directory holding the store in `parent/store`, so escapes would show up in `parent`. */
function fresh(): { parent: string; dir: string } {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'quip-storage-'));
  return { parent, dir: path.join(parent, 'store') };
}

test('set, get, keys, remove; missing keys read as null; the directory is created', (t) => {
  const { dir } = fresh();
  const s = new DirectoryStorage(dir);
  t.true(fs.statSync(dir).isDirectory());
  t.is(s.get('nope'), null);
  t.true(s.set('sip.account.1', 'alice'));
  t.true(s.set('Volume', '7'));
  t.true(s.set('empty', ''));
  t.is(s.get('sip.account.1'), 'alice');
  t.is(s.get('empty'), '');
  t.deepEqual(s.keys(), ['Volume', 'empty', 'sip.account.1']);
  t.true(s.set('Volume', '8'));
  t.is(s.get('Volume'), '8');
  s.remove('Volume');
  s.remove('Volume');
  t.is(s.get('Volume'), null);
  t.deepEqual(s.keys(), ['empty', 'sip.account.1']);
});

test('values are UTF-8 text and survive reopening the directory', (t) => {
  const { dir } = fresh();
  const value = 'Grüße ☎ 📞\nline two';
  new DirectoryStorage(dir).set('greeting', value);
  const reopened = new DirectoryStorage(dir);
  t.is(reopened.get('greeting'), value);
  t.deepEqual(reopened.keys(), ['greeting']);
  t.is(fs.readFileSync(path.join(dir, 'greeting'), 'utf8'), value);
});

test('keys with "/", "..", dots and other odd characters cannot leave the directory', (t) => {
  const { parent, dir } = fresh();
  const s = new DirectoryStorage(dir);
  const keys = ['../x', 'a/b', '..', '.', '.hidden', 'trailing.', 'a\\b', 'C:x', 'NUL\u0000', ' ', '%41', '+a', 'A', 'a', '日本'];
  for (const key of keys) t.true(s.set(key, `v:${key}`), key);
  for (const key of keys) t.is(s.get(key), `v:${key}`, key);
  t.deepEqual(s.keys(), [...keys].sort());
  t.deepEqual(fs.readdirSync(parent), ['store'], 'nothing written beside the store');
  for (const name of fs.readdirSync(dir)) t.true(fs.statSync(path.join(dir, name)).isFile(), name);
  t.is(s.get('A'), 'v:A');
  t.is(s.get('a'), 'v:a', 'upper and lower case stay apart, even on case-insensitive file systems');
});

test('limits: key length 128, value 256 KiB; a refused set keeps the old value', (t) => {
  const { dir } = fresh();
  const s = new DirectoryStorage(dir);
  t.true(s.set('k'.repeat(128), 'ok'));
  t.false(s.set('k'.repeat(129), 'too long'));
  t.is(s.get('k'.repeat(129)), null);
  t.false(s.set('', 'empty key'));
  t.true(s.set('big', 'x'.repeat(256 * 1024)));
  t.false(s.set('big', 'y'.repeat(256 * 1024 + 1)));
  t.false(s.set('big', 'é'.repeat(128 * 1024 + 1)), 'the limit counts UTF-8 bytes');
  t.is(s.get('big'), 'x'.repeat(256 * 1024));
  t.false(s.set('broken', 'lone \uD800 surrogate'));
  const small = new DirectoryStorage(fresh().dir, { maxKeyLength: 4, maxValueBytes: 3 });
  t.false(small.set('abcde', '1'));
  t.false(small.set('abcd', '1234'));
  t.true(small.set('abcd', '123'));
});

test('bad input from the firmware never throws', (t) => {
  const s = new DirectoryStorage(fresh().dir);
  const loose = s as unknown as { set(k: unknown, v: unknown): boolean; get(k: unknown): unknown; remove(k: unknown): void };
  t.false(loose.set(42, 'x'));
  t.false(loose.set('k', 42));
  t.false(loose.set(null, null));
  t.is(loose.get(undefined), null);
  t.notThrows(() => loose.remove({}));
  t.deepEqual(s.keys(), []);
});

test('a crash mid-write leaves the old value: leftover temp files are ignored and cleaned up on open', (t) => {
  const { dir } = fresh();
  const s = new DirectoryStorage(dir);
  s.set('config', 'old complete value');
  // What a crash between write and rename leaves behind: a partial temp file.
  const leftover = path.join(dir, '.tmp-99999-1');
  fs.writeFileSync(leftover, 'new compl');
  fs.writeFileSync(path.join(dir, 'stray~file'), 'not ours');
  t.is(s.get('config'), 'old complete value');
  t.deepEqual(s.keys(), ['config']);
  const reopened = new DirectoryStorage(dir);
  t.false(fs.existsSync(leftover));
  t.is(reopened.get('config'), 'old complete value');
  t.deepEqual(reopened.keys(), ['config']);
  t.true(reopened.set('config', 'new complete value'));
  t.deepEqual(fs.readdirSync(dir).sort(), ['config', 'stray~file'], 'set leaves no temp file');
});

test('after close every call fails softly', (t) => {
  const s = new DirectoryStorage(fresh().dir);
  s.set('a', '1');
  s.close();
  t.is(s.get('a'), null);
  t.false(s.set('a', '2'));
  t.deepEqual(s.keys(), []);
});

test('key escaping is reversible, canonical and file-name safe (property)', (t) => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), (key) => {
      const name = encodeKey(key);
      return decodeKey(name) === key && /^[a-z0-9_+%A-F-][a-z0-9_.+%A-F-]*$/.test(name) && !name.endsWith('.');
    }),
  );
  t.is(decodeKey('%2e'), null, 'non-canonical spellings are not keys');
  t.is(decodeKey('.tmp-1-2'), null);
  t.is(decodeKey('%FF'), null, 'invalid UTF-8');
});
