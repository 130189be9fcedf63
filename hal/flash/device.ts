// The raw flash a boot loader sees: a fixed-size byte array it reads, writes and syncs. The
// boot loader, installer and storage are written against this interface only, so tests run
// them on memory (and on a memory that loses power after N bytes) and the emulator on a file.
import fs from 'node:fs';
import { FlashError } from './flash-error.ts';

export interface FlashDevice {
  /** Bytes on the device. */
  readonly size: number;
  /** A copy of `length` bytes at `offset`. */
  read(offset: number, length: number): Uint8Array;
  /** Writes may be cut short by a power cut: bytes before the cut land, later ones do not. */
  write(offset: number, bytes: Uint8Array): void;
  /** Returns once everything written so far is durable. */
  sync(): void;
}

// FlashError lives in a module without Node imports, so pure code (layout.ts) can throw it.
export { FlashError } from './flash-error.ts';

/** Thrown by PowerCutFlash when the power goes: nothing after the cut reached the flash. */
export class PowerCut extends Error {
  constructor() {
    super('power cut');
    this.name = 'PowerCut';
  }
}

/** Erased NOR flash reads 0xFF. */
export const ERASED = 0xff;

function checkRange(size: number, offset: number, length: number): void {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new FlashError(`flash access ${offset}+${length} is outside the ${size}-byte device`);
  }
}

export class MemoryFlash implements FlashDevice {
  readonly bytes: Uint8Array;

  constructor(sizeOrBytes: number | Uint8Array) {
    this.bytes = typeof sizeOrBytes === 'number' ? new Uint8Array(sizeOrBytes).fill(ERASED) : sizeOrBytes;
  }

  get size(): number {
    return this.bytes.length;
  }

  read(offset: number, length: number): Uint8Array {
    checkRange(this.size, offset, length);
    return this.bytes.slice(offset, offset + length);
  }

  write(offset: number, bytes: Uint8Array): void {
    checkRange(this.size, offset, bytes.length);
    this.bytes.set(bytes, offset);
  }

  sync(): void {}
}

/** Memory flash whose power fails after `budget` more written bytes (for power-cut tests). */
export class PowerCutFlash implements FlashDevice {
  written = 0;
  /** True once a write ran past the budget: the board is off. */
  cut = false;

  constructor(
    private readonly inner: MemoryFlash,
    private readonly budget: number,
  ) {}

  get size(): number {
    return this.inner.size;
  }

  read(offset: number, length: number): Uint8Array {
    if (this.cut) throw new PowerCut();
    return this.inner.read(offset, length);
  }

  write(offset: number, bytes: Uint8Array): void {
    if (this.cut) throw new PowerCut();
    const landed = Math.min(this.budget - this.written, bytes.length);
    this.inner.write(offset, bytes.subarray(0, landed));
    this.written += landed;
    if (landed < bytes.length) {
      this.cut = true;
      throw new PowerCut();
    }
  }

  sync(): void {
    if (this.cut) throw new PowerCut();
  }
}

/** A raw flash image file of exactly `expectedSize` bytes (the emulator's and `quip flash`'s). */
export class FileFlash implements FlashDevice {
  readonly size: number;
  private fd: number | null;

  constructor(
    readonly file: string,
    expectedSize: number,
  ) {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r+');
    } catch (e) {
      throw new FlashError(`cannot open flash file ${file}: ${(e as Error).message}`);
    }
    const size = fs.fstatSync(fd).size;
    if (size !== expectedSize) {
      fs.closeSync(fd);
      throw new FlashError(`flash file ${file} is ${size} bytes, this board's flash is ${expectedSize} bytes (flash.sizeKB in the board config)`);
    }
    this.fd = fd;
    this.size = size;
  }

  /** Creates an erased (all 0xFF) flash file; refuses to replace an existing one. */
  static create(file: string, size: number): void {
    const chunk = Buffer.alloc(Math.min(size, 64 * 1024), ERASED);
    let fd: number;
    try {
      fd = fs.openSync(file, 'wx');
    } catch (e) {
      throw new FlashError(`cannot create flash file ${file}: ${(e as Error).message}`);
    }
    try {
      for (let done = 0; done < size; ) done += fs.writeSync(fd, chunk, 0, Math.min(chunk.length, size - done), done);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  read(offset: number, length: number): Uint8Array {
    checkRange(this.size, offset, length);
    const out = new Uint8Array(length);
    for (let done = 0; done < length; ) {
      const n = fs.readSync(this.handle(), out, done, length - done, offset + done);
      if (n === 0) throw new FlashError(`flash file ${this.file} ended early at ${offset + done}`);
      done += n;
    }
    return out;
  }

  write(offset: number, bytes: Uint8Array): void {
    checkRange(this.size, offset, bytes.length);
    for (let done = 0; done < bytes.length; ) done += fs.writeSync(this.handle(), bytes, done, bytes.length - done, offset + done);
  }

  sync(): void {
    fs.fsyncSync(this.handle());
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }

  private handle(): number {
    if (this.fd === null) throw new FlashError(`flash file ${this.file} is closed`);
    return this.fd;
  }
}
