// The boot loader's choices: good slots, trial counting, rollback after K, verification
// failures, and nothing to boot.
import test from 'ava';
import { readBootRecord } from '../../hal/flash/boot-record.ts';
import { NoBootableFirmware, confirmBoot, selectBoot } from '../../hal/flash/bootloader.ts';
import { MemoryFlash } from '../../hal/flash/device.ts';
import { installImage, targetSlot } from '../../hal/flash/install.ts';
import { SLOT_HEADER_BYTES } from '../../hal/flash/slot-header.ts';
import { generateKeyPair, loadPrivateKey, publicKeyOf, signImage } from '../../image/signing.ts';
import { BOARD, LAYOUT, bootVersion, flashWithGood, image } from './fixtures.ts';

test('a good slot boots as it is, without writing the boot record', (t) => {
  const flash = flashWithGood('1.0.0');
  const before = flash.bytes.slice(0, 2 * LAYOUT.eraseSize);
  const choice = selectBoot(flash, LAYOUT, BOARD);
  t.is(choice.slot, 0);
  t.is(choice.state, 'good');
  t.is(choice.attempt, 0);
  t.is(choice.manifest.version, '1.0.0');
  t.regex(new TextDecoder().decode(choice.payload), /^globalThis\.quipFirmware=/);
  t.is(choice.rollback, null);
  t.deepEqual(flash.bytes.slice(0, 2 * LAYOUT.eraseSize), before);
});

test('a newly installed slot is trial: each boot counts, confirmation makes it good', (t) => {
  const flash = flashWithGood('1.0.0');
  const result = installImage(flash, LAYOUT, image('2.0.0'), BOARD);
  t.is(result.slot, 1);
  t.deepEqual(result.fallback, { slot: 0, version: '1.0.0' });
  for (const attempt of [1, 2, 3]) {
    const choice = selectBoot(flash, LAYOUT, BOARD);
    t.deepEqual([choice.slot, choice.state, choice.attempt, choice.manifest.version], [1, 'trial', attempt, '2.0.0']);
    t.is(readBootRecord(flash, LAYOUT).record.attempts, attempt, 'counted before the firmware runs');
  }
  t.true(confirmBoot(flash, LAYOUT, 1));
  t.false(confirmBoot(flash, LAYOUT, 1), 'a second confirmation changes nothing');
  const choice = selectBoot(flash, LAYOUT, BOARD);
  t.deepEqual([choice.slot, choice.state, choice.attempt], [1, 'good', 0]);
  t.deepEqual(readBootRecord(flash, LAYOUT).record.states, ['good', 'good']);
});

test(`a trial slot not confirmed after K (${LAYOUT.maxTrialBoots}) boots is marked bad and the board rolls back`, (t) => {
  const flash = flashWithGood('1.0.0');
  installImage(flash, LAYOUT, image('2.0.0'), BOARD);
  for (let i = 0; i < LAYOUT.maxTrialBoots; i++) t.is(bootVersion(flash), '2.0.0');
  const choice = selectBoot(flash, LAYOUT, BOARD);
  t.is(choice.manifest.version, '1.0.0');
  t.is(choice.slot, 0);
  t.deepEqual(choice.rollback, {
    from: 1,
    to: 0,
    reason: 'unconfirmed',
    detail: `slot B was not confirmed after ${LAYOUT.maxTrialBoots} boot attempts`,
    fromVersion: '2.0.0',
  });
  const { record } = readBootRecord(flash, LAYOUT);
  t.deepEqual(record.states, ['good', 'bad']);
  t.deepEqual(record.rollback, { from: 1, reason: 'unconfirmed' });
  // It stays rolled back, and says nothing more about it.
  const next = selectBoot(flash, LAYOUT, BOARD);
  t.is(next.manifest.version, '1.0.0');
  t.is(next.rollback, null);
  // A late confirmation from the bad slot does nothing.
  t.false(confirmBoot(flash, LAYOUT, 1));
});

