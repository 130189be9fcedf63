// Entry of the fuzz bundle that runs inside QuickJS: run(kind, data, lengthsJson) feeds a
// batch of inputs to the firmware (see targets/) and returns a JSON BatchResult.

import { createRunner } from './vm-runner.ts';
import { FIRMWARE_TARGETS } from './targets/index.ts';

export const run = createRunner(FIRMWARE_TARGETS);
