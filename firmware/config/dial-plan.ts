// `dialPlan`: the digit map (kept as text here; the app compiles it) and how long to wait for
// the next digit.
import type { Checker, IntRange } from './checker.ts';

export interface DialPlan {
  digitMap: string;
  interDigitTimeoutMs: number;
}

export const DIAL_PLAN_FIELDS = ['digitMap', 'interDigitTimeoutMs'] as const;
export const DIAL_PLAN_LIMITS = {
  digitMap: 512,
  interDigitTimeoutMs: { min: 500, max: 30000 } as IntRange,
} as const;

/**
 * `digitMapProblem` checks the map's syntax where the digit map compiler is at hand (the phone,
 * checking a provisioning file): it returns what is wrong, or null.
 */
export function checkDialPlan(c: Checker, value: unknown, digitMapProblem?: (map: string) => string | null): DialPlan {
  const p = c.object(value, 'dialPlan', DIAL_PLAN_FIELDS);
  const digitMap = c.text(p['digitMap'], 'dialPlan.digitMap', DIAL_PLAN_LIMITS.digitMap);
  const problem = digitMapProblem?.(digitMap) ?? null;
  if (problem !== null) c.fail('dialPlan.digitMap', problem);
  return { digitMap, interDigitTimeoutMs: c.int(p['interDigitTimeoutMs'], 'dialPlan.interDigitTimeoutMs', DIAL_PLAN_LIMITS.interDigitTimeoutMs) };
}
