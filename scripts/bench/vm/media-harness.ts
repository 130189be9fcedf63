// Runs INSIDE QuickJS: the media hot path timed in a loop — G.711 encoding, RTP packetizing,
// and one full-duplex 20 ms G.711 call frame by frame — plus the µ-law encoder peers use (the
// classic Sun Microsystems g711.c linear2ulaw, as in pjmedia and many SIP stacks) as the peer
// measured in the same engine.

import { linearToUlaw, pcmToBinary } from '../../../firmware/codec/g711.ts';
import { codecFor } from '../../../firmware/codec/registry.ts';
import { PacketLossConcealer } from '../../../firmware/codec/concealment.ts';
import { JitterBuffer } from '../../../firmware/rtp/jitter-buffer.ts';
import { readRtpBinary } from '../../../firmware/rtp/packet.ts';
import { RtpSender } from '../../../firmware/rtp/sender.ts';

declare const __now: () => number;

const PCMU = codecFor('PCMU')!;
const FRAME = 160;

function testFrame(phase: number): Int16Array {
  const f = new Int16Array(FRAME);
  for (let i = 0; i < FRAME; i++) f[i] = Math.round(8000 * Math.sin((2 * Math.PI * 1000 * (i + phase)) / 8000));
  return f;
}

// Sun g711.c's linear2ulaw, written from the algorithm: the 14-bit magnitude (sample >> 2,
// negated for negative samples), clipped at 8159, plus the bias (0x84 >> 2); the segment is
// found by a linear search of the segment end points, the 4 bits below the segment's leading
// one are the mantissa, and the code is inverted (0xFF positive, 0x7F negative).
const SUN_BIAS = 0x84;
const SUN_CLIP = 8159;
const SUN_SEG_UEND = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];

function sunSegment(value: number): number {
  for (let i = 0; i < 8; i++) if (value <= SUN_SEG_UEND[i]!) return i;
  return 8;
}

/** Sun g711.c linear2ulaw: a 16-bit sample → µ-law octet. */
export function sunLinearToUlaw(sample: number): number {
  let v = sample >> 2;
  let mask = 0xff;
  if (v < 0) {
    v = -v;
    mask = 0x7f;
  }
  if (v > SUN_CLIP) v = SUN_CLIP;
  v += SUN_BIAS >> 2;
  const seg = sunSegment(v);
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | ((v >> (seg + 1)) & 0x0f)) ^ mask;
}

/**
 * Checks the reference against quip's encoder over all 65536 inputs before it is timed. They
 * are one quantizer: non-negative samples give identical codes; for a negative sample Sun
 * takes the magnitude of -(x >> 2) where G.191 (and quip) take ~x >> 2, one step of 4 apart,
 * so Sun(x) must equal quip(x - 4). Returns how many codes differ from quip's unshifted;
 * throws when either check fails.
 */
export function checkReference(): { inputs: number; identical: number; shiftedNegatives: number } {
  let identical = 0;
  let shifted = 0;
  for (let x = -32768; x < 32768; x++) {
    const sun = sunLinearToUlaw(x);
    if (sun === linearToUlaw(x)) identical++;
    else if (x < 0 && sun === linearToUlaw(Math.max(-32768, x - 4))) shifted++;
    else throw new Error(`Sun g711 reference and quip disagree at ${x}: ${sun} vs ${linearToUlaw(x)}`);
  }
  return { inputs: 65536, identical, shiftedNegatives: shifted };
}

let lcg = 12345;
const random = (): number => {
  lcg = (Math.imul(lcg, 1664525) + 1013904223) >>> 0;
  return lcg;
};

function timeLoop(n: number, body: (i: number) => void): number {
  const t0 = __now();
  for (let i = 0; i < n; i++) body(i);
  return __now() - t0;
}

export function encodeSamplesPerSecond(frames: number): number {
  const pcm = testFrame(0);
  const out = new Uint8Array(FRAME);
  const ms = timeLoop(frames, () => PCMU.encode(pcm, out, 0));
  return (frames * FRAME) / (ms / 1000);
}

export function referenceEncodeSamplesPerSecond(frames: number): number {
  const pcm = testFrame(0);
  const out = new Uint8Array(FRAME);
  const ms = timeLoop(frames, () => {
    for (let i = 0; i < FRAME; i++) out[i] = sunLinearToUlaw(pcm[i]!);
  });
  return (frames * FRAME) / (ms / 1000);
}

export function packetsPerSecond(packets: number): number {
  const sender = new RtpSender({ payloadType: 0, random });
  const payload = new Uint8Array(FRAME).fill(0xff);
  let sink = 0;
  const ms = timeLoop(packets, () => {
    sink += sender.nextBinary(payload, FRAME).length;
  });
  return sink > 0 ? packets / (ms / 1000) : 0;
}

/**
 * One full-duplex call, `frames` frames of 20 ms: each side turns a HAL microphone frame
 * (byte string) into a G.711 RTP packet, and the other side parses it, runs it through the
 * jitter buffer, decodes it and turns it into a HAL speaker frame. Returns the CPU share of
 * one core the call costs, in percent.
 */
export function callCpuPercent(frames: number): number {
  const micA = pcmToBinary(testFrame(0));
  const micB = pcmToBinary(testFrame(40));
  const sides = [0, 1].map(() => ({
    sender: new RtpSender({ payloadType: 0, random }),
    jitter: new JitterBuffer({ clockRate: 8000, frameMs: 20 }),
    plc: new PacketLossConcealer(),
    payload: new Uint8Array(FRAME),
    out: new Int16Array(FRAME),
  }));
  let played = 0;
  const ms = timeLoop(frames, (i) => {
    const now = i * 20;
    for (let s = 0; s < 2; s++) {
      const me = sides[s]!;
      const peer = sides[1 - s]!;
      PCMU.encodeBinary(s === 0 ? micA : micB, me.payload, 0); // straight from the HAL's bytes, as RtpStream does
      const wire = me.sender.nextBinary(me.payload, FRAME);
      const pkt = readRtpBinary(wire);
      if (pkt !== null) peer.jitter.push(pkt, now);
    }
    for (let s = 0; s < 2; s++) {
      const me = sides[s]!;
      const p = me.jitter.pop(now);
      if (p.payload !== null) {
        PCMU.decode(p.payload, me.out);
        me.plc.good(me.out);
      } else {
        me.plc.conceal(me.out);
      }
      played += pcmToBinary(me.out).length;
    }
  });
  return played > 0 ? (ms / (frames * 20)) * 100 : 0;
}
