// Where a stream's media goes, and whether the peer has put it on hold.
import type { SdpConnection, SdpMedia, SdpSession } from './types.ts';
import { getDirection } from './direction.ts';

/** The c= that applies to a media section: its own first, else the session's (RFC 4566 §5.7). */
export function getConnection(session: SdpSession, media: SdpMedia): SdpConnection | null {
  return media.connections.length > 0 ? media.connections[0] : session.connection;
}

/** c=IN IP4 0.0.0.0: the RFC 2543 way of saying "do not send to me" (RFC 3264 §8.4). */
export function isNullConnection(connection: SdpConnection | null): boolean {
  return connection !== null && connection.address === '0.0.0.0';
}

/**
 * True when the peer that wrote this SDP has put the stream on hold: it is
 * sendonly or inactive, or uses the legacy c=0.0.0.0 form. A rejected stream
 * (port 0) is not on hold. Without `media`, true when every active stream is held.
 */
export function isHold(session: SdpSession, media?: SdpMedia): boolean {
  if (media) {
    if (media.port === 0) return false;
    const direction = getDirection(session, media);
    return direction === 'sendonly' || direction === 'inactive' || isNullConnection(getConnection(session, media));
  }
  let active = 0;
  for (const m of session.media) {
    if (m.port === 0) continue;
    if (!isHold(session, m)) return false;
    active++;
  }
  return active > 0;
}
