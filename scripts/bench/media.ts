// The media part of `quip bench`: G.711, RTP and a whole call's cost, measured inside QuickJS.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../../build/bundle.ts';
import { QuickJsSession } from './quickjs-runner.ts';

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

/** Runs each measurement for about `seconds` (calibrated), best of `repeats`. */
export async function runMediaBench(seconds: number, repeats: number, log: (line: string) => void): Promise<MediaReport> {
  const built = await bundle({ entry: HARNESS, globalName: 'media', minify: true, forbidNodeBuiltins: true });
  const session = await QuickJsSession.open('media', built.code);
  try {
    const measure = (fn: string, unitsPerCall: number, higherIsBetter: boolean): number => {
      // Calibrate: grow n until one call takes a tenth of the budget, then scale.
      let n = 50;
      for (;;) {
        const t0 = performance.now();
        session.run(`media.${fn}(${n})`);
        const ms = performance.now() - t0;
        if (ms > 100 || n > 5e6) {
          n = Math.max(unitsPerCall, Math.round((n * seconds * 1000) / Math.max(ms, 1)));
          break;
        }
        n *= 4;
      }
      const values: number[] = [];
      for (let r = 0; r < repeats; r++) values.push(session.run(`media.${fn}(${n})`) as number);
      return higherIsBetter ? Math.max(...values) : Math.min(...values);
    };
    const encode = measure('encodeSamplesPerSecond', 1, true);
    const reference = measure('referenceEncodeSamplesPerSecond', 1, true);
    const packets = measure('packetsPerSecond', 1, true);
    const cpu = measure('callCpuPercent', 50, false);
    const report: MediaReport = {
      rtp_packetize_per_s: Math.round(packets),
      g711_encode_samples_per_s: Math.round(encode),
      reference_g711_encode_samples_per_s: Math.round(reference),
      g711_ratio_vs_reference: Math.round((encode / reference) * 1000) / 1000,
      call_cpu_percent: Math.round(cpu * 1000) / 1000,
    };
    log(`media: ${report.rtp_packetize_per_s.toLocaleString('en-US')} RTP packets/s, G.711 encode ${report.g711_encode_samples_per_s.toLocaleString('en-US')} samples/s (${report.g711_ratio_vs_reference}× the reference encoder), one call ${report.call_cpu_percent} % of a core`);
    return report;
  } finally {
    session.dispose();
  }
}
