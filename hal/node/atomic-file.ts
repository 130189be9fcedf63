// Crash-safe file replacement for the Node hosts (emulator storage, lab registrations):
// write a temp file in the same directory, fsync, rename over the target, fsync the
// directory. After a power cut the file holds the old or the new content, never a mix.

import fs from 'node:fs';
import path from 'node:path';

/** Replaces `file` with `bytes` through `temp` (same directory). Throws on I/O errors. */
export function writeFileAtomically(file: string, bytes: Uint8Array, temp: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(temp, 'w');
    for (let done = 0; done < bytes.length; ) done += fs.writeSync(fd, bytes, done);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(temp, file);
  } catch (e) {
    if (fd !== null) tryClose(fd);
    tryUnlink(temp);
    throw e;
  }
  syncDirectory(path.dirname(file));
}

/** Makes a rename durable (POSIX); some platforms cannot open a directory, so best effort. */
export function syncDirectory(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // e.g. Windows cannot open a directory
  } finally {
    if (fd !== null) tryClose(fd);
  }
}

export function tryUnlink(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // already gone
  }
}

export function tryClose(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // nothing left to release
  }
}
