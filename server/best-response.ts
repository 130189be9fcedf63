// Choosing the response a forking proxy sends upstream when every branch has ended without
// a 2xx (RFC 3261 §16.7 steps 6-7).

import type { SipMessage } from '../firmware/sip/index.ts';

/** 4xx codes §16.7 step 6 prefers: the caller can act on them (credentials, body, extensions, digits). */
const ACTIONABLE_4XX = [401, 407, 415, 420, 484];

/**
 * The best final response among non-2xx ones: any 6xx; otherwise the lowest class, and within
 * 4xx the actionable codes first and a (usually synthesized) 408 last. Null for none.
 */
export function chooseBest(responses: readonly SipMessage[]): SipMessage | null {
  let best: SipMessage | null = null;
  for (const r of responses) if (best === null || rank(r) < rank(best)) best = r;
  return best;
}

function rank(r: SipMessage): number {
  const code = r.status;
  if (code >= 600) return 0;
  let within = 1;
  if (ACTIONABLE_4XX.indexOf(code) !== -1) within = 0;
  else if (code === 408) within = 2;
  return (Math.floor(code / 100) - 2) * 10 + within; // 3xx < 4xx < 5xx
}

/**
 * The response to forward, prepared per §16.7 step 7: a 503 becomes 500 (the callee's
 * overload is not ours to advertise), and a 401/407 carries the challenges of every branch
 * that asked for credentials, so the caller can answer them all in one retry.
 */
export function prepareBest(best: SipMessage, all: readonly SipMessage[]): SipMessage {
  if (best.status === 503) {
    best.status = 500;
    best.reason = 'Server Internal Error';
    best.remove('Retry-After');
  }
  if (best.status === 401 || best.status === 407) {
    for (const name of ['WWW-Authenticate', 'Proxy-Authenticate']) {
      const have = new Set(best.headers.filter((h) => h.name === name).map((h) => h.value));
      for (const r of all) {
        if (r === best || (r.status !== 401 && r.status !== 407)) continue;
        for (const h of r.headers) {
          if (h.name === name && !have.has(h.value)) {
            have.add(h.value);
            best.add(name, h.value);
          }
        }
      }
    }
  }
  return best;
}
