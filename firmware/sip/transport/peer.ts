// Where a message came from or goes to.

export type TransportName = 'udp' | 'tcp';

export interface Peer {
  transport: TransportName;
  /** An IP literal. */
  address: string;
  port: number;
  /** For stream transports: the connection a message arrived on (responses go back on it). */
  conn?: number;
}

export function peerKey(p: Peer): string {
  return `${p.transport}:${p.address}:${p.port}`;
}

export function isReliable(t: TransportName): boolean {
  return t === 'tcp';
}

/** "udp" → "UDP", as a Via transport. */
export function viaTransport(t: TransportName): string {
  return t.toUpperCase();
}

/** A Via transport ("UDP", "tcp", "TLS" …) → ours, or null for one we don't speak. */
export function transportOf(viaTransportName: string): TransportName | null {
  const t = viaTransportName.toLowerCase();
  return t === 'udp' || t === 'tcp' ? t : null;
}
