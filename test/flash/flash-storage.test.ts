// Settings storage on the flash's storage partition: a StorageHal that survives power cuts
// (old or new value, never a mix), reopening, and firmware installs.
import test from 'ava';
import { MemoryFlash, PowerCutFlash } from '../../hal/flash/device.ts';
import { FlashStorage } from '../../hal/flash/flash-storage.ts';
import { installImage } from '../../hal/flash/install.ts';
import { BOARD, LAYOUT, bootVersion, flashWithGood, image } from './fixtures.ts';

test('get, set, remove and keys, kept across a reopen (a reboot)', (t) => {
  const flash = new MemoryFlash(LAYOUT.size);
  const s = new FlashStorage(flash, LAYOUT.storage);
  t.deepEqual(s.keys(), []);
  t.is(s.get('settings'), null);
  t.true(s.set('settings', '{"volume":6}'));
  t.true(s.set('history', 'ünïcode ☎ and "quotes"'));
  t.true(s.set('gone', 'x'));
  s.remove('gone');
  s.remove('never-there');
  const again = new FlashStorage(flash, LAYOUT.storage);
  t.deepEqual(again.keys(), ['history', 'settings']);
  t.is(again.get('settings'), '{"volume":6}');
  t.is(again.get('history'), 'ünïcode ☎ and "quotes"');
});

test('bad keys and values are refused softly', (t) => {
  const s = new FlashStorage(new MemoryFlash(LAYOUT.size), LAYOUT.storage);
  t.false(s.set('', 'x'));
  t.false(s.set('k', '\uD800'));
  t.false(s.set(42 as unknown as string, 'x'));
  t.false(s.set('k', null as unknown as string));
  t.deepEqual(s.keys(), []);
});

test('bounded: a set that does not fit half the partition returns false and changes nothing', (t) => {
  const flash = new MemoryFlash(LAYOUT.size);
  const s = new FlashStorage(flash, LAYOUT.storage);
  t.is(s.capacity, LAYOUT.storage.size / 2);
  t.true(s.set('a', 'x'.repeat(5000)));
  t.false(s.set('b', 'y'.repeat(5000)), 'two 5000-byte values do not fit in 8 KiB');
  t.is(s.get('b'), null);
  t.is(new FlashStorage(flash, LAYOUT.storage).get('a')!.length, 5000);
  t.true(s.set('a', 'small'), 'replacing the big value makes room');
  t.true(s.set('b', 'y'.repeat(5000)));
});

test('a power cut at any byte of a set leaves the old value or the new one', (t) => {
  const base = new MemoryFlash(LAYOUT.size);
  const s = new FlashStorage(base, LAYOUT.storage);
  s.set('settings', 'old settings');
  s.set('other', 'kept');
  const snapshotBytes = 24 + 4 + 2 * 6 + 'settings'.length + 'new settings!'.length + 'other'.length + 'kept'.length;
  let sawOld = 0;
  let sawNew = 0;
  for (let cut = 0; cut <= snapshotBytes; cut++) {
    const memory = new MemoryFlash(base.bytes.slice());
    const storage = new FlashStorage(new PowerCutFlash(memory, cut), LAYOUT.storage);
    const ok = storage.set('settings', 'new settings!');
    const after = new FlashStorage(memory, LAYOUT.storage);
    const value = after.get('settings');
    t.true(value === 'old settings' || value === 'new settings!', `cut at ${cut}: ${value}`);
    t.is(after.get('other'), 'kept');
    if (value === 'new settings!') sawNew++;
    else sawOld++;
    t.is(ok, cut >= snapshotBytes, `set reports success only when the snapshot landed (cut ${cut})`);
  }
  t.is(sawNew, 1);
  t.is(sawOld, snapshotBytes);
});

test('settings survive firmware installs and rollbacks', (t) => {
  const flash = flashWithGood('1.0.0');
  new FlashStorage(flash, LAYOUT.storage).set('settings', '{"volume":7}');
  installImage(flash, LAYOUT, image('2.0.0'), BOARD);
  t.is(bootVersion(flash), '2.0.0');
  const s = new FlashStorage(flash, LAYOUT.storage);
  t.is(s.get('settings'), '{"volume":7}');
  s.set('history', 'call 1');
  for (let i = 1; i < LAYOUT.maxTrialBoots; i++) bootVersion(flash);
  t.is(bootVersion(flash), '1.0.0', 'rolled back');
  const after = new FlashStorage(flash, LAYOUT.storage);
  t.is(after.get('settings'), '{"volume":7}');
  t.is(after.get('history'), 'call 1');
});

test('a garbage storage partition reads as empty and can be written', (t) => {
  const flash = new MemoryFlash(LAYOUT.size);
  for (let i = 0; i < LAYOUT.storage.size; i++) flash.bytes[LAYOUT.storage.offset + i] = (i * 31) & 0xff;
  const s = new FlashStorage(flash, LAYOUT.storage);
  t.deepEqual(s.keys(), []);
  t.true(s.set('k', 'v'));
  t.is(new FlashStorage(flash, LAYOUT.storage).get('k'), 'v');
});
