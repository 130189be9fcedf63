// Bundles a fuzz target entry for QuickJS, once per entry and process.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../../build/bundle.ts';
import { VM_GLOBAL } from './protocol.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The firmware targets. */
export const FIRMWARE_TARGET = path.join(here, 'vm-target.ts');
/** The same targets with planted crash/hang/out-of-memory markers (harness self-test). */
export const SELFTEST_TARGET = path.join(here, 'selftest-target.ts');

const cache = new Map<string, Promise<string>>();

export function bundleTarget(entry: string): Promise<string> {
  let code = cache.get(entry);
  if (code === undefined) {
    code = bundle({ entry, globalName: VM_GLOBAL, minify: true, forbidNodeBuiltins: true }).then((r) => r.code);
    code.catch(() => cache.delete(entry));
    cache.set(entry, code);
  }
  return code;
}
