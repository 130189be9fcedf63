// Stream target: a TCP byte stream cut by StreamFramer. The input arrives in random chunks
// (strings or Uint8Arrays) and, separately, all at once: framing must not depend on how the
// octets were split. Every framed message then goes through the SIP target.

import { StreamFramer } from '../../../firmware/sip/stream-framer.ts';
import type { Peer } from '../../../firmware/sip/transport/peer.ts';
import { binaryToBytes } from '../../../firmware/util/utf8.ts';
import type { Outcome } from '../protocol.ts';
import { allowSipError, inputRng, invariant } from './checks.ts';
import { receiveSip } from './sip.ts';

const TCP_PEER: Peer = { transport: 'tcp', address: '198.51.100.9', port: 40123, conn: 1 };
/** Pushes per input at most: one push is one HAL event on the phone, each under the watchdog. */
const MAX_CHUNKS = 64;

interface Framing {
  messages: string[];
  pings: number;
  pending: number;
  error: string | null;
}

export function fuzzStream(input: string): Outcome {
  const chunked = frame(input, inputRng(input));
  const whole = frame(input, null);
  invariant(sameFraming(chunked, whole), `framing depends on chunking: ${describe(chunked)} vs whole ${describe(whole)}`);
  for (const m of chunked.messages) receiveSip(m, TCP_PEER);
  return chunked.error === null ? 'accepted' : 'rejected';
}

function frame(input: string, rng: (() => number) | null): Framing {
  const framer = new StreamFramer();
  const out: Framing = { messages: [], pings: 0, pending: 0, error: null };
  const minChunk = Math.ceil(input.length / MAX_CHUNKS);
  let pos = 0;
  while (pos < input.length) {
    const size = rng === null ? input.length : Math.max(minChunk, chunkSize(rng, input.length - pos));
    const piece = input.slice(pos, pos + size);
    pos += size;
    try {
      const f = framer.push(rng !== null && rng() < 0.3 ? binaryToBytes(piece) : piece);
      for (const m of f.messages) out.messages.push(m);
      out.pings += f.pings;
    } catch (e) {
      out.error = allowSipError(e).message;
      break;
    }
  }
  out.pending = framer.pending;
  return out;
}

/** Mostly small pieces (split CRLFs, split headers), sometimes large ones. */
function chunkSize(rng: () => number, left: number): number {
  const r = rng();
  const max = r < 0.5 ? 8 : r < 0.8 ? 256 : left;
  return 1 + Math.floor(rng() * max);
}

/** Both failed (earlier messages may differ: a failing push returns none), or both agree fully. */
function sameFraming(a: Framing, b: Framing): boolean {
  if (a.error !== null || b.error !== null) return a.error !== null && b.error !== null;
  return (
    a.pings === b.pings &&
    a.pending === b.pending &&
    a.messages.length === b.messages.length &&
    a.messages.every((m, i) => m === b.messages[i])
  );
}

function describe(f: Framing): string {
  return `${f.messages.length} messages, ${f.pings} pings, ${f.pending} pending, error ${f.error ?? 'none'}`;
}
