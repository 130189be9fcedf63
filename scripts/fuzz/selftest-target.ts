// A deliberately broken fuzz bundle, so tests can prove the harness notices failures: the
// firmware targets, except that an input containing a marker throws a TypeError, loops
// forever or allocates without bound.

import { createRunner } from './vm-runner.ts';
import { FIRMWARE_TARGETS } from './targets/index.ts';
import type { FuzzTarget, TargetTable } from './protocol.ts';

export const CRASH_MARKER = 'FUZZ-SELFTEST-CRASH';
export const HANG_MARKER = 'FUZZ-SELFTEST-HANG';
export const OOM_MARKER = 'FUZZ-SELFTEST-OOM';

function sabotage(target: FuzzTarget): FuzzTarget {
  return (input) => {
    if (input.indexOf(CRASH_MARKER) !== -1) {
      const missing = null as unknown as { field: number };
      return missing.field > 0 ? 'accepted' : 'rejected'; // TypeError
    }
    if (input.indexOf(HANG_MARKER) !== -1) for (;;);
    if (input.indexOf(OOM_MARKER) !== -1) {
      const hoard: string[] = [];
      for (let i = 0; ; i++) hoard.push(input + i);
    }
    return target(input);
  };
}

const targets = {} as Record<keyof TargetTable, FuzzTarget>;
for (const kind of Object.keys(FIRMWARE_TARGETS) as Array<keyof TargetTable>) targets[kind] = sabotage(FIRMWARE_TARGETS[kind]);

export const run = createRunner(targets);
