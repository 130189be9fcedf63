// The calibrate-then-repeat timing shared by every engine the bench runs in: the Node side drives
// it for the wasm QuickJS sessions, and the same code is bundled into the script quip-host runs
// with --run (vm/native-driver.ts), so native and wasm figures come from identical loops.
// No Node APIs here: this file also runs inside QuickJS.

export interface Measurement {
  /** Messages processed per timed run. */
  iterations: number;
  /** Messages per second of each timed run. */
  samples: number[];
  median: number;
  best: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Calibrates the iteration count of `loop` (which runs n messages and returns the milliseconds it
 * took) to ~`seconds`, then times `repeats` runs. Counts are whole workload cycles, so every
 * message weighs the same in the mix.
 */
export function measureLoop(loop: (n: number) => number, seconds: number, repeats: number, cycle: number): Measurement {
  const targetMs = seconds * 1000;
  const calibrationMs = Math.max(targetMs / 10, 5);
  let cycles = 1;
  let ms = loop(cycles * cycle);
  while (ms < calibrationMs) {
    const grow = ms > 0 ? Math.min(10, (calibrationMs * 1.25) / ms) : 10;
    cycles = Math.ceil(cycles * Math.max(grow, 1.5));
    ms = loop(cycles * cycle);
  }
  const iterations = cycle * Math.max(1, Math.round((cycles * targetMs) / ms));
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t = loop(iterations);
    samples.push(iterations / (Math.max(t, 1e-3) / 1000));
  }
  return {
    iterations,
    samples: samples.map(Math.round),
    median: Math.round(median(samples)),
    best: Math.round(Math.max(...samples)),
  };
}

/**
 * A media-harness figure: `call(n)` runs n units and returns the figure; `clock` is a millisecond
 * clock around the call. Grows n until one call takes ~100 ms, scales it to ~`seconds`, then keeps
 * the best of `repeats` (highest rate, or lowest cost when !higherIsBetter).
 */
export function measureFigure(
  call: (n: number) => number,
  clock: () => number,
  seconds: number,
  repeats: number,
  unitsPerCall: number,
  higherIsBetter: boolean,
): number {
  let n = 50;
  for (;;) {
    const t0 = clock();
    call(n);
    const ms = clock() - t0;
    if (ms > 100 || n > 5e6) {
      n = Math.max(unitsPerCall, Math.round((n * seconds * 1000) / Math.max(ms, 1)));
      break;
    }
    n *= 4;
  }
  const values: number[] = [];
  for (let r = 0; r < repeats; r++) values.push(call(n));
  return higherIsBetter ? Math.max(...values) : Math.min(...values);
}