test('an active slot that fails verification boots the other one, and the record says why', (t) => {
  const flash = flashWithGood('1.0.0');
  installImage(flash, LAYOUT, image('2.0.0'), BOARD);
  confirmBoot(flash, LAYOUT, selectBoot(flash, LAYOUT, BOARD).slot);
  flash.bytes[LAYOUT.slots[1].offset + SLOT_HEADER_BYTES + 5000]! ^= 1; // bit rot in slot B's image
  const choice = selectBoot(flash, LAYOUT, BOARD);
  t.is(choice.manifest.version, '1.0.0');
  t.is(choice.rollback?.reason, 'verification');
  t.regex(choice.rollback!.detail, /^slot B failed verification: image SHA-256 is/);
  t.deepEqual(readBootRecord(flash, LAYOUT).record.states, ['good', 'bad']);
});

test('a slot header for another board fails verification', (t) => {
  const flash = new MemoryFlash(LAYOUT.size);
  installImage(flash, LAYOUT, image('1.0.0', 20000, 'small2'), 'small2');
  const e = t.throws(() => selectBoot(flash, LAYOUT, BOARD), { instanceOf: NoBootableFirmware });
  t.regex(e!.message, /slot A failed verification: slot holds firmware for small2, this board is desk6/);
});

/** A fresh signing key: the private key and the raw public key a board config would hold. */
function signingKey(): { sign(image: Uint8Array): Uint8Array; publicKey: Uint8Array } {
  const key = loadPrivateKey(generateKeyPair().privateKeyPem);
  return { sign: (image) => signImage(image, key), publicKey: publicKeyOf(key) };
}

