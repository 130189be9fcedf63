// Via (RFC 3261 §20.42, RFC 3581 rport): where responses go back to.

import { SIMPLE_PARAMS_SRC, Scanner, boundedInt, formatParams, splitSimpleParams, unquote } from './scanner.ts';
import { HOST_Y } from './chars.ts';
import { isIpv6 } from './uri.ts';
import type { Via } from './types.ts';

const H = 'Via';

/**
 * The usual Via: "SIP/2.0/UDP host[:port];params" with no spaces or quotes around parts. Not /i:
 * case folding makes QuickJS's regex engine several times slower; "sip/2.0" takes the general path.
 */
const VIA_FAST = new RegExp(`^SIP\\/2\\.0\\/([A-Za-z]+) ([A-Za-z0-9._-]+)(?::([0-9]{1,5}))?(${SIMPLE_PARAMS_SRC})$`);

export function parseVia(value: string): Via {
  const m = VIA_FAST.exec(value);
  if (m !== null) {
    const port = m[3] === undefined ? null : Number(m[3]);
    const params = splitSimpleParams(m[4]!);
    if (params !== null && (port === null || port <= 65535)) {
      return viaOf('SIP/2.0', m[1]!.toUpperCase(), m[2]!, port, params);
    }
  }
  return parseViaGeneral(value);
}

/** The full RFC 3261 grammar: LWS around '/', IPv6 sent-by, quoted params. */
export function parseViaGeneral(value: string): Via {
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
    host = sc.run(HOST_Y);
    if (host.length === 0) throw sc.fail('expected host');
  }
  let port: number | null = null;
  if (sc.sep(0x3a /* : */)) {
    port = sc.number('port', 65535);
  }
  const params = sc.params();
  sc.end();
  return viaOf(`${name}/${version}`.toUpperCase(), transport, host, port, params);
}

function viaOf(protocol: string, transport: string, host: string, port: number | null, params: Via['params']): Via {
  const branch = params.get('branch');
  const received = params.get('received');
  const rport = params.get('rport');
  const maddr = params.get('maddr');
  const ttl = params.get('ttl');
  return {
    protocol,
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
