// One figure of the bench as people read it: a value, the peer it is compared with in the same
// run, the ratio, and the target it is held against (reported, never asserted). Every part of
// the bench returns its figures in this shape, so the table, the JSON and the report are one
// rendering of the same list.

export interface Target {
  /** '>=': at least `value` is good; '<=': at most. */
  op: '>=' | '<=';
  value: number;
}

export interface Figure {
  /** The JSON field this figure is printed as (snake_case, unit in the name: _per_s, _ms, _bytes, _percent). */
  field: string;
  /** What it measures, for the table, e.g. "parse, matched work (msgs/s)". */
  label: string;
  /** Null when the figure could not be measured here (see note). */
  value: number | null;
  unit: string;
  /** The same work measured for a peer in the same run (e.g. SIP.js, Kamailio). */
  peer?: { name: string; value: number | null } | null;
  /** value / peer.value, when both are known. */
  ratio?: number | null;
  target?: Target | null;
  /** Why it is null, or how it was measured when that is not obvious. */
  note?: string;
}

/** Whether a figure meets its target: null when it has no target or no value. */
export function meetsTarget(f: Figure): boolean | null {
  if (f.target === undefined || f.target === null || f.value === null) return null;
  return f.target.op === '>=' ? f.value >= f.target.value : f.value <= f.target.value;
}

/** The ratio of two measured values, rounded to 2 decimals; null when either is missing. */
export function ratioOf(value: number | null | undefined, peer: number | null | undefined): number | null {
  if (value === null || value === undefined || peer === null || peer === undefined || peer === 0) return null;
  return Math.round((value / peer) * 100) / 100;
}
