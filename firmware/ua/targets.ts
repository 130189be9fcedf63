// Turns a host/port/transport into the ordered list of servers to try (RFC 3263) through the
// HAL resolver, and walks that list on failure.

import type { Peer, TransportName } from '../sip/transport/index.ts';
import type { HalDnsResolver } from '../net/dns-resolver.ts';
import { locateServer } from './server-locator.ts';

export type TargetCallback = (targets: Peer[], error: string | null) => void;

export function resolveTargets(
  resolver: HalDnsResolver,
  host: string,
  port: number | null,
  transport: TransportName | null,
  supported: TransportName[],
  random: () => number,
  cb: TargetCallback,
): void {
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  locateServer({ host: bare, port, transport }, resolver, supported, (targets, error) => {
    cb(targets.map((t) => ({ transport: t.transport, address: t.address, port: t.port })), error);
  }, { random });
}