test('verified boot: with the board key only signed images boot; an unsigned or foreign one written behind the installer falls back', (t) => {
  const ours = signingKey();
  const theirs = signingKey();
  const flash = new MemoryFlash(LAYOUT.size);
  installImage(flash, LAYOUT, ours.sign(image('1.0.0')), BOARD, () => {}, ours.publicKey);
  confirmBoot(flash, LAYOUT, selectBoot(flash, LAYOUT, BOARD, ours.publicKey).slot);
  // Something writes slot B without the key check (a tampered flash, an old tool): the loader
  // itself refuses to run it, and the board stays on the signed firmware.
  for (const [bad, why] of [
    [image('2.0.0'), /^slot B failed verification: unsigned image refused: this board only accepts images signed by key [0-9a-f]{16}$/],
    [theirs.sign(image('2.0.0')), /^slot B failed verification: image signed by key [0-9a-f]{16}, but this board only accepts/],
  ] as const) {
    installImage(flash, LAYOUT, bad, BOARD); // no key: the installer does not check
    t.is(selectBoot(flash, LAYOUT, BOARD).manifest.version, '2.0.0', 'a board without a key would boot it');
    const choice = selectBoot(flash, LAYOUT, BOARD, ours.publicKey);
    t.is(choice.manifest.version, '1.0.0');
    t.is(choice.rollback?.reason, 'verification');
    t.regex(choice.rollback!.detail, why);
  }
  // A correctly signed update boots.
  installImage(flash, LAYOUT, ours.sign(image('3.0.0')), BOARD, () => {}, ours.publicKey);
  t.is(selectBoot(flash, LAYOUT, BOARD, ours.publicKey).manifest.version, '3.0.0');
  // A boot record lost with only unsigned firmware left: nothing boots, and it says why.
  const unsigned = new MemoryFlash(LAYOUT.size);
  installImage(unsigned, LAYOUT, image('1.0.0'), BOARD);
  unsigned.bytes.fill(0xff, 0, 2 * LAYOUT.eraseSize);
  const e = t.throws(() => selectBoot(unsigned, LAYOUT, BOARD, ours.publicKey), { instanceOf: NoBootableFirmware });
  t.regex(e!.message, /slot A has no valid image \(unsigned image refused/);
});

test('with the board key the installer refuses an unsigned image before writing anything', (t) => {
  const ours = signingKey();
  const flash = flashWithGood('1.0.0');
  const before = flash.bytes.slice();
  t.throws(() => installImage(flash, LAYOUT, image('2.0.0'), BOARD, () => {}, ours.publicKey), { message: /^unsigned image refused/ });
  t.throws(() => installImage(flash, LAYOUT, signingKey().sign(image('2.0.0')), BOARD, () => {}, ours.publicKey), { message: /but this board only accepts/ });
  t.deepEqual(flash.bytes, before);
});

test('nothing valid: a clear error, never a crash', (t) => {
  const blank = new MemoryFlash(LAYOUT.size);
  const e1 = t.throws(() => selectBoot(blank, LAYOUT, BOARD), { instanceOf: NoBootableFirmware });
  t.regex(e1!.message, /^no bootable firmware: slot A is empty; slot B is empty \(a blank flash: write firmware with `quip flash`\)/);

  const garbage = new MemoryFlash(LAYOUT.size);
  for (let i = 0; i < garbage.size; i++) garbage.bytes[i] = (i * 7919) & 0xff;
  t.throws(() => selectBoot(garbage, LAYOUT, BOARD), { instanceOf: NoBootableFirmware });

  // The only firmware crashes K times: no slot to roll back to.
  const lonely = new MemoryFlash(LAYOUT.size);
  installImage(lonely, LAYOUT, image('1.0.0'), BOARD);
  for (let i = 0; i < LAYOUT.maxTrialBoots; i++) t.is(bootVersion(lonely), '1.0.0');
  const e2 = t.throws(() => selectBoot(lonely, LAYOUT, BOARD), { instanceOf: NoBootableFirmware });
  t.is(e2!.message, `no bootable firmware: slot A was not confirmed after ${LAYOUT.maxTrialBoots} boot attempts; slot B is empty`);
});

test('a wrecked boot record: the loader boots a slot that verifies and writes a fresh record', (t) => {
  const flash = flashWithGood('1.0.0');
  installImage(flash, LAYOUT, image('2.0.0'), BOARD);
  flash.bytes.fill(0x5a, 0, 2 * LAYOUT.eraseSize);
  const choice = selectBoot(flash, LAYOUT, BOARD);
  t.is(choice.manifest.version, '1.0.0');
  t.regex(choice.recovered!, /boot record unreadable; slot A holds a valid image/);
  const { record, copy } = readBootRecord(flash, LAYOUT);
  t.not(copy, -1);
  t.deepEqual(record.states, ['good', 'good']);
});

test('installs go to the slot that is not the newest good one', (t) => {
  t.is(targetSlot({ sequence: 1, active: 0, states: ['good', 'good'], attempts: 0, rollback: null }), 1);
  t.is(targetSlot({ sequence: 1, active: 1, states: ['good', 'trial'], attempts: 1, rollback: null }), 1, 'replace the trial, keep the good');
  t.is(targetSlot({ sequence: 1, active: 0, states: ['bad', 'good'], attempts: 0, rollback: null }), 0);
  t.is(targetSlot({ sequence: 1, active: 0, states: ['trial', 'empty'], attempts: 1, rollback: null }), 1);
  t.is(targetSlot({ sequence: 0, active: 0, states: ['empty', 'empty'], attempts: 0, rollback: null }), 0);

  // Reflashing over an unconfirmed trial slot keeps the good fallback.
  const flash = flashWithGood('1.0.0');
  installImage(flash, LAYOUT, image('2.0.0'), BOARD);
  selectBoot(flash, LAYOUT, BOARD);
  const again = installImage(flash, LAYOUT, image('3.0.0'), BOARD);
  t.is(again.slot, 1);
  t.deepEqual(again.fallback, { slot: 0, version: '1.0.0' });
  t.is(bootVersion(flash), '3.0.0');
  t.is(readBootRecord(flash, LAYOUT).record.attempts, 1, 'a fresh trial count');
});

test('an image that does not fit or is not for this board is refused before anything is written', (t) => {
  const flash = flashWithGood('1.0.0');
  const before = flash.bytes.slice();
  t.throws(() => installImage(flash, LAYOUT, image('2.0.0', 70000), BOARD), { message: /a slot holds 65280/ });
  t.throws(() => installImage(flash, LAYOUT, image('2.0.0', 1000, 'small2'), BOARD), { message: /image is for small2, this board is desk6/ });
  const truncated = image('2.0.0').subarray(0, 15000);
  t.throws(() => installImage(flash, LAYOUT, truncated, BOARD), { message: /truncated/ });
  t.deepEqual(flash.bytes, before);
  t.is(bootVersion(flash), '1.0.0');
});
