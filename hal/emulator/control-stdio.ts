// The emulator's machine contract (`--control stdio`): one JSON object per line in
// (keys, dial, reboot, quit), one JSON event per line out. Bad input gets an `error`
// event, never a crash. Parsing and applying a line is control-protocol.ts (pure, shared
// with the C host); this module reads the lines from a stream.

import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { applyControlLine } from './control-protocol.ts';
import type { ControlTarget } from './control-protocol.ts';
import type { Key } from '../contract.ts';

export { applyControlLine, parseJsonObject } from './control-protocol.ts';
export type { ControlTarget, JsonParse } from './control-protocol.ts';

/** Reads control lines from `input` until it ends; reports problems through `onError`. */
export function readControl(input: Readable, target: ControlTarget, boardKeys: readonly Key[], onError: (message: string) => void, onEnd: () => void): void {
  const rl = createInterface({ input, crlfDelay: Infinity });
  rl.on('line', (line) => {
    const err = applyControlLine(line, target, boardKeys);
    if (err !== null) onError(err);
  });
  rl.on('close', onEnd);
}

/** Writes events as JSON lines. */
export function eventWriter(output: Writable): (event: object) => void {
  return (event) => {
    output.write(JSON.stringify(event) + '\n');
  };
}
