// Via (RFC 3261 §20.42, RFC 3581 rport): where responses go back to.

import { Scanner, boundedInt, formatParams, unquote } from './scanner.ts';
import { HOST } from './chars.ts';
import { isIpv6 } from './uri.ts';
import type { Via } from './types.ts';

const H = 'Via';

export function parseVia(value: string): Via {
  const sc = new Scanner(value, H);
  sc.skipWs();
  const name = sc.token('protocol name');
  sc.expectSep(0x2f, "'/'");
  const version = sc.token('protocol version');
  sc.expectSep(0x2f, "'/'");
  const transport = sc.token('transport').toUpperCase();
  const before = sc.pos;
  sc.skipWs();
  if (sc.pos === before) throw sc.fail('expected whitespace before sent-by');
  let host: string;
  if (sc.peek() === 0x5b) {
    const close = value.indexOf(']', sc.pos);
    if (close === -1) throw sc.fail("missing ']'");
    host = value.slice(sc.pos, close + 1);
    if (!isIpv6(host.slice(1, -1))) throw sc.fail('bad IPv6 address');
    sc.pos = close + 1;
  } else {
    host = sc.run(HOST);
    if (host.length === 0) throw sc.fail('expected host');
  }
  let port: number | null = null;
  if (sc.sep(0x3a /* : */)) {
    port = sc.number('port', 65535);
  }
  const params = sc.params();
  sc.end();
  const branch = params.get('branch');
  const received = params.get('received');
  const rport = params.get('rport');
  const maddr = params.get('maddr');
  const ttl = params.get('ttl');
  return {
    protocol: `${name}/${version}`.toUpperCase(),
    transport,
    host,
    port,
    params,
    branch: branch === undefined || branch === null ? null : unquote(branch),
    received: received === undefined || received === null ? null : received,
    rport: rport === undefined ? null : rport === null ? true : boundedInt(rport, 65535, H, 'rport'),
    maddr: maddr === undefined || maddr === null ? null : maddr,
    ttl: ttl === undefined || ttl === null ? null : boundedInt(ttl, 255, H, 'ttl'),
  };
}

/**
 * Writes a Via. `params` is the source of truth for parameters; the convenience fields
 * (branch, received, rport) are folded into it first so either may be edited.
 */
export function formatVia(v: Via): string {
  const params = new Map(v.params);
  if (v.branch !== null) params.set('branch', v.branch);
  if (v.received !== null) params.set('received', v.received);
  if (v.rport !== null) params.set('rport', v.rport === true ? null : String(v.rport));
  const hostport = v.port === null ? v.host : `${v.host}:${v.port}`;
  return `${v.protocol}/${v.transport} ${hostport}${formatParams(params)}`;
}

/** The RFC 3261 magic cookie that marks a branch as globally unique (§8.1.1.7). */
export const BRANCH_COOKIE = 'z9hG4bK';
