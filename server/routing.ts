// Route processing (RFC 3261 §16.4, §16.12) and stateless forwarding (§16.11): how requests
// inside a Record-Routed dialog, ACKs for 2xx, and stray responses pass through the server.

import { createHash } from 'node:crypto';
import { BRANCH_COOKIE, isSipUri } from '../firmware/sip/index.ts';
import { transportOf } from '../firmware/sip/transport/index.ts';
import type { SipMessage } from '../firmware/sip/index.ts';
import type { Peer, Transport } from '../firmware/sip/transport/index.ts';
import type { TransactionLayer } from '../firmware/sip/transaction/index.ts';
import type { LocalIdentity } from './identity.ts';

/** Removes the Route entries naming us from the top of the route set (loose routing). */
export function stripOurRoutes(req: SipMessage, identity: LocalIdentity): void {
  for (;;) {
    const top = req.routes()[0];
    if (top === undefined || !identity.isOurRoute(top.uri)) return;
    req.removeFirst('Route');
  }
}

/**
 * A strict-routing previous hop put our Record-Route URI into the Request-URI and the real
 * target last in Route (§16.4): restore the real Request-URI.
 */
export function undoStrictRouting(req: SipMessage, identity: LocalIdentity): void {
  const uri = req.requestUri();
  if (!isSipUri(uri) || uri.user !== null || !uri.params.has('lr') || !identity.isOurRoute(uri)) return;
  const routes = req.getAll('Route');
  if (routes.length === 0) return;
  const last = req.routes()[routes.length - 1]!;
  req.uri = last.uriText;
  req.remove('Route');
  for (const r of routes.slice(0, -1)) req.add('Route', r);
}

/**
 * Forwards a request without a transaction (an ACK for a 2xx): Max-Forwards - 1 and a Via
 * whose branch is derived from the incoming one, so a retransmitted ACK gets the same branch.
 */
export function forwardStateless(
  req: SipMessage, dest: Peer, layer: TransactionLayer, transport: Transport,
): boolean {
  const mf = req.maxForwards();
  if (mf === 0) return false;
  req.set('Max-Forwards', String(mf === undefined ? 70 : mf - 1));
  const seed = `${req.get('Via') ?? ''}|${req.method}|${req.uri}`;
  const branch = BRANCH_COOKIE + createHash('md5').update(seed, 'utf8').digest('hex').slice(0, 20);
  req.prepend('Via', transport.via(dest.transport, branch));
  return layer.sendStateless(req, dest);
}

/**
 * A response no client transaction claims (a 2xx retransmitted after ours ended): if our Via
 * is on top, remove it and send the response on to the next Via (§16.7, stateless).
 */
export function forwardStrayResponse(res: SipMessage, identity: LocalIdentity, transport: Transport): boolean {
  const top = res.topVia();
  if (top === undefined || !identity.isOurVia(top)) return false;
  res.removeFirst('Via');
  const next = res.topVia();
  if (next === undefined) return false;
  const t = transportOf(next.transport);
  if (t === null) return false;
  if (t === 'udp') return transport.sendResponse(res, { transport: 'udp', address: next.host, port: next.port ?? 5060 });
  // Over TCP the caller's connection is found by its address and port.
  const port = typeof next.rport === 'number' ? next.rport : next.port ?? 5060;
  return transport.sendResponse(res, { transport: 'tcp', address: next.received ?? next.host, port });
}
