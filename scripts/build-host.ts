// `quip build-host`: builds quip-host, the native board host, for linux-x64, linux-armhf and
// win32 (and an ASan/UBSan build of linux-x64 for the tests).
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from './command.ts';
import { usageError } from './command.ts';
import { readArgs } from './cli-args.ts';
import { findBinary } from './local-programs.ts';
import { HOST_TARGETS, TOOLCHAINS, buildHost } from '../build/host-build.ts';
import type { HostTarget } from '../build/host-build.ts';

const help = `Usage: quip build-host [--target <t>]... [--unit]

Builds quip-host — the firmware's native board host: the QuickJS C engine (from the qjsc
npm package) plus the HAL in C — into dist/host/<target>/.

Targets:
  linux-x64        native gcc
  linux-x64-asan   the same with -fsanitize=address,undefined (what the tests run)
  linux-armhf      arm-linux-gnueabihf-gcc, static (Debian gcc-arm-linux-gnueabihf); run it
                   on a board, or here under qemu-arm (Debian qemu-user)
  win32            x86_64-w64-mingw32-gcc, static (Debian gcc-mingw-w64-x86-64); Winsock 2,
                   Win32 files and console; run it here under wine (Debian wine64)

Options:
  --target <t>   a target to build (repeatable; default: every target whose compiler is
                 installed)
  --unit         also build the C unit tests of each target
  -h, --help     show this help

Exit codes: 0 built; 1 a build failed (the compiler's output is printed); 2 usage error.
`;

export const buildHostCommand: Command = {
  name: 'build-host',
  summary: 'build quip-host, the native board host (linux-x64, linux-armhf, win32)',
  help,
  async run(args) {
    const read = readArgs(args, { values: ['target'], flags: ['unit'] });
    if (typeof read === 'string') return usageError('build-host', read);
    const asked = read.values.get('target') ?? [];
    for (const t of asked) {
      if (!(HOST_TARGETS as readonly string[]).includes(t)) return usageError('build-host', `unknown target '${t}' (${HOST_TARGETS.join(', ')})`);
    }
    let targets = asked as HostTarget[];
    if (targets.length === 0) {
      targets = HOST_TARGETS.filter((t) => findBinary(TOOLCHAINS[t].cc) !== null);
      for (const t of HOST_TARGETS.filter((x) => !targets.includes(x))) {
        process.stderr.write(`note: skipping ${t}: ${TOOLCHAINS[t].cc} not found (Debian package ${TOOLCHAINS[t].pkg})\n`);
      }
    }
    const results = await buildHost(targets, { unit: read.flags.has('unit') });
    let failed = 0;
    for (const r of results) {
      if (r.ok) {
        const rel = path.relative(process.cwd(), r.binary);
        process.stdout.write(`${r.target.padEnd(15)} ${rel} (${(statSync(r.binary).size / 1024).toFixed(1)} KiB)\n`);
      } else {
        failed++;
        process.stderr.write(`${r.target}: build failed\n${r.log}\n`);
      }
    }
    return failed === 0 ? 0 : 1;
  },
};
