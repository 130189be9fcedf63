// `tonePlan`: which call-progress tones the phone plays.
import type { Checker } from './checker.ts';

/** North American (the default) or European/ITU 425 Hz. */
export const TONE_PLANS = ['na', 'eu'] as const;
export type TonePlan = (typeof TONE_PLANS)[number];

export function checkTonePlan(c: Checker, value: unknown): TonePlan {
  return c.oneOf(value, 'tonePlan', TONE_PLANS);
}
