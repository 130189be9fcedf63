// RFC 3261 §17 timer values. T1 is the RTT estimate, T2 the cap on non-INVITE
// retransmission intervals, T4 how long the network may hold a message.
export interface TimerConfig {
  t1: number;
  t2: number;
  t4: number;
}

export const DEFAULT_TIMERS: TimerConfig = { t1: 500, t2: 4000, t4: 5000 };

/** Timer B, F, H, J, L, M: 64 × T1. */
export function transactionTimeout(t: TimerConfig): number {
  return 64 * t.t1;
}
