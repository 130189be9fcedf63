// The boot record: which slot boots and what state each slot is in, kept twice so a power cut
// while one copy is written leaves the other (byte layout in layout.ts).
import { crc32 } from './crc32.ts';
import type { FlashDevice } from './device.ts';
import type { FlashLayout } from './layout.ts';
import { newerSequence } from './layout.ts';

export type Slot = 0 | 1;
export type SlotState = 'empty' | 'good' | 'trial' | 'bad';
export type RollbackReason = 'unconfirmed' | 'verification' | 'unbootable';

export interface BootRecord {
  sequence: number;
  active: Slot;
  states: [SlotState, SlotState];
  /** Boot attempts of the active slot while it is trial. */
  attempts: number;
  /** The last rollback, kept so a host can report it later. */
  rollback: { from: Slot; reason: RollbackReason } | null;
}

export const BOOT_RECORD_MAGIC = 'QUIPBOOT';
export const BOOT_RECORD_FORMAT = 1;
export const BOOT_RECORD_BYTES = 64;
const CRC_AT = 60;
const NO_SLOT = 0xff;
const STATES: readonly SlotState[] = ['empty', 'good', 'trial', 'bad'];
const REASONS: readonly (RollbackReason | null)[] = [null, 'unconfirmed', 'verification', 'unbootable'];
const MAX_ATTEMPTS = 255;

/** A blank board: nothing installed yet. */
export function emptyRecord(): BootRecord {
  return { sequence: 0, active: 0, states: ['empty', 'empty'], attempts: 0, rollback: null };
}

export function encodeBootRecord(r: BootRecord): Uint8Array {
  const out = new Uint8Array(BOOT_RECORD_BYTES);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = BOOT_RECORD_MAGIC.charCodeAt(i);
  view.setUint16(8, BOOT_RECORD_FORMAT, true);
  view.setUint16(10, BOOT_RECORD_BYTES, true);
  view.setUint32(12, r.sequence >>> 0, true);
  out[16] = r.active;
  out[17] = STATES.indexOf(r.states[0]);
  out[18] = STATES.indexOf(r.states[1]);
  out[19] = Math.min(MAX_ATTEMPTS, Math.max(0, r.attempts));
  out[20] = r.rollback === null ? NO_SLOT : r.rollback.from;
  out[21] = r.rollback === null ? 0 : REASONS.indexOf(r.rollback.reason);
  view.setUint32(CRC_AT, crc32(out.subarray(0, CRC_AT)), true);
  return out;
}

/** The record in `bytes`, or null when it is not a valid one (blank, torn, garbage). */
export function decodeBootRecord(bytes: Uint8Array): BootRecord | null {
  if (bytes.length < BOOT_RECORD_BYTES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < 8; i++) if (bytes[i] !== BOOT_RECORD_MAGIC.charCodeAt(i)) return null;
  if (view.getUint16(8, true) !== BOOT_RECORD_FORMAT || view.getUint16(10, true) !== BOOT_RECORD_BYTES) return null;
  if (view.getUint32(CRC_AT, true) !== crc32(bytes.subarray(0, CRC_AT))) return null;
  const active = bytes[16]!;
  const a = STATES[bytes[17]!];
  const b = STATES[bytes[18]!];
  const from = bytes[20]!;
  const reason = REASONS[bytes[21]!];
  if ((active !== 0 && active !== 1) || a === undefined || b === undefined || reason === undefined) return null;
  if (from !== NO_SLOT && from !== 0 && from !== 1) return null;
  return {
    sequence: view.getUint32(12, true),
    active,
    states: [a, b],
    attempts: bytes[19]!,
    rollback: from === NO_SLOT || reason === null ? null : { from: from as Slot, reason },
  };
}

/** The current record and which copy holds it (-1: no valid copy, a blank or wrecked flash). */
export function readBootRecord(device: FlashDevice, layout: FlashLayout): { record: BootRecord; copy: -1 | 0 | 1 } {
  const copies = layout.bootRecords.map((r) => decodeBootRecord(device.read(r.offset, BOOT_RECORD_BYTES)));
  const [c0, c1] = copies;
  if (c0 && c1) return newerSequence(c1.sequence, c0.sequence) ? { record: c1, copy: 1 } : { record: c0, copy: 0 };
  if (c0) return { record: c0, copy: 0 };
  if (c1) return { record: c1, copy: 1 };
  return { record: emptyRecord(), copy: -1 };
}

/**
 * Commits `next` as the new current record: sequence + 1, into the copy that does not hold the
 * current one, then sync. Returns the record as written.
 */
export function writeBootRecord(device: FlashDevice, layout: FlashLayout, next: BootRecord): BootRecord {
  const { record: current, copy } = readBootRecord(device, layout);
  const written: BootRecord = { ...next, states: [...next.states], sequence: copy === -1 ? 1 : (current.sequence + 1) >>> 0 };
  const target = copy === 0 ? 1 : 0;
  device.write(layout.bootRecords[target].offset, encodeBootRecord(written));
  device.sync();
  return written;
}
