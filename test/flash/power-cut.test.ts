// The power-cut proof: cut the power at many byte offsets of a firmware install (every byte of
// the slot header writes and of the boot record write, and a sample across the payload) and
// of the boot loader's own record writes. Afterwards the board always boots a valid
// firmware: the old one, or the new one once its boot record has landed — never nothing.
import test from 'ava';
import { selectBoot } from '../../hal/flash/bootloader.ts';
import { MemoryFlash, PowerCut, PowerCutFlash } from '../../hal/flash/device.ts';
import { BOOT_RECORD_BYTES } from '../../hal/flash/boot-record.ts';
import { installImage } from '../../hal/flash/install.ts';
import { SLOT_HEADER_BYTES } from '../../hal/flash/slot-header.ts';
import { BOARD, LAYOUT, bootVersion, flashWithGood, image } from './fixtures.ts';

const PAYLOAD_SAMPLES = 200;

/** Every offset in [from, to], plus `samples` spread over [sampleFrom, sampleTo). */
function offsets(ranges: Array<[number, number]>, sampled: [number, number], samples: number): number[] {
  const set = new Set<number>();
  for (const [from, to] of ranges) for (let i = from; i <= to; i++) set.add(i);
  for (let k = 0; k < samples; k++) set.add(sampled[0] + Math.floor(((sampled[1] - sampled[0]) * k) / samples));
  return [...set].sort((a, b) => a - b);
}

/** Installs on a copy of `base` with the power cut after `cut` bytes; true when it completed. */
function cutInstall(base: MemoryFlash, img: Uint8Array, cut: number): { memory: MemoryFlash; completed: boolean } {
  const memory = new MemoryFlash(base.bytes.slice());
  try {
    installImage(new PowerCutFlash(memory, cut), LAYOUT, img, BOARD);
    return { memory, completed: true };
  } catch (e) {
    if (!(e instanceof PowerCut)) throw e;
    return { memory, completed: false };
  }
}

test('a power cut at any point of an install: the board boots the old firmware or the new one', (t) => {
  const base = flashWithGood('1.0.0');
  const img = image('2.0.0');
  const n = img.length;
  // Bytes an install writes, in order: header invalidation, image, header, boot record.
  const headerOff = [0, SLOT_HEADER_BYTES] as [number, number];
  const header = [SLOT_HEADER_BYTES + n, 2 * SLOT_HEADER_BYTES + n] as [number, number];
  const record = [2 * SLOT_HEADER_BYTES + n, 2 * SLOT_HEADER_BYTES + n + BOOT_RECORD_BYTES] as [number, number];
  const cuts = offsets([headerOff, header, record], [SLOT_HEADER_BYTES, SLOT_HEADER_BYTES + n], PAYLOAD_SAMPLES);
  // The ranges share their end points, and one payload sample is the first header byte.
  t.is(cuts.length, 2 * (SLOT_HEADER_BYTES + 1) + (BOOT_RECORD_BYTES + 1) + PAYLOAD_SAMPLES - 2);
  const seen = { old: 0, new: 0 };
  for (const cut of cuts) {
    const { memory, completed } = cutInstall(base, img, cut);
    t.is(completed, cut >= record[1], `the install completes only with every byte written (cut ${cut})`);
    const version = bootVersion(memory);
    t.is(version, cut >= record[1] ? '2.0.0' : '1.0.0', `cut after ${cut} bytes`);
    seen[version === '2.0.0' ? 'new' : 'old']++;
  }
  // And an interrupted install can simply be repeated.
  const { memory } = cutInstall(base, img, SLOT_HEADER_BYTES + Math.floor(n / 2));
  installImage(memory, LAYOUT, img, BOARD);
  t.is(bootVersion(memory), '2.0.0');
  t.log(`${cuts.length} power-cut offsets: ${seen.old} booted the old firmware, ${seen.new} the new one`);
});

test('a power cut while reflashing over an unconfirmed trial slot keeps a bootable board', (t) => {
  const base = flashWithGood('1.0.0');
  installImage(base, LAYOUT, image('2.0.0'), BOARD);
  t.is(bootVersion(base), '2.0.0'); // trial, attempt 1: this install overwrites it
  const img = image('3.0.0');
  // Here the install first repoints the record at slot A, then writes slot B.
  const total = BOOT_RECORD_BYTES + 2 * SLOT_HEADER_BYTES + img.length + BOOT_RECORD_BYTES;
  const cuts = offsets([[0, BOOT_RECORD_BYTES + SLOT_HEADER_BYTES], [total - SLOT_HEADER_BYTES - BOOT_RECORD_BYTES, total]], [0, total], PAYLOAD_SAMPLES);
  for (const cut of cuts) {
    const { memory } = cutInstall(base, img, cut);
    const version = bootVersion(memory);
    const expected = cut >= total ? '3.0.0' : cut >= BOOT_RECORD_BYTES ? '1.0.0' : '2.0.0';
    t.is(version, expected, `cut after ${cut} bytes`);
  }
});

test('a power cut while the boot loader counts an attempt or rolls back', (t) => {
  const trial = flashWithGood('1.0.0');
  installImage(trial, LAYOUT, image('2.0.0'), BOARD);
  for (let cut = 0; cut < BOOT_RECORD_BYTES; cut++) {
    const memory = new MemoryFlash(trial.bytes.slice());
    t.throws(() => selectBoot(new PowerCutFlash(memory, cut), LAYOUT, BOARD), { instanceOf: PowerCut }, `cut ${cut}`);
    t.is(bootVersion(memory), '2.0.0', `counting cut at ${cut}`);
  }
  const exhausted = new MemoryFlash(trial.bytes.slice());
  for (let i = 0; i < LAYOUT.maxTrialBoots; i++) bootVersion(exhausted);
  for (let cut = 0; cut < BOOT_RECORD_BYTES; cut++) {
    const memory = new MemoryFlash(exhausted.bytes.slice());
    t.throws(() => selectBoot(new PowerCutFlash(memory, cut), LAYOUT, BOARD), { instanceOf: PowerCut });
    const choice = selectBoot(memory, LAYOUT, BOARD);
    t.is(choice.manifest.version, '1.0.0', `rollback cut at ${cut}`);
  }
});
