// Runs INSIDE QuickJS: the media hot path timed in a loop — G.711 encoding, RTP packetizing,
// and one full-duplex 20 ms G.711 call frame by frame — plus a reference µ-law encoder (the
// classic per-sample bit-twiddling algorithm, as in CCITT/Sun g711.c) as the peer measured in
// the same engine.

import { pcmToBinary } from '../../../firmware/codec/g711.ts';
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

/** The textbook µ-law encoder: bias, find the segment by shifting, per sample. */
function referenceUlaw(sample: number): number {
  const BIAS = 0x84;
  let sign = 0;
  let s = sample;
  if (s < 0) {
    s = -s;
    sign = 0x80;
  }
  if (s > 32635) s = 32635;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
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
    for (let i = 0; i < FRAME; i++) out[i] = referenceUlaw(pcm[i]!);
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
