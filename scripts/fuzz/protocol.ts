// What crosses the host <-> QuickJS boundary: a batch of inputs of one kind goes in as one
// ArrayBuffer plus their lengths; one JSON BatchResult comes back. Plain data only, so the
// host never holds VM handles between calls.

import type { FuzzKind } from './kinds.ts';

/** A target either takes an input (it parsed) or refuses it the documented way. */
export type Outcome = 'accepted' | 'rejected';

/** Feeds one input (a byte string) to firmware code. Anything it throws is a crash. */
export type FuzzTarget = (input: string) => Outcome;

export type TargetTable = Readonly<Record<FuzzKind, FuzzTarget>>;

/** The global the VM bundle assigns its exports to. */
export const VM_GLOBAL = 'quipFuzz';

/** An exception that escaped a target. */
export interface CrashRecord {
  /** Index of the input within its batch. */
  index: number;
  name: string;
  message: string;
  /** Only for the first few crashes of a batch (stacks are long). */
  stack: string;
}

export interface BatchResult {
  inputs: number;
  accepted: number;
  rejected: number;
  crashes: CrashRecord[];
  /** Longest time one input took, in ms (QuickJS Date.now resolution). */
  slowestMs: number;
  slowestIndex: number;
}

/** The in-VM entry: run(kind, octets of all inputs back to back, JSON array of their lengths). */
export type RunBatch = (kind: string, data: ArrayBuffer, lengthsJson: string) => string;
