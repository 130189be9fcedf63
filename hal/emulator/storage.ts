// StorageHal for the desktop emulator: one file per key in a directory, so the phone's
// settings survive reboots of the emulated firmware and can be inspected by hand.
//
// Writes are atomic (temp file in the same directory, fsync, rename): a crash leaves the old
// or the new value, never a mix. Key names are escaped into safe file names, so no key can
// reach outside the directory.
import fs from 'node:fs';
import path from 'node:path';
import { syncDirectory, tryUnlink, writeFileAtomically } from '../node/atomic-file.ts';
import type { StorageHal } from '../contract.ts';

export interface DirectoryStorageOptions {
  /** Longest key in UTF-16 code units; default 128. */
  maxKeyLength?: number;
  /** Largest value in UTF-8 bytes; default 256 KiB. */
  maxValueBytes?: number;
}

/** Temp files start with a dot, which no escaped key does, so they never show up as keys. */
const TEMP_PREFIX = '.tmp-';
/** Common file-system limit on one file name (ext4, APFS, NTFS). */
const MAX_FILE_NAME = 255;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export class DirectoryStorage implements StorageHal {
  private readonly maxKeyLength: number;
  private readonly maxValueBytes: number;
  private tempCounter = 0;
  private closed = false;

  /** Creates `dir` if missing and deletes temp files a crash may have left behind. */
  constructor(
    readonly dir: string,
    options: DirectoryStorageOptions = {},
  ) {
    this.maxKeyLength = options.maxKeyLength ?? 128;
    this.maxValueBytes = options.maxValueBytes ?? 256 * 1024;
    fs.mkdirSync(dir, { recursive: true });
    for (const name of fs.readdirSync(dir)) {
      if (name.startsWith(TEMP_PREFIX)) tryUnlink(path.join(dir, name));
    }
  }

  get(key: string): string | null {
    const file = this.fileFor(key);
    if (file === null) return null;
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return null;
    }
  }

  set(key: string, value: string): boolean {
    const file = this.fileFor(key);
    if (file === null || typeof value !== 'string' || LONE_SURROGATE.test(value)) return false;
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.length > this.maxValueBytes) return false;
    const temp = path.join(this.dir, `${TEMP_PREFIX}${process.pid}-${++this.tempCounter}`);
    try {
      writeFileAtomically(file, bytes, temp);
      return true;
    } catch {
      return false;
    }
  }

  remove(key: string): void {
    const file = this.fileFor(key);
    if (file === null) return;
    tryUnlink(file);
    syncDirectory(this.dir);
  }

  keys(): string[] {
    if (this.closed) return [];
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    const keys: string[] = [];
    for (const name of names) {
      const key = decodeKey(name);
      if (key !== null) keys.push(key);
    }
    return keys.sort();
  }

  /** Nothing is held open; afterwards every call fails softly (a rebooting host drops it). */
  close(): void {
    this.closed = true;
  }

  /** The file for a valid key, or null when the key is unusable. */
  private fileFor(key: unknown): string | null {
    if (this.closed || typeof key !== 'string' || key.length === 0 || key.length > this.maxKeyLength) return null;
    if (LONE_SURROGATE.test(key)) return null;
    const name = encodeKey(key);
    return name.length <= MAX_FILE_NAME ? path.join(this.dir, name) : null;
  }
}

/**
 * Escapes a key into a file name that is safe and unique even on case-insensitive file
 * systems: [a-z0-9_-] stay, '.' stays unless first or last (so no '.', '..', hidden or
 * Windows-trimmed names), an upper-case letter becomes '+' and its lower case, anything
 * else becomes '%XX' per UTF-8 byte.
 */
export function encodeKey(key: string): string {
  let out = '';
  const last = key.length - 1;
  for (let i = 0; i < key.length; i++) {
    const ch = key[i]!;
    if (/[a-z0-9_-]/.test(ch) || (ch === '.' && i !== 0 && i !== last)) out += ch;
    else if (/[A-Z]/.test(ch)) out += '+' + ch.toLowerCase();
    else {
      // take the whole surrogate pair so it encodes as one code point
      const cp = key.codePointAt(i)!;
      if (cp > 0xffff) i++;
      for (const byte of Buffer.from(String.fromCodePoint(cp), 'utf8')) out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return out;
}

/** Inverse of encodeKey; null for names encodeKey never produces (temp files, strays). */
export function decodeKey(name: string): string | null {
  const bytes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]!;
    if (ch === '+' && /^[a-z]$/.test(name[i + 1] ?? '')) {
      bytes.push(name.charCodeAt(++i) - 32);
    } else if (ch === '%' && /^[0-9A-F]{2}$/.test(name.slice(i + 1, i + 3))) {
      bytes.push(parseInt(name.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (/[a-z0-9_.-]/.test(ch)) {
      bytes.push(ch.charCodeAt(0));
    } else {
      return null;
    }
  }
  let key: string;
  try {
    key = new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    return null;
  }
  // Only the canonical spelling counts, so one key never maps to two files.
  return key.length > 0 && encodeKey(key) === name ? key : null;
}

/** StorageHal in memory: for phones whose settings need not outlive the process (benches, simulations). */
export class MemoryStorage implements StorageHal {
  private readonly map = new Map<string, string>();
  get(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  set(key: string, value: string): boolean {
    this.map.set(key, value);
    return true;
  }
  remove(key: string): void {
    this.map.delete(key);
  }
  keys(): string[] {
    return [...this.map.keys()];
  }
}
