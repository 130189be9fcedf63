// A slot's header and its verification: the header says how long the image is and what its
// SHA-256 must be; the image (QUIPFW01, image/image.ts) then passes its own checks (layout.ts).
import { createHash } from 'node:crypto';
import { ImageError, readImage } from '../../image/image.ts';
import { verifyImageSignature } from '../../image/signing.ts';
import type { ImageManifest } from '../../image/image.ts';
import { crc32 } from './crc32.ts';
import type { FlashDevice } from './device.ts';
import type { FlashLayout } from './layout.ts';
import type { Slot } from './boot-record.ts';

export const SLOT_MAGIC = 'QUIPSLOT';
export const SLOT_HEADER_FORMAT = 1;
export const SLOT_HEADER_BYTES = 256;
const CRC_AT = 252;
const BOARD_AT = 48;
const BOARD_BYTES = 32;
const VERSION_AT = 80;
const VERSION_BYTES = 64;

export interface SlotHeader {
  imageLength: number;
  /** Lower-case hex. */
  sha256: string;
  board: string;
  version: string;
}

function putText(out: Uint8Array, at: number, max: number, text: string): void {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length > max) throw new ImageError(`slot header: "${text.slice(0, 40)}" is longer than ${max} bytes`);
  out.set(bytes, at);
}

function getText(bytes: Uint8Array, at: number, max: number): string {
  const field = bytes.subarray(at, at + max);
  const end = field.indexOf(0);
  return new TextDecoder().decode(end < 0 ? field : field.subarray(0, end));
}

export function encodeSlotHeader(h: SlotHeader): Uint8Array {
  const out = new Uint8Array(SLOT_HEADER_BYTES);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = SLOT_MAGIC.charCodeAt(i);
  view.setUint16(8, SLOT_HEADER_FORMAT, true);
  view.setUint16(10, SLOT_HEADER_BYTES, true);
  view.setUint32(12, h.imageLength, true);
  out.set(Buffer.from(h.sha256, 'hex'), 16);
  putText(out, BOARD_AT, BOARD_BYTES, h.board);
  putText(out, VERSION_AT, VERSION_BYTES, h.version);
  view.setUint32(CRC_AT, crc32(out.subarray(0, CRC_AT)), true);
  return out;
}

/** The header in `bytes`, or a sentence saying why it is not one. */
export function decodeSlotHeader(bytes: Uint8Array): SlotHeader | string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < 8; i++) if (bytes[i] !== SLOT_MAGIC.charCodeAt(i)) return 'no slot header (empty or being written)';
  if (view.getUint16(8, true) !== SLOT_HEADER_FORMAT) return `slot header format ${view.getUint16(8, true)} is not ${SLOT_HEADER_FORMAT}`;
  if (view.getUint16(10, true) !== SLOT_HEADER_BYTES) return 'slot header length is wrong';
  if (view.getUint32(CRC_AT, true) !== crc32(bytes.subarray(0, CRC_AT))) return 'slot header checksum mismatch';
  return {
    imageLength: view.getUint32(12, true),
    sha256: Buffer.from(bytes.subarray(16, 48)).toString('hex'),
    board: getText(bytes, BOARD_AT, BOARD_BYTES),
    version: getText(bytes, VERSION_AT, VERSION_BYTES),
  };
}

export function slotHeaderFor(image: Uint8Array, manifest: ImageManifest): SlotHeader {
  return {
    imageLength: image.length,
    sha256: createHash('sha256').update(image).digest('hex'),
    board: manifest.board,
    version: manifest.version,
  };
}

export interface VerifiedSlot {
  header: SlotHeader;
  image: Uint8Array;
  manifest: ImageManifest;
  payload: Uint8Array;
}

/** Reads a slot's header only (for reports); null when there is no valid one. */
export function peekSlotHeader(device: FlashDevice, layout: FlashLayout, slot: Slot): SlotHeader | null {
  const h = decodeSlotHeader(device.read(layout.slots[slot].offset, SLOT_HEADER_BYTES));
  return typeof h === 'string' ? null : h;
}

/** Verifies a slot as the boot loader does: the image, or a sentence saying what is wrong. */
/**
 * Verifies the image in `slot` for `board`: header, SHA-256, image layout and manifest, and,
 * when the board has a public key (verified boot), the image's Ed25519 signature. The verified
 * image, or why it must not boot.
 */
export function verifySlot(device: FlashDevice, layout: FlashLayout, slot: Slot, board: string, publicKey: Uint8Array | null = null): VerifiedSlot | string {
  const region = layout.slots[slot];
  const header = decodeSlotHeader(device.read(region.offset, SLOT_HEADER_BYTES));
  if (typeof header === 'string') return header;
  if (header.board !== board) return `slot holds firmware for ${header.board || '(no board)'}, this board is ${board}`;
  if (header.imageLength === 0 || header.imageLength > region.size - SLOT_HEADER_BYTES) {
    return `slot header says the image is ${header.imageLength} bytes, the slot holds at most ${region.size - SLOT_HEADER_BYTES}`;
  }
  const image = device.read(region.offset + SLOT_HEADER_BYTES, header.imageLength);
  const actual = createHash('sha256').update(image).digest('hex');
  if (actual !== header.sha256) return `image SHA-256 is ${actual.slice(0, 16)}…, the slot header says ${header.sha256.slice(0, 16)}…`;
  try {
    const read = readImage(image, board);
    const { manifest, payload } = read;
    if (manifest.version !== header.version) return `slot header says version ${header.version}, the image ${manifest.version}`;
    if (publicKey !== null) verifyImageSignature(read, publicKey);
    return { header, image, manifest, payload };
  } catch (e) {
    if (e instanceof ImageError) return e.message;
    throw e;
  }
}
