// Media direction (RFC 3264 §5.1, §6.1, §8.4). A direction is a pair of
// capabilities (send, receive); answers and hold are set operations on them.
import type { Direction, SdpAttributeHolder, SdpMedia, SdpSession } from './types.ts';

const SEND = 1;
const RECV = 2;
const BITS: Direction[] = ['inactive', 'sendonly', 'recvonly', 'sendrecv'];

export function isDirection(name: string): name is Direction {
  return name === 'sendrecv' || name === 'sendonly' || name === 'recvonly' || name === 'inactive';
}

function toBits(direction: Direction): number {
  return BITS.indexOf(direction);
}

function directionIn(holder: SdpAttributeHolder): Direction | null {
  for (const attribute of holder.attributes) {
    if (isDirection(attribute.name)) return attribute.name;
  }
  return null;
}

/** Effective direction of a media section: its own attribute, else the session's, else sendrecv. */
export function getDirection(session: SdpSession, media: SdpMedia): Direction {
  return directionIn(media) ?? directionIn(session) ?? 'sendrecv';
}

/** Replaces the direction attributes of a section with one, in place of the first. */
export function setDirection(holder: SdpAttributeHolder, direction: Direction): void {
  const attributes = holder.attributes;
  let placed = false;
  for (let i = 0; i < attributes.length; i++) {
    if (!isDirection(attributes[i].name)) continue;
    if (placed) {
      attributes.splice(i--, 1);
    } else {
      attributes[i] = { name: direction, value: null };
      placed = true;
    }
  }
  if (!placed) attributes.push({ name: direction, value: null });
}

/** Removes every direction attribute (so the session default no longer applies). */
export function clearDirection(holder: SdpAttributeHolder): void {
  holder.attributes = holder.attributes.filter((a) => !isDirection(a.name));
}

/** The peer's direction seen from our side: their sendonly is our recvonly. */
export function reverseDirection(direction: Direction): Direction {
  const bits = toBits(direction);
  return BITS[((bits & SEND) << 1) | ((bits & RECV) >> 1)];
}

/** What both directions allow. */
export function intersectDirections(a: Direction, b: Direction): Direction {
  return BITS[toBits(a) & toBits(b)];
}

/** Removes sending: used when the peer has no address to send to (c=0.0.0.0). */
export function withoutSend(direction: Direction): Direction {
  return BITS[toBits(direction) & RECV];
}

/** Removes receiving. */
export function withoutReceive(direction: Direction): Direction {
  return BITS[toBits(direction) & SEND];
}

/** Direction to offer when putting the peer on hold (RFC 3264 §8.4): stop receiving. */
export function holdDirection(current: Direction): Direction {
  return withoutReceive(current);
}

/** Direction to offer when taking the peer off hold: receive again. */
export function resumeDirection(current: Direction): Direction {
  return BITS[toBits(current) | RECV];
}
