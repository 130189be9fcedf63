// RFC 3261 §18.2.1 and RFC 3581: a server notes on the top Via where a request really came
// from (received, rport), so the response finds its way back through NAT.

import type { SipMessage } from '../message.ts';
import { formatVia } from '../via.ts';
import type { Peer } from './peer.ts';

/** Adds received/rport to the top Via when needed; returns false when the message has no Via. */
export function stampVia(msg: SipMessage, source: Peer): boolean {
  const top = msg.topVia();
  if (top === undefined) return false;
  const needRport = top.rport === true;
  // §18.2.1 asks for received only when sent-by differs from the source, but RFC 3581 §4 says a
  // request with an empty rport MUST get received "even if it is identical to the sent-by"
  // (Kamailio does; the lab did not, so a UA saw rport without received from it).
  const needReceived = needRport || (top.host !== source.address && top.host !== `[${source.address}]`);
  if (!needReceived && !needRport) return true;
  const stamped = { ...top, received: needReceived ? source.address : top.received, rport: needRport ? source.port : top.rport };
  msg.replaceFirst('Via', formatVia(stamped));
  return true;
}

/**
 * Where a response goes (RFC 3261 §18.2.2 with RFC 3581): back on the connection for a
 * stream; for UDP to the maddr if there is one, else to received (or sent-by), at rport
 * when the client asked for it.
 */
export function responseDestination(res: SipMessage, source: Peer): Peer | null {
  const top = res.topVia();
  if (top === undefined) return null;
  if (source.transport === 'tcp') return source;
  if (top.maddr !== null) return { transport: 'udp', address: unbracket(top.maddr), port: top.port ?? 5060 };
  const address = top.received ?? top.host;
  const port = typeof top.rport === 'number' ? top.rport : top.port ?? 5060;
  return { transport: 'udp', address: unbracket(address), port };
}

function unbracket(host: string): string {
  return host.startsWith('[') ? host.slice(1, -1) : host;
}
