// The HAL speaks byte strings, but the media path makes them from octets and turns them back
// into octets: a 20 ms frame or an RTP packet is converted both ways at the VM boundary. In
// QuickJS a per-char loop over 320 octets costs more than G.711-encoding them, so the last few
// byte strings made from (or for) octets remember those octets, and the way back is a lookup.
// A hit is always right — equal strings have equal octets — and a miss takes the loop.

import { bytesToBinary } from './utf8.ts';

const SLOTS = 4;
/** fromCharCode.apply's safe argument count (as bytesToBinary chunks). */
const MAX_REMEMBERED = 8192;
const strings: Array<string | null> = [null, null, null, null];
const octets: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)];
let next = 0;

/** Remembers that `bin` holds `bytes`, which the caller hands over: nobody may write them again. */
export function rememberOctets(bin: string, bytes: Uint8Array): void {
  strings[next] = bin;
  octets[next] = bytes;
  next = (next + 1) % SLOTS;
}

/** The octets `bin` was made from or for, or null. Read-only: other callers share them. */
export function recallOctets(bin: string): Uint8Array | null {
  for (let i = 0; i < SLOTS; i++) if (strings[i] === bin) return octets[i]!;
  return null;
}

/** bytes → byte string, remembering a private copy of the octets (native copy and conversion). */
export function octetsToBinary(bytes: Uint8Array): string {
  if (bytes.length > MAX_REMEMBERED) return bytesToBinary(bytes);
  const own = bytes.slice();
  const bin = String.fromCharCode.apply(null, own as unknown as number[]);
  rememberOctets(bin, own);
  return bin;
}
