// The media part of `quip bench`: G.711, RTP and the bare media loop of a call, measured inside
// QuickJS. (What a call costs the whole firmware, VM boundary included, is firmware-call.ts.)

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../../build/bundle.ts';
import { ratioOf } from './figures.ts';
import type { Figure } from './figures.ts';
import { QuickJsSession } from './quickjs-runner.ts';
import { measureFigure } from './measure.ts';

const HARNESS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'vm', 'media-harness.ts');

export interface MediaReport {
  rtp_packetize_per_s: number;
  g711_encode_samples_per_s: number;
  /** The Sun g711.c linear2ulaw encoder (what peers use) in the same engine: the peer. */
  reference_g711_encode_samples_per_s: number;
  g711_ratio_vs_reference: number;
  /** CPU share of one core the bare media loop of one full-duplex 20 ms G.711 call costs. */
  call_cpu_percent: number;
}

/** What the reference check found over all 65536 inputs (see checkReference in the harness). */
export interface ReferenceCheck {
  inputs: number;
  identical: number;
  shiftedNegatives: number;
}

/** The raw harness figures, rounded as reported (shared by the wasm and the native runs). */
export function mediaReport(raw: { encode: number; reference: number; packets: number; cpu: number }): MediaReport {
  return {
    rtp_packetize_per_s: Math.round(raw.packets),
    g711_encode_samples_per_s: Math.round(raw.encode),
    reference_g711_encode_samples_per_s: Math.round(raw.reference),
    g711_ratio_vs_reference: Math.round((raw.encode / raw.reference) * 1000) / 1000,
    call_cpu_percent: Math.round(raw.cpu * 1000) / 1000,
  };
}

async function openHarness(): Promise<QuickJsSession> {
  const built = await bundle({ entry: HARNESS, globalName: 'media', minify: true, forbidNodeBuiltins: true });
  return QuickJsSession.open('media', built.code);
}

function measurer(session: QuickJsSession, seconds: number, repeats: number) {
  return (fn: string, unitsPerCall: number, higherIsBetter: boolean): number =>
    measureFigure((n) => session.run(`media.${fn}(${n})`) as number, () => performance.now(), seconds, repeats, unitsPerCall, higherIsBetter);
}

/** The media part in the shared shape. */
export interface MediaPart {
  figures: Figure[];
  details: { report: MediaReport; reference_check: ReferenceCheck };
}

/**
 * Each measurement for about `seconds` (calibrated), best of `repeats`, as figures;
 * bare_call_cpu_percent is the bare harness's call loop.
 */
export async function runMediaFigures(seconds: number, repeats: number, log: (line: string) => void): Promise<MediaPart> {
  const { report, check } = await runMedia(seconds, repeats, log);
  const figures: Figure[] = [
    { field: 'rtp_packetize_per_s', label: 'RTP packets built (per s)', value: report.rtp_packetize_per_s, unit: '/s' },
    {
      field: 'g711_encode_samples_per_s',
      label: 'G.711 µ-law encode (samples/s)',
      value: report.g711_encode_samples_per_s,
      unit: 'samples/s',
      peer: { name: 'Sun g711.c algorithm', value: report.reference_g711_encode_samples_per_s },
      ratio: ratioOf(report.g711_encode_samples_per_s, report.reference_g711_encode_samples_per_s),
    },
    {
      field: 'reference_g711_encode_samples_per_s',
      label: 'reference µ-law encode (samples/s)',
      value: report.reference_g711_encode_samples_per_s,
      unit: 'samples/s',
      note: `Sun g711.c algorithm (linear2ulaw: seg_uend search, bias 0x84, clip 8159), written from the algorithm; checked against quip's encoder over all ${check.inputs} inputs before timing (${check.identical} identical, ${check.shiftedNegatives} negative inputs one quantizer step of 4 apart: Sun negates x >> 2 where G.191 takes ~x >> 2)`,
    },
    { field: 'g711_ratio_vs_reference', label: 'G.711 encode vs the Sun g711.c algorithm', value: report.g711_ratio_vs_reference, unit: 'x' },
    {
      field: 'bare_call_cpu_percent',
      label: 'one call, bare media harness in QuickJS (% of a core)',
      value: report.call_cpu_percent,
      unit: '%',
      note: 'encode + packetize + parse + jitter buffer + decode for both ends of a call, no VM boundary, SIP, RTCP or display',
    },
  ];
  return { figures, details: { report, reference_check: check } };
}

/** The bare harness's call loop alone: % of a core for one call (for firmware-call.ts's peer). */
export async function measureBareCallCpu(seconds: number, repeats: number): Promise<number> {
  const session = await openHarness();
  try {
    return measurer(session, seconds, repeats)('callCpuPercent', 50, false);
  } finally {
    session.dispose();
  }
}

async function runMedia(seconds: number, repeats: number, log: (line: string) => void): Promise<{ report: MediaReport; check: ReferenceCheck }> {
  const session = await openHarness();
  try {
    // A reference that encodes differently would not be doing the same work: check before timing.
    const check = JSON.parse(session.run('JSON.stringify(media.checkReference())') as string) as ReferenceCheck;
    const measure = measurer(session, seconds, repeats);
    const encode = measure('encodeSamplesPerSecond', 1, true);
    const reference = measure('referenceEncodeSamplesPerSecond', 1, true);
    const packets = measure('packetsPerSecond', 1, true);
    const cpu = measure('callCpuPercent', 50, false);
    const report = mediaReport({ encode, reference, packets, cpu });
    log(`media: ${report.rtp_packetize_per_s.toLocaleString('en-US')} RTP packets/s, G.711 encode ${report.g711_encode_samples_per_s.toLocaleString('en-US')} samples/s (${report.g711_ratio_vs_reference}× the Sun g711.c algorithm), bare call loop ${report.call_cpu_percent} % of a core`);
    return { report, check };
  } finally {
    session.dispose();
  }
}
