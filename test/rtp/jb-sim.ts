// Deterministic playout simulation for jitter buffer tests: packets with arrival times,
// a frame clock popping every frameMs, and a log of what each pop gave.
import type { JitterBuffer } from '../../firmware/rtp/jitter-buffer.ts';
import type { RtpPacket } from '../../firmware/rtp/packet.ts';

export interface Arrival {
  packet: RtpPacket;
  at: number;
}

export function packet(sequence: number, timestamp: number, extra: Partial<RtpPacket> = {}): RtpPacket {
  return {
    marker: false,
    payloadType: 0,
    sequence: sequence & 0xffff,
    timestamp: timestamp >>> 0,
    ssrc: 0x1234,
    csrc: [],
    extension: null,
    padding: 0,
    payload: new Uint8Array([sequence & 0xff]),
    ...extra,
  };
}

/** `count` packets of one stream sent every ptime from t=0, each arriving after `delay(i)` ms. */
export function stream(
  count: number,
  options: { seq?: number; ts?: number; ptimeMs?: number; sentAt?: number; delay?: (i: number) => number; extra?: Partial<RtpPacket> } = {},
): Arrival[] {
  const ptime = options.ptimeMs ?? 20;
  const out: Arrival[] = [];
  for (let i = 0; i < count; i++) {
    const p = packet((options.seq ?? 1000) + i, (options.ts ?? 50000) + i * ptime * 8, options.extra);
    if (i === 0 && options.extra?.marker === undefined) p.marker = true;
    out.push({ packet: p, at: (options.sentAt ?? 0) + i * ptime + (options.delay ? options.delay(i) : 0) });
  }
  return out;
}

export interface SimResult {
  /** Per pop: the sequence number played, 'L' (conceal) or '.' (idle). */
  log: string[];
  /** Sequence numbers played, in order. */
  played: number[];
  /** Wait of each played packet. */
  delays: number[];
}

/**
 * Runs pops at start, start + frame, ... while < end, pushing arrivals due before each pop;
 * `probe` sees the buffer after each pop.
 */
export function simulate(
  jb: JitterBuffer,
  arrivals: Arrival[],
  start: number,
  end: number,
  frameMs = 20,
  probe?: (popIndex: number) => void,
): SimResult {
  const queue = arrivals.map((a, i) => ({ ...a, i })).sort((a, b) => a.at - b.at || a.i - b.i);
  const res: SimResult = { log: [], played: [], delays: [] };
  let q = 0;
  for (let now = start; now < end; now += frameMs) {
    while (q < queue.length && queue[q]!.at <= now) {
      jb.push(queue[q]!.packet, queue[q]!.at);
      q++;
    }
    const r = jb.pop(now);
    if (r.packet) {
      res.log.push(String(r.packet.sequence));
      res.played.push(r.packet.sequence);
      res.delays.push(jb.stats.delayMs);
    } else res.log.push(r.lost ? 'L' : '.');
    probe?.(res.log.length - 1);
  }
  return res;
}

/** A small deterministic PRNG (mulberry32) for jitter patterns. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
