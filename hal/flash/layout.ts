// The on-flash format of a quip board, byte-exact, so a C boot loader can implement it.
// All integers are little-endian; every checksum is CRC-32 (zlib/IEEE 802.3, see crc32.ts).
// E = the erase block (flash.eraseKB, default 4 KiB), S = flash.slotKB, T = flash.storageKB.
//
//   offset          size   what
//   0               E      boot record, copy 0   (boot-record.ts)
//   E               E      boot record, copy 1
//   2E              S      slot A: slot header (256 bytes) + QUIPFW01 image (slot-header.ts)
//   2E + S          S      slot B
//   2E + 2S         T      storage partition: two key-value snapshots of T/2 each (flash-storage.ts)
//   2E + 2S + T     ...    unused up to flash.sizeKB
//
// Boot record (64 bytes at the start of each copy):
//   0   8  magic "QUIPBOOT"            16  u8  active slot (0 = A, 1 = B)
//   8   u16 format (1)                 17  u8  state of slot A: 0 empty, 1 good, 2 trial, 3 bad
//   10  u16 record length (64)         18  u8  state of slot B
//   12  u32 sequence                   19  u8  boot attempts of the active slot while trial
//   20  u8  last rollback: from slot (0xFF = none)
//   21  u8  last rollback reason: 0 none, 1 not confirmed after K boots, 2 failed verification,
//           3 slot empty or bad
//   22  38 bytes reserved (0)          60  u32 CRC-32 of bytes 0..59
//   The valid copy (magic, format, length, CRC) with the newer sequence (serial arithmetic:
//   a is newer than b when (a - b) mod 2^32 is in 1..2^31-1) is current. A writer always
//   overwrites the other copy with sequence + 1, so a power cut mid-write leaves the current
//   one intact. No valid copy: the loader boots any slot whose image verifies (A first).
//
// Slot header (256 bytes at the start of a slot; the image follows at slot offset 256):
//   0   8  magic "QUIPSLOT"            48  32 board id, ASCII, NUL-padded
//   8   u16 format (1)                 80  64 version, UTF-8, NUL-padded
//   10  u16 header length (256)        144 108 bytes reserved (0)
//   12  u32 image length in bytes      252 u32 CRC-32 of bytes 0..251
//   16  32 SHA-256 of the image
//   The image is the QUIPFW01 file `quip build` writes (image/image.ts): its manifest's
//   board, size and payload SHA-256 are checked too.
//
// Storage snapshot (at the start of each half of the storage partition):
//   0   8  magic "QUIPKV01"            16  u32 CRC-32 of the payload
//   8   u32 sequence                   20  u32 CRC-32 of bytes 0..19
//   12  u32 payload length             24  payload: u32 entry count, then per entry
//                                          u16 key length, u32 value length, key, value (UTF-8)
//   Newest valid snapshot wins (same sequence rule); a write goes to the other half.
//
// Boot (bootloader.ts): take the active slot. A trial slot whose attempt count has reached K
// (flash.maxTrialBoots) is marked bad; otherwise its count is incremented and the record
// written BEFORE the image runs, so a crash loop counts. A slot that is empty, bad or fails
// verification (header CRC, magic, board, length, image SHA-256, manifest) is passed over
// for the other slot if that one is good or trial; the record then names the new active slot
// and why (the rollback). The firmware confirms a healthy boot (system.bootOk): trial → good.
//
// Install (install.ts): into the slot that is not the newest good one: invalidate its header,
// write the image, write the header, sync, read back and verify, then commit a boot record
// that makes it active and trial. A power cut at any byte leaves a bootable board.
import { FlashError } from './flash-error.ts';

/** The board config's `flash` section (sizes in KiB). */
export interface FlashConfig {
  sizeKB: number;
  slotKB: number;
  storageKB: number;
  /** Erase block; every partition starts on one. Default 4. */
  eraseKB?: number;
  /** K: boots a trial slot gets before the boot loader rolls back. Default 3. */
  maxTrialBoots?: number;
  /** N: seconds of running without a crash after which the firmware confirms its boot. Default 30. */
  confirmAfterS?: number;
}

export interface Region {
  offset: number;
  size: number;
}

export interface FlashLayout {
  size: number;
  eraseSize: number;
  /** The two boot record copies (one erase block each). */
  bootRecords: readonly [Region, Region];
  /** Slot A and slot B. */
  slots: readonly [Region, Region];
  storage: Region;
  maxTrialBoots: number;
  confirmAfterS: number;
}

export const DEFAULT_ERASE_KB = 4;
export const DEFAULT_MAX_TRIAL_BOOTS = 3;
export const DEFAULT_CONFIRM_AFTER_S = 30;
export const ERASE_KB_CHOICES = [1, 2, 4, 8, 16, 32, 64] as const;
/** The smallest slot that holds a header and a useful image. */
export const MIN_SLOT_KB = 64;
export const SLOT_NAMES = ['A', 'B'] as const;

/** What is wrong with a flash section, as [field, problem], or null when it fits. */
export function flashConfigProblem(flash: FlashConfig): [field: string, problem: string] | null {
  const erase = flash.eraseKB ?? DEFAULT_ERASE_KB;
  for (const field of ['sizeKB', 'slotKB', 'storageKB'] as const) {
    if (flash[field] % erase !== 0) return [field, `expected a multiple of the ${erase} KiB erase block, got ${flash[field]}`];
  }
  if ((flash.storageKB / erase) % 2 !== 0) {
    return ['storageKB', `expected an even number of ${erase} KiB erase blocks (two alternating copies), got ${flash.storageKB} KiB`];
  }
  const needed = 2 * erase + 2 * flash.slotKB + flash.storageKB;
  if (needed > flash.sizeKB) {
    return ['sizeKB', `boot record (2 × ${erase}) + slots (2 × ${flash.slotKB}) + storage (${flash.storageKB}) need ${needed} KiB, the flash has ${flash.sizeKB}`];
  }
  return null;
}

/** Offsets and sizes of every partition; throws FlashError when they do not fit. */
export function flashLayout(flash: FlashConfig): FlashLayout {
  const problem = flashConfigProblem(flash);
  if (problem) throw new FlashError(`flash.${problem[0]}: ${problem[1]}`);
  const kb = 1024;
  const e = (flash.eraseKB ?? DEFAULT_ERASE_KB) * kb;
  const s = flash.slotKB * kb;
  return {
    size: flash.sizeKB * kb,
    eraseSize: e,
    bootRecords: [{ offset: 0, size: e }, { offset: e, size: e }],
    slots: [{ offset: 2 * e, size: s }, { offset: 2 * e + s, size: s }],
    storage: { offset: 2 * e + 2 * s, size: flash.storageKB * kb },
    maxTrialBoots: flash.maxTrialBoots ?? DEFAULT_MAX_TRIAL_BOOTS,
    confirmAfterS: flash.confirmAfterS ?? DEFAULT_CONFIRM_AFTER_S,
  };
}

/** Serial-number comparison of u32 sequences (RFC 1982): true when `a` is newer than `b`. */
export function newerSequence(a: number, b: number): boolean {
  const d = (a - b) >>> 0;
  return d !== 0 && d < 0x80000000;
}
