// Shared by the interop tests: is a real peer (a Debian package) installed, and free ports.
import test from 'ava';
import type { TestFn } from 'ava';
import { execFileSync } from 'node:child_process';
import { findBinary } from '../../scripts/local-programs.ts';

export { findBinary, freePort } from '../../scripts/local-programs.ts';

/**
 * `test` when the program can run here, else `test.skip` — and it says why once, plainly, so a
 * skipped interop test is never mistaken for a passing one. `scripts/install-test-deps.sh`
 * (npm's pretest) installs the packages on CI machines, where these tests must run.
 */
export function withPeer(binary: string, debianPackage: string, versionArgs: string[] = ['-v']): { test: TestFn; path: string } {
  const path = findBinary(binary);
  let why = path === null ? `${binary} is not installed (Debian package ${debianPackage})` : '';
  if (path !== null) {
    try {
      execFileSync(path, versionArgs, { stdio: 'ignore', timeout: 10000 });
    } catch (e) {
      // Some programs exit non-zero after printing their version; only "cannot run" counts.
      const err = e as NodeJS.ErrnoException & { status?: number | null };
      if (err.code !== undefined && typeof err.code === 'string') why = `${binary} cannot run here: ${err.message}`;
    }
  }
  if (why !== '') {
    process.stderr.write(`interop: skipping ${binary} tests: ${why}\n`);
    return { test: skipping(test) as TestFn, path: binary };
  }
  return { test, path: path! };
}

/**
 * `test` with every declaration turned into its `.skip` form — tests, `.serial` ones and hooks
 * (`before`, `after.always`, ...) alike — so a file written against `test` skips whole.
 */
function skipping(fn: object): unknown {
  return new Proxy(fn, {
    get(target, prop) {
      const v = (target as Record<string | symbol, unknown>)[prop];
      return typeof v === 'function' && prop !== 'skip' ? skipping(v) : v;
    },
    apply(target, _self, args: unknown[]) {
      const skip = (target as { skip?: (...a: unknown[]) => unknown }).skip;
      return skip === undefined ? undefined : skip(...args);
    },
  });
}

/** Resolves after ms milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
