// The flash layout: partitions from the board config, and what does not fit.
import test from 'ava';
import { flashConfigProblem, flashLayout, newerSequence } from '../../hal/flash/layout.ts';
import { FlashError } from '../../hal/flash/device.ts';
import { crc32 } from '../../hal/flash/crc32.ts';
import { loadBoardConfig } from '../../hal/board-config.ts';

test('partitions follow each other from offset 0, erase-block aligned', (t) => {
  const l = flashLayout({ sizeKB: 2048, slotKB: 768, storageKB: 256 });
  t.is(l.size, 2048 * 1024);
  t.deepEqual(l.bootRecords, [{ offset: 0, size: 4096 }, { offset: 4096, size: 4096 }]);
  t.deepEqual(l.slots, [{ offset: 8192, size: 768 * 1024 }, { offset: 8192 + 768 * 1024, size: 768 * 1024 }]);
  t.deepEqual(l.storage, { offset: 8192 + 2 * 768 * 1024, size: 256 * 1024 });
  t.is(l.maxTrialBoots, 3);
  t.is(l.confirmAfterS, 30);
  const big = flashLayout({ sizeKB: 4096, slotKB: 1024, storageKB: 512, eraseKB: 64, maxTrialBoots: 2, confirmAfterS: 10 });
  t.is(big.slots[0].offset, 128 * 1024);
  t.is(big.maxTrialBoots, 2);
});

test('what does not fit or is misaligned is refused, naming the field', (t) => {
  t.deepEqual(flashConfigProblem({ sizeKB: 1024, slotKB: 512, storageKB: 64 })?.[0], 'sizeKB');
  t.regex(flashConfigProblem({ sizeKB: 1024, slotKB: 512, storageKB: 64 })![1], /need 1096 KiB, the flash has 1024/);
  t.is(flashConfigProblem({ sizeKB: 1024, slotKB: 130, storageKB: 64, eraseKB: 4 })?.[0], 'slotKB');
  t.regex(flashConfigProblem({ sizeKB: 1024, slotKB: 128, storageKB: 12 })![1], /even number of 4 KiB erase blocks/);
  t.is(flashConfigProblem({ sizeKB: 1026, slotKB: 128, storageKB: 64 })?.[0], 'sizeKB');
  const e = t.throws(() => flashLayout({ sizeKB: 64, slotKB: 64, storageKB: 8 }), { instanceOf: FlashError });
  t.regex(e!.message, /^flash\.sizeKB: /);
});

test('the shipped boards have a flash that fits a built image (a few hundred KiB) with room to grow', (t) => {
  for (const id of ['desk6', 'small2']) {
    const flash = loadBoardConfig(id).flash;
    t.truthy(flash, id);
    t.true(flash!.slotKB >= 384, `${id} slot`);
    t.notThrows(() => flashLayout(flash!));
  }
});

test('sequence numbers compare as serial numbers, so they may wrap', (t) => {
  t.true(newerSequence(2, 1));
  t.false(newerSequence(1, 2));
  t.false(newerSequence(5, 5));
  t.true(newerSequence(0, 0xffffffff));
  t.false(newerSequence(0xffffffff, 0));
});

test('CRC-32 is zlib\'s', (t) => {
  t.is(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  t.is(crc32(new Uint8Array(0)), 0);
});
