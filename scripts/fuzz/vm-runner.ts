// The in-VM side of the harness: runs each input of a batch through its kind's target inside
// try/catch and sums up. Bundled into QuickJS, so it must stay plain ES2020 (no Node APIs).

import { bytesToBinary } from '../../firmware/util/utf8.ts';
import type { BatchResult, CrashRecord, FuzzTarget, RunBatch, TargetTable } from './protocol.ts';

/** Crashes per batch that carry a stack; the rest carry name and message only. */
const STACKS_PER_BATCH = 3;
const MAX_MESSAGE = 400;

export function createRunner(targets: TargetTable): RunBatch {
  return (kind, data, lengthsJson) => {
    const target = (targets as Record<string, FuzzTarget | undefined>)[kind];
    if (target === undefined) throw new Error(`unknown fuzz kind '${kind}'`);
    const bytes = new Uint8Array(data);
    const lengths = JSON.parse(lengthsJson) as number[];
    const result: BatchResult = { inputs: 0, accepted: 0, rejected: 0, crashes: [], slowestMs: 0, slowestIndex: -1 };
    let offset = 0;
    for (let i = 0; i < lengths.length; i++) {
      const input = bytesToBinary(bytes.subarray(offset, offset + lengths[i]!));
      offset += lengths[i]!;
      const started = Date.now();
      try {
        if (target(input) === 'accepted') result.accepted++;
        else result.rejected++;
      } catch (e) {
        result.crashes.push(describe(e, i, result.crashes.length < STACKS_PER_BATCH));
      }
      const ms = Date.now() - started;
      if (ms > result.slowestMs || result.slowestIndex === -1) {
        result.slowestMs = ms;
        result.slowestIndex = i;
      }
      result.inputs++;
    }
    return JSON.stringify(result);
  };
}

function describe(e: unknown, index: number, withStack: boolean): CrashRecord {
  if (e instanceof Error) {
    return {
      index,
      name: e.name,
      message: e.message.slice(0, MAX_MESSAGE),
      stack: withStack && typeof e.stack === 'string' ? e.stack : '',
    };
  }
  return { index, name: 'thrown value', message: String(e).slice(0, MAX_MESSAGE), stack: '' };
}
