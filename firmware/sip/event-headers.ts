// Event and Subscription-State (RFC 6665 §8.2), used by SUBSCRIBE/NOTIFY.

import { MAX_UINT32 } from './limits.ts';
import { Scanner, boundedInt } from './scanner.ts';
import type { EventHeader, SubscriptionState } from './types.ts';

export function parseEvent(value: string): EventHeader {
  const sc = new Scanner(value, 'Event');
  sc.skipWs();
  const event = sc.token('event type').toLowerCase();
  const params = sc.params();
  sc.end();
  return { event, params };
}

export function parseSubscriptionState(value: string): SubscriptionState {
  const H = 'Subscription-State';
  const sc = new Scanner(value, H);
  sc.skipWs();
  const state = sc.token('state').toLowerCase();
  const params = sc.params();
  sc.end();
  const num = (k: string): number | null => {
    const v = params.get(k);
    return v === undefined || v === null ? null : boundedInt(v, MAX_UINT32, H, k);
  };
  const reason = params.get('reason');
  return {
    state,
    expires: num('expires'),
    reason: reason === undefined || reason === null ? null : reason.toLowerCase(),
    retryAfter: num('retry-after'),
    params,
  };
}
