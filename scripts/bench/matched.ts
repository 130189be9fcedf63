// "Matched" work: the headers SIP.js and JsSIP parse eagerly, read from quip's typed views so the
// parse figures compare equal work. This is the Node side: which fields each pair of parsers is
// compared on, and the comparison that stops the bench when two parsers read different values.
import type { Matched, MatchedField } from './vm/harness.ts';
import type { WorkloadMessage } from './workload.ts';

export type { Matched, MatchedField } from './vm/harness.ts';

export const MATCHED_FIELDS: readonly MatchedField[] = [
  'contacts', 'record_routes', 'content_type', 'content_length', 'max_forwards', 'challenge',
  'session_expires', 'session_refresher', 'event', 'refer_to',
];

/** What one parser extracted: the fields it parses and the values, per workload message. */
export interface MatchedRun {
  fields: readonly MatchedField[];
  values: readonly Matched[];
}

/** The fields two parsers both parse: the ones their values are compared on. */
export function sharedFields(a: readonly MatchedField[], b: readonly MatchedField[]): MatchedField[] {
  return MATCHED_FIELDS.filter((f) => a.includes(f) && b.includes(f));
}

/**
 * Compares every pair of parsers on the fields both parse, message by message. Returns one line
 * per disagreement (empty when all agree).
 */
export function findMatchedDisagreements(
  workload: readonly WorkloadMessage[],
  runs: ReadonlyMap<string, MatchedRun>,
): string[] {
  const problems: string[] = [];
  const ids = [...runs.keys()];
  for (let x = 0; x < ids.length; x++) {
    for (let y = x + 1; y < ids.length; y++) {
      const a = runs.get(ids[x]!)!;
      const b = runs.get(ids[y]!)!;
      for (const field of sharedFields(a.fields, b.fields)) {
        workload.forEach((msg, i) => {
          const va = JSON.stringify(a.values[i]?.[field] ?? null);
          const vb = JSON.stringify(b.values[i]?.[field] ?? null);
          if (va !== vb) problems.push(`message #${i} (${msg.name}) ${field}: ${ids[x]}=${va}, ${ids[y]}=${vb}`);
        });
      }
    }
  }
  return problems;
}
