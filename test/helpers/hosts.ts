// The hosts a phone can run on in the tests: the Node emulator (`quip emulate`) and quip-host,
// the native board host, built by `npm test`'s pretest (`quip build-host`) for linux-x64
// (its ASan/UBSan build), linux-armhf (under qemu-arm) and win32 (under wine).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TOOLCHAINS, hostBinary } from '../../build/host-build.ts';
import type { HostTarget } from '../../build/host-build.ts';
import { findBinary } from '../../scripts/local-programs.ts';
import { ROOT } from './corpus.ts';

export type HostName = 'node' | 'x64' | 'armhf' | 'win32';

export interface PhoneHost {
  name: HostName;
  /** True for quip-host: it needs an image (it cannot build from source) and takes host options. */
  native: boolean;
  /** The program and leading arguments that start a phone. */
  command(): { cmd: string; args: string[]; env?: NodeJS.ProcessEnv };
}

const TARGET: Record<Exclude<HostName, 'node'>, HostTarget> = { x64: 'linux-x64-asan', armhf: 'linux-armhf', win32: 'win32' };

/** Sanitizer settings: a report fails the run loudly (exit code and stderr) instead of scrolling by. */
export const ASAN_ENV = { ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:exitcode=86', UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1:exitcode=87' };

/** Wine for the win32 builds: the project's own prefix, prepared with a server that stays up for
 *  the whole run by scripts/wine-session.sh (npm test's pretest). */
export const WINE_ENV = { WINEPREFIX: join(ROOT, 'dist', 'wine'), WINEDEBUG: '-all' };

export function phoneHost(name: HostName): PhoneHost {
  if (name === 'node') {
    return { name, native: false, command: () => ({ cmd: process.execPath, args: [join(ROOT, 'scripts', 'quip.mjs'), 'emulate'] }) };
  }
  const binary = hostBinary(TARGET[name]);
  return {
    name,
    native: true,
    command() {
      if (!existsSync(binary)) {
        const { cc, pkg } = TOOLCHAINS[TARGET[name]];
        const hint = findBinary(cc) === null ? `; it needs ${cc} (Debian package ${pkg}), which is not installed` : '';
        throw new Error(`${binary} is missing: run 'node scripts/quip.mjs build-host' (npm test's pretest does)${hint}`);
      }
      const runner = name === 'armhf' ? 'qemu-arm' : name === 'win32' ? 'wine' : null;
      if (runner !== null && findBinary(runner) === null) throw new Error(`${runner} is not installed (Debian package ${runner === 'wine' ? 'wine' : 'qemu-user'}): the ${name} phone cannot run`);
      if (name === 'armhf') return { cmd: findBinary('qemu-arm')!, args: ['-L', '/usr/arm-linux-gnueabihf', binary] };
      if (name === 'win32') return { cmd: findBinary('wine')!, args: [binary], env: { ...process.env, ...WINE_ENV } };
      return { cmd: binary, args: [], env: { ...process.env, ...ASAN_ENV } };
    },
  };
}

/** The hosts each parametrised integration test runs on: the emulator and the native host
 *  natively and on the dev-board CPU (armhf under qemu). */
export const CORE_HOSTS: readonly HostName[] = ['node', 'x64', 'armhf'];
