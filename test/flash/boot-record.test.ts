// The boot record: byte layout, and two copies so a torn write never loses the state.
import test from 'ava';
import {
  BOOT_RECORD_BYTES,
  decodeBootRecord,
  encodeBootRecord,
  readBootRecord,
  writeBootRecord,
} from '../../hal/flash/boot-record.ts';
import type { BootRecord } from '../../hal/flash/boot-record.ts';
import { MemoryFlash } from '../../hal/flash/device.ts';
import { LAYOUT } from './fixtures.ts';

const RECORD: BootRecord = { sequence: 7, active: 1, states: ['good', 'trial'], attempts: 2, rollback: { from: 0, reason: 'verification' } };

test('encodes byte-exactly as documented in layout.ts', (t) => {
  const bytes = encodeBootRecord(RECORD);
  t.is(bytes.length, BOOT_RECORD_BYTES);
  t.is(new TextDecoder().decode(bytes.subarray(0, 8)), 'QUIPBOOT');
  t.deepEqual([...bytes.subarray(8, 22)], [1, 0, 64, 0, 7, 0, 0, 0, 1, 1, 2, 2, 0, 2]);
  t.deepEqual([...bytes.subarray(22, 60)], new Array(38).fill(0));
  t.deepEqual(decodeBootRecord(bytes), RECORD);
});

test('a flipped bit, a blank block or garbage is not a record', (t) => {
  const bytes = encodeBootRecord(RECORD);
  for (const at of [0, 12, 16, 19, 40, 61]) {
    const bad = bytes.slice();
    bad[at]! ^= 0x10;
    t.is(decodeBootRecord(bad), null, `bit flipped at ${at}`);
  }
  t.is(decodeBootRecord(new Uint8Array(64).fill(0xff)), null);
  t.is(decodeBootRecord(new Uint8Array(10)), null);
});

test('writes alternate between the copies; the newer valid one wins', (t) => {
  const flash = new MemoryFlash(LAYOUT.size);
  t.is(readBootRecord(flash, LAYOUT).copy, -1);
  const first = writeBootRecord(flash, LAYOUT, RECORD);
  t.is(first.sequence, 1);
  t.is(readBootRecord(flash, LAYOUT).copy, 0);
  const second = writeBootRecord(flash, LAYOUT, { ...RECORD, attempts: 3 });
  t.is(second.sequence, 2);
  const read = readBootRecord(flash, LAYOUT);
  t.is(read.copy, 1);
  t.is(read.record.attempts, 3);
});

test('a torn write of one copy leaves the other: the previous state', (t) => {
  const flash = new MemoryFlash(LAYOUT.size);
  writeBootRecord(flash, LAYOUT, RECORD);
  writeBootRecord(flash, LAYOUT, { ...RECORD, attempts: 3 }); // copy 1, sequence 2
  // Tear copy 1 (as a power cut mid-write would): copy 0 still says attempts 2.
  flash.bytes[LAYOUT.bootRecords[1].offset + 30] = 0x55;
  const read = readBootRecord(flash, LAYOUT);
  t.is(read.copy, 0);
  t.is(read.record.attempts, 2);
  // The next write goes to the torn copy, never over the only good one.
  writeBootRecord(flash, LAYOUT, { ...RECORD, attempts: 1 });
  t.is(readBootRecord(flash, LAYOUT).copy, 1);
  t.not(decodeBootRecord(flash.read(0, 64)), null);
});

test('garbage in both copies reads as a blank board', (t) => {
  const flash = new MemoryFlash(LAYOUT.size);
  for (let i = 0; i < 2 * LAYOUT.eraseSize; i++) flash.bytes[i] = (i * 131 + 7) & 0xff;
  const read = readBootRecord(flash, LAYOUT);
  t.is(read.copy, -1);
  t.deepEqual(read.record.states, ['empty', 'empty']);
});
