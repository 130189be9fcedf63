// Where a forwarded request goes: the transport, address and port for a URI (RFC 3263
// without DNS — the lab uses IP literals), and for a registered contact, the address the
// REGISTER really came from when the phone is behind NAT.

import { isIpv4, isSipUri } from '../firmware/sip/index.ts';
import type { Uri } from '../firmware/sip/index.ts';
import type { Peer } from '../firmware/sip/transport/index.ts';
import type { Binding } from './location.ts';

/** The peer a URI names, or null when it needs DNS or a transport we lack (TLS). */
export function peerForUri(uri: Uri): Peer | null {
  if (!isSipUri(uri) || uri.scheme === 'sips') return null;
  const maddr = uri.params.get('maddr');
  const host = ipLiteral(typeof maddr === 'string' ? maddr : uri.host);
  if (host === null) return null;
  const t = uri.params.get('transport');
  const transport = typeof t === 'string' && t.toLowerCase() === 'tcp' ? 'tcp' : typeof t === 'string' && t.toLowerCase() !== 'udp' ? null : 'udp';
  if (transport === null) return null;
  return { transport, address: host, port: uri.port ?? 5060 };
}

/**
 * The peer for a registered contact. A phone behind NAT registers a Contact with its private
 * address; the REGISTER's source is where it can be reached (like Kamailio's
 * fix_nated_contact), and over TCP the connection it registered on is the only way in
 * (RFC 5626's flow idea).
 */
export function peerForBinding(b: Binding): Peer | null {
  const direct = peerForUri(b.uri);
  const r = b.received;
  if (r === null) return direct;
  const transport = r.transport.toLowerCase();
  if (transport === 'tcp') return { transport: 'tcp', address: r.address, port: r.port };
  if (transport !== 'udp') return direct;
  if (direct !== null && direct.transport === 'udp' && direct.address === r.address && direct.port === r.port) return direct;
  if (direct !== null && direct.transport === 'tcp') return direct; // asked for TCP explicitly
  return { transport: 'udp', address: r.address, port: r.port };
}

/** The URI as a Request-URI: without `?headers` (RFC 3261 §19.1.5 forbids them there). */
export function requestUriOf(uri: Uri, text: string): string {
  if (!isSipUri(uri) || uri.headers.length === 0) return text;
  const i = text.indexOf('?');
  return i === -1 ? text : text.slice(0, i);
}

function ipLiteral(host: string): string | null {
  if (host.toLowerCase() === 'localhost') return '127.0.0.1';
  if (isIpv4(host)) return host;
  if (host.startsWith('[') && host.endsWith(']')) return host.slice(1, -1);
  return null;
}
