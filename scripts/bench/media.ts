// The media part of `quip bench`: G.711, RTP and a whole call's cost, measured inside QuickJS.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../../build/bundle.ts';
import { QuickJsSession } from './quickjs-runner.ts';
import { measureFigure } from './measure.ts';

const HARNESS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'vm', 'media-harness.ts');

export interface MediaReport {
  rtp_packetize_per_s: number;
  g711_encode_samples_per_s: number;
  /** The textbook per-sample µ-law encoder in the same engine: the peer. */
  reference_g711_encode_samples_per_s: number;
  g711_ratio_vs_reference: number;
  /** CPU share of one core that one full-duplex 20 ms G.711 call costs (target ≤ 1 %). */
  call_cpu_percent: number;
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

/** Runs each measurement for about `seconds` (calibrated), best of `repeats`. */
export async function runMediaBench(seconds: number, repeats: number, log: (line: string) => void): Promise<MediaReport> {
  const built = await bundle({ entry: HARNESS, globalName: 'media', minify: true, forbidNodeBuiltins: true });
  const session = await QuickJsSession.open('media', built.code);
  try {
    const measure = (fn: string, unitsPerCall: number, higherIsBetter: boolean): number =>
      measureFigure((n) => session.run(`media.${fn}(${n})`) as number, () => performance.now(), seconds, repeats, unitsPerCall, higherIsBetter);
    const encode = measure('encodeSamplesPerSecond', 1, true);
    const reference = measure('referenceEncodeSamplesPerSecond', 1, true);
    const packets = measure('packetsPerSecond', 1, true);
    const cpu = measure('callCpuPercent', 50, false);
    const report = mediaReport({ encode, reference, packets, cpu });
    log(`media: ${report.rtp_packetize_per_s.toLocaleString('en-US')} RTP packets/s, G.711 encode ${report.g711_encode_samples_per_s.toLocaleString('en-US')} samples/s (${report.g711_ratio_vs_reference}× the reference encoder), one call ${report.call_cpu_percent} % of a core`);
    return report;
  } finally {
    session.dispose();
  }
}
