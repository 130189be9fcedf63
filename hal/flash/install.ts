// Writes a firmware image into the slot that is not the newest good one and makes it the trial
// slot (layout.ts, "Install"). Every step before the last leaves the old boot record in force,
// so a power cut anywhere still boots the old firmware; the last step is one record write.
import { readImage } from '../../image/image.ts';
import { verifyImageSignature } from '../../image/signing.ts';
import type { ImageManifest } from '../../image/image.ts';
import { readBootRecord, writeBootRecord } from './boot-record.ts';
import type { BootRecord, Slot } from './boot-record.ts';
import { FlashError } from './device.ts';
import type { FlashDevice } from './device.ts';
import { SLOT_NAMES } from './layout.ts';
import type { FlashLayout } from './layout.ts';
import { SLOT_HEADER_BYTES, encodeSlotHeader, peekSlotHeader, slotHeaderFor, verifySlot } from './slot-header.ts';

export interface InstallProgress {
  /** The slot being written. */
  slot: Slot;
  phase: 'write' | 'verify' | 'commit';
  /** Bytes of the image written so far (write), or 0/1 (verify, commit). */
  done: number;
  total: number;
}

export interface InstallResult {
  slot: Slot;
  manifest: ImageManifest;
  /** The slot the board falls back to if the new one is not confirmed, with its version. */
  fallback: { slot: Slot; version: string } | null;
  imageBytes: number;
}

const CHUNK = 4096;

/** The slot an install writes: never the newest good one (the fallback). */
export function targetSlot(record: BootRecord): Slot {
  const { active, states } = record;
  const inactive: Slot = active === 0 ? 1 : 0;
  if (states[active] === 'good') return inactive;
  if (states[inactive] === 'good') return active;
  // No good slot: keep a trial one (it may be the only firmware there is).
  return states[active] === 'trial' ? inactive : active;
}

/**
 * Installs `image` (a QUIPFW01 file) for `board`. Throws ImageError for an image this board must
 * not run (nothing written) — with `publicKey`, an image not signed by it — and FlashError when
 * it does not fit or the read-back differs.
 */
export function installImage(
  device: FlashDevice,
  layout: FlashLayout,
  image: Uint8Array,
  board: string,
  onProgress: (p: InstallProgress) => void = () => {},
  publicKey: Uint8Array | null = null,
): InstallResult {
  const read = readImage(image, board);
  if (publicKey !== null) verifyImageSignature(read, publicKey);
  const { manifest } = read;
  const room = layout.slots[0].size - SLOT_HEADER_BYTES;
  if (image.length > room) throw new FlashError(`image is ${image.length} bytes, a slot holds ${room} (flash.slotKB in the board config)`);
  let { record } = readBootRecord(device, layout);
  const slot = targetSlot(record);
  const keep: Slot = slot === 0 ? 1 : 0;
  if (record.active === slot && (record.states[keep] === 'good' || record.states[keep] === 'trial')) {
    // Overwriting the active slot: first point the record at the one we keep.
    const states: BootRecord['states'] = [...record.states];
    states[slot] = 'empty';
    record = writeBootRecord(device, layout, { ...record, active: keep, states, attempts: 0 });
  }
  const region = layout.slots[slot];
  // A half-written slot must never carry a valid header.
  device.write(region.offset, new Uint8Array(SLOT_HEADER_BYTES));
  device.sync();
  for (let done = 0; done < image.length; ) {
    const n = Math.min(CHUNK, image.length - done);
    device.write(region.offset + SLOT_HEADER_BYTES + done, image.subarray(done, done + n));
    done += n;
    onProgress({ slot, phase: 'write', done, total: image.length });
  }
  device.sync();
  device.write(region.offset, encodeSlotHeader(slotHeaderFor(image, manifest)));
  device.sync();
  onProgress({ slot, phase: 'verify', done: 0, total: 1 });
  // The signature was checked above; the read-back only has to prove the bytes landed (SHA-256).
  const check = verifySlot(device, layout, slot, board);
  if (typeof check === 'string') throw new FlashError(`read-back of slot ${SLOT_NAMES[slot]} failed: ${check}; the board still boots its previous firmware`);
  onProgress({ slot, phase: 'verify', done: 1, total: 1 });
  const states: BootRecord['states'] = [...record.states];
  states[slot] = 'trial';
  writeBootRecord(device, layout, { ...record, active: slot, states, attempts: 0, rollback: null });
  onProgress({ slot, phase: 'commit', done: 1, total: 1 });
  const fallbackVersion = states[keep] === 'good' || states[keep] === 'trial' ? peekSlotHeader(device, layout, keep)?.version : undefined;
  return {
    slot,
    manifest,
    fallback: fallbackVersion === undefined ? null : { slot: keep, version: fallbackVersion },
    imageBytes: image.length,
  };
}
