// The HAL's key-value storage on the flash's storage partition: the whole store is one
// checksummed snapshot, written alternately to the two halves of the partition, so a power cut
// mid-write leaves the previous snapshot (byte layout in layout.ts). Bounded by half the
// partition: a set() that would not fit returns false and changes nothing.
import type { StorageHal } from '../contract.ts';
import { crc32 } from './crc32.ts';
import type { FlashDevice } from './device.ts';
import { newerSequence } from './layout.ts';
import type { Region } from './layout.ts';

export const STORAGE_MAGIC = 'QUIPKV01';
const HEADER_BYTES = 24;
const MAX_KEY_BYTES = 0xffff;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

interface Snapshot {
  sequence: number;
  entries: Map<string, string>;
}

export class FlashStorage implements StorageHal {
  private entries = new Map<string, string>();
  private sequence = 0;
  /** The half holding the current snapshot (-1: none yet). */
  private current: -1 | 0 | 1 = -1;
  private readonly half: number;

  constructor(
    private readonly device: FlashDevice,
    private readonly region: Region,
  ) {
    this.half = Math.floor(region.size / 2);
    const snapshots = [0, 1].map((i) => this.readHalf(i));
    const [a, b] = snapshots;
    const pick = a && b ? (newerSequence(b.sequence, a.sequence) ? 1 : 0) : a ? 0 : b ? 1 : -1;
    if (pick !== -1) {
      const s = snapshots[pick]!;
      this.entries = s.entries;
      this.sequence = s.sequence;
      this.current = pick as 0 | 1;
    }
  }

  /** Bytes one snapshot may take (header included). */
  get capacity(): number {
    return this.half;
  }

  get(key: string): string | null {
    return this.entries.get(key) ?? null;
  }

  set(key: string, value: string): boolean {
    if (!validKey(key) || typeof value !== 'string' || LONE_SURROGATE.test(value)) return false;
    if (this.entries.get(key) === value) return true;
    const next = new Map(this.entries);
    next.set(key, value);
    return this.commit(next);
  }

  remove(key: string): void {
    if (!this.entries.has(key)) return;
    const next = new Map(this.entries);
    next.delete(key);
    this.commit(next);
  }

  keys(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** Writes `next` as the new snapshot; false (and nothing changed) when it does not fit or the write fails. */
  private commit(next: Map<string, string>): boolean {
    const payload = encodeEntries(next);
    if (HEADER_BYTES + payload.length > this.half) return false;
    const sequence = this.current === -1 ? 1 : (this.sequence + 1) >>> 0;
    const target = this.current === 0 ? 1 : 0;
    const header = new Uint8Array(HEADER_BYTES);
    const view = new DataView(header.buffer);
    for (let i = 0; i < 8; i++) header[i] = STORAGE_MAGIC.charCodeAt(i);
    view.setUint32(8, sequence, true);
    view.setUint32(12, payload.length, true);
    view.setUint32(16, crc32(payload), true);
    view.setUint32(20, crc32(header.subarray(0, 20)), true);
    const out = new Uint8Array(HEADER_BYTES + payload.length);
    out.set(header);
    out.set(payload, HEADER_BYTES);
    try {
      this.device.write(this.region.offset + target * this.half, out);
      this.device.sync();
    } catch {
      return false; // the flash failed (or lost power): the old snapshot stands
    }
    this.entries = next;
    this.sequence = sequence;
    this.current = target;
    return true;
  }

  private readHalf(i: number): Snapshot | null {
    const at = this.region.offset + i * this.half;
    const header = this.device.read(at, HEADER_BYTES);
    const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
    for (let k = 0; k < 8; k++) if (header[k] !== STORAGE_MAGIC.charCodeAt(k)) return null;
    if (view.getUint32(20, true) !== crc32(header.subarray(0, 20))) return null;
    const length = view.getUint32(12, true);
    if (length > this.half - HEADER_BYTES) return null;
    const payload = this.device.read(at + HEADER_BYTES, length);
    if (crc32(payload) !== view.getUint32(16, true)) return null;
    const entries = decodeEntries(payload);
    return entries === null ? null : { sequence: view.getUint32(8, true), entries };
  }
}

function validKey(key: unknown): key is string {
  return typeof key === 'string' && key.length > 0 && !LONE_SURROGATE.test(key) && new TextEncoder().encode(key).length <= MAX_KEY_BYTES;
}

function encodeEntries(entries: Map<string, string>): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  let size = 4;
  for (const [k, v] of entries) {
    const kb = enc.encode(k);
    const vb = enc.encode(v);
    parts.push(kb, vb);
    size += 6 + kb.length + vb.length;
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, entries.size, true);
  let at = 4;
  for (let i = 0; i < parts.length; i += 2) {
    const kb = parts[i]!;
    const vb = parts[i + 1]!;
    view.setUint16(at, kb.length, true);
    view.setUint32(at + 2, vb.length, true);
    out.set(kb, at + 6);
    out.set(vb, at + 6 + kb.length);
    at += 6 + kb.length + vb.length;
  }
  return out;
}

/** The entries, or null when the payload is malformed (a checksum collision or a bug). */
function decodeEntries(payload: Uint8Array): Map<string, string> | null {
  const dec = new TextDecoder('utf-8', { fatal: true });
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  if (payload.length < 4) return null;
  const count = view.getUint32(0, true);
  const entries = new Map<string, string>();
  let at = 4;
  try {
    for (let i = 0; i < count; i++) {
      if (at + 6 > payload.length) return null;
      const kl = view.getUint16(at, true);
      const vl = view.getUint32(at + 2, true);
      if (at + 6 + kl + vl > payload.length) return null;
      entries.set(dec.decode(payload.subarray(at + 6, at + 6 + kl)), dec.decode(payload.subarray(at + 6 + kl, at + 6 + kl + vl)));
      at += 6 + kl + vl;
    }
  } catch {
    return null;
  }
  return at === payload.length ? entries : null;
}
