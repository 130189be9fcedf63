// The boot loader's decision, as pure functions over a FlashDevice: which slot boots, with the
// trial counting and rollback of layout.ts ("Boot"). A C boot loader does the same steps.
import type { ImageManifest } from '../../image/image.ts';
import { readBootRecord, writeBootRecord } from './boot-record.ts';
import type { BootRecord, RollbackReason, Slot } from './boot-record.ts';
import { FlashError } from './device.ts';
import type { FlashDevice } from './device.ts';
import { SLOT_NAMES } from './layout.ts';
import type { FlashLayout } from './layout.ts';
import { peekSlotHeader, verifySlot } from './slot-header.ts';
import type { VerifiedSlot } from './slot-header.ts';

export interface Rollback {
  from: Slot;
  to: Slot;
  reason: RollbackReason;
  /** A sentence: why the `from` slot was passed over. */
  detail: string;
  /** The version the `from` slot's header names, when it has a readable one. */
  fromVersion: string | null;
}

export interface BootChoice {
  slot: Slot;
  state: 'good' | 'trial';
  /** Which boot of a trial slot this is, 1..K; 0 for a good slot. */
  attempt: number;
  manifest: ImageManifest;
  /** The firmware bundle to run. */
  payload: Uint8Array;
  rollback: Rollback | null;
  /** Set when the boot record was unreadable and the loader picked a slot by verifying both. */
  recovered: string | null;
}

/** Neither slot holds bootable firmware; the message says why for each. */
export class NoBootableFirmware extends FlashError {
  constructor(readonly reasons: readonly [string, string]) {
    super(`no bootable firmware: slot A ${reasons[0]}; slot B ${reasons[1]}`);
    this.name = 'NoBootableFirmware';
  }
}

const other = (slot: Slot): Slot => (slot === 0 ? 1 : 0);

/**
 * Picks the slot to boot and commits what that decision changes (attempt count, bad slots,
 * rollback) to the boot record before returning, so a crash while the firmware runs counts.
 * Throws NoBootableFirmware when nothing can boot.
 */
export function selectBoot(device: FlashDevice, layout: FlashLayout, board: string, publicKey: Uint8Array | null = null): BootChoice {
  const { record: current, copy } = readBootRecord(device, layout);
  if (copy === -1) return recover(device, layout, board, publicKey);
  const rec: BootRecord = { ...current, states: [...current.states] };
  const why: [string, string] = ['', ''];
  let firstReason: RollbackReason = 'unbootable';
  const order: Slot[] = [rec.active, other(rec.active)];
  for (const [i, slot] of order.entries()) {
    const state = rec.states[slot];
    const verdict = judge(device, layout, board, publicKey, rec, slot, i === 0);
    if ('reason' in verdict) {
      why[slot] = verdict.why;
      if (state !== 'empty') rec.states[slot] = 'bad';
      if (i === 0) firstReason = verdict.reason;
      continue;
    }
    const bootState = state === 'trial' ? 'trial' : 'good';
    let rollback: Rollback | null = null;
    if (i === 1) {
      const from = order[0]!;
      rollback = { from, to: slot, reason: firstReason, detail: `slot ${SLOT_NAMES[from]} ${why[from]}`, fromVersion: peekSlotHeader(device, layout, from)?.version ?? null };
      rec.active = slot;
      rec.attempts = 0;
      rec.rollback = { from, reason: firstReason };
    }
    if (bootState === 'trial') rec.attempts++;
    if (changed(current, rec)) writeBootRecord(device, layout, rec);
    return {
      slot,
      state: bootState,
      attempt: bootState === 'trial' ? rec.attempts : 0,
      manifest: verdict.manifest,
      payload: verdict.payload,
      rollback,
      recovered: null,
    };
  }
  if (changed(current, rec)) writeBootRecord(device, layout, rec);
  throw new NoBootableFirmware(why);
}

/** Whether `slot` may boot: its verified image, or why not. */
function judge(
  device: FlashDevice,
  layout: FlashLayout,
  board: string,
  publicKey: Uint8Array | null,
  rec: BootRecord,
  slot: Slot,
  active: boolean,
): VerifiedSlot | { reason: RollbackReason; why: string } {
  const state = rec.states[slot];
  if (state === 'empty' || state === 'bad') return { reason: 'unbootable', why: `is ${state}` };
  if (state === 'trial' && active && rec.attempts >= layout.maxTrialBoots) {
    return { reason: 'unconfirmed', why: `was not confirmed after ${rec.attempts} boot attempts` };
  }
  const verified = verifySlot(device, layout, slot, board, publicKey);
  return typeof verified === 'string' ? { reason: 'verification', why: `failed verification: ${verified}` } : verified;
}

/** No valid boot record (blank or wrecked): boot the first slot that verifies, and say so. */
function recover(device: FlashDevice, layout: FlashLayout, board: string, publicKey: Uint8Array | null): BootChoice {
  const checks = ([0, 1] as const).map((slot) => verifySlot(device, layout, slot, board, publicKey));
  const slot = typeof checks[0] !== 'string' ? 0 : typeof checks[1] !== 'string' ? 1 : null;
  if (slot === null) {
    const blank = checks.every((c) => c === 'no slot header (empty or being written)');
    throw new NoBootableFirmware(blank ? ['is empty', 'is empty (a blank flash: write firmware with `quip flash`)'] : [`has no valid image (${checks[0]})`, `has no valid image (${checks[1]})`]);
  }
  const verified = checks[slot];
  if (typeof verified === 'string' || verified === undefined) throw new Error('unreachable');
  const otherOk = typeof checks[other(slot)] !== 'string';
  writeBootRecord(device, layout, {
    sequence: 0,
    active: slot,
    states: slot === 0 ? ['good', otherOk ? 'good' : 'empty'] : [otherOk ? 'good' : 'empty', 'good'],
    attempts: 0,
    rollback: null,
  });
  return {
    slot,
    state: 'good',
    attempt: 0,
    manifest: verified.manifest,
    payload: verified.payload,
    rollback: null,
    recovered: `boot record unreadable; slot ${SLOT_NAMES[slot]} holds a valid image and boots`,
  };
}

function changed(a: BootRecord, b: BootRecord): boolean {
  return (
    a.active !== b.active || a.states[0] !== b.states[0] || a.states[1] !== b.states[1] || a.attempts !== b.attempts ||
    a.rollback?.from !== b.rollback?.from || a.rollback?.reason !== b.rollback?.reason
  );
}

/** The firmware in `slot` booted healthily: a trial slot becomes good. True when the record changed. */
export function confirmBoot(device: FlashDevice, layout: FlashLayout, slot: Slot): boolean {
  const { record, copy } = readBootRecord(device, layout);
  if (copy === -1 || record.active !== slot || record.states[slot] !== 'trial') return false;
  const states: BootRecord['states'] = [...record.states];
  states[slot] = 'good';
  writeBootRecord(device, layout, { ...record, states, attempts: 0 });
  return true;
}
