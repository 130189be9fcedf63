// Session-Expires (RFC 4028 §4): the session timer interval and which side refreshes it.

import { badHeader } from './errors.ts';
import { MAX_UINT32 } from './limits.ts';
import { Scanner } from './scanner.ts';
import type { SessionExpires } from './types.ts';

const H = 'Session-Expires';

/** Session-Expires = delta-seconds *( SEMI ( refresher-param / generic-param ) ) */
export function parseSessionExpires(value: string): SessionExpires {
  const sc = new Scanner(value, H);
  sc.skipWs();
  const delta = sc.number('delta-seconds', MAX_UINT32);
  const params = sc.params();
  sc.end();
  const r = params.get('refresher');
  let refresher: 'uac' | 'uas' | null = null;
  if (r !== undefined) {
    const v = r === null ? '' : r.toLowerCase();
    if (v !== 'uac' && v !== 'uas') throw badHeader(H, `refresher must be uac or uas, not '${r ?? ''}'`);
    refresher = v;
  }
  return { delta, refresher, params };
}
