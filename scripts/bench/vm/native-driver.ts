// Runs INSIDE quip-host (`quip-host --run <script>`, the QuickJS C engine of the native board
// host): the same parser adapter, parse loop and media harness the wasm figures use, timed by the
// same calibration code (../measure.ts), with quip-host's monotonic clock. The Node side
// (../native.ts) prepends the globals below and reads the one JSON line this prints.
import { bench } from '../adapters/quip.ts';
import * as media from './media-harness.ts';
import { measureFigure, measureLoop } from '../measure.ts';

/** quip-host --run's API: a stdout line, a monotonic clock (ms) and the process CPU time (ms). */
declare const print: (line: string) => void;
declare const now: () => number;
declare const cpuMs: () => number;
/** Set by the prepended prelude. */
declare const __config: { inputs: string; messages: number; seconds: number; repeats: number; media: boolean };

const cfg = __config;
const wall0 = now();
const cpu0 = cpuMs();
bench.load(cfg.inputs);
const keys: unknown[] = [];
for (let i = 0; i < cfg.messages; i++) keys.push(JSON.parse(bench.keys(i)));
const parse = measureLoop(
  (n) => {
    const r = JSON.parse(bench.parseLoop(n)) as { ms: number; sink: number };
    if (!(r.sink > 0)) throw new Error(`parseLoop produced no output (sink ${r.sink})`);
    return r.ms;
  },
  cfg.seconds,
  cfg.repeats,
  cfg.messages,
);
let mediaRaw: Record<string, number> | null = null;
if (cfg.media) {
  const figure = (f: (n: number) => number, units: number, higherIsBetter: boolean): number =>
    measureFigure(f, now, cfg.seconds, cfg.repeats, units, higherIsBetter);
  mediaRaw = {
    encode: figure(media.encodeSamplesPerSecond, 1, true),
    reference: figure(media.referenceEncodeSamplesPerSecond, 1, true),
    packets: figure(media.packetsPerSecond, 1, true),
    cpu: figure(media.callCpuPercent, 50, false),
  };
}
print(JSON.stringify({ keys, parse, media: mediaRaw, wall_ms: now() - wall0, cpu_ms: cpuMs() - cpu0 }));
