// `--jobs N`: the same campaign split across worker threads, one QuickJS per thread. Every
// worker generates the same inputs and runs every N-th batch, so a seed means the same inputs
// whatever N is; the reports are then added up.

import { Worker } from 'node:worker_threads';
import { addSourceStacks, runFuzz } from './campaign.ts';
import type { FuzzOptions, FuzzReport, KindStats } from './campaign.ts';
import { FIRMWARE_TARGET } from './bundle-target.ts';
import { FindingLog } from './findings.ts';
import type { FuzzKind } from './kinds.ts';
import type { WorkerMessage } from './worker-main.ts';

const WORKER = new URL('./worker.mjs', import.meta.url);

export async function runFuzzParallel(options: FuzzOptions & { jobs?: number }): Promise<FuzzReport> {
  const { jobs = 1, onProgress, corpus: _corpus, ...rest } = options;
  if (jobs <= 1) return runFuzz(options);
  const started = performance.now();
  const done = new Array<number>(jobs).fill(0);
  const failures = new Array<number>(jobs).fill(0);
  const total = (rest.count ?? 20_000) + (rest.extraInputs?.length ?? 0);
  const reports = await Promise.all(
    Array.from({ length: jobs }, (_, index) =>
      runWorker({ ...rest, shard: { index, count: jobs } }, (n, f) => {
        done[index] = n;
        failures[index] = f;
        const add = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
        onProgress?.({ done: add(done), total, failures: add(failures), seconds: (performance.now() - started) / 1000 });
      }),
    ),
  );
  const merged = mergeReports(reports, (performance.now() - started) / 1000, options.maxFindings ?? 10);
  if (options.sourceStacks ?? true) await addSourceStacks(options.targetEntry ?? FIRMWARE_TARGET, merged.findings);
  return merged;
}

function runWorker(options: FuzzOptions, onDone: (done: number, failures: number) => void): Promise<FuzzReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: options });
    let report: FuzzReport | null = null;
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') onDone(m.done, m.failures);
      else report = m.report;
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (report !== null) resolve(report);
      else reject(new Error(`fuzz worker exited with code ${code} before reporting`));
    });
  });
}

export function mergeReports(reports: readonly FuzzReport[], seconds: number, maxFindings: number): FuzzReport {
  const first = reports[0]!;
  const log = new FindingLog(maxFindings);
  const kinds: Partial<Record<FuzzKind, KindStats>> = {};
  const sum = (pick: (r: FuzzReport) => number): number => reports.reduce((n, r) => n + pick(r), 0);
  for (const r of reports) {
    for (const f of r.findings) log.merge(f);
    for (const [kind, s] of Object.entries(r.kinds) as Array<[FuzzKind, KindStats]>) {
      const into = kinds[kind];
      if (into === undefined) {
        kinds[kind] = { ...s };
        continue;
      }
      for (const key of Object.keys(s) as Array<keyof KindStats>) {
        into[key] = key === 'slowestMs' ? Math.max(into[key], s[key]) : into[key] + s[key];
      }
    }
  }
  const inputs = sum((r) => r.inputs);
  const vmSeconds = sum((r) => r.vmSeconds);
  const slowest = reports.map((r) => r.slowest).reduce((a, b) => (b !== null && (a === null || b.ms > a.ms) ? b : a), null);
  const failures = sum((r) => r.crashes + r.invariantViolations + r.hangs + r.outOfMemory);
  return {
    ...first,
    inputs,
    kinds,
    crashes: sum((r) => r.crashes),
    invariantViolations: sum((r) => r.invariantViolations),
    hangs: sum((r) => r.hangs),
    outOfMemory: sum((r) => r.outOfMemory),
    watchdogInterrupts: sum((r) => r.watchdogInterrupts),
    memoryInterrupts: sum((r) => r.memoryInterrupts),
    findings: log.findings,
    seconds,
    vmSeconds,
    inputsPerSecond: inputs / seconds,
    vmInputsPerSecond: vmSeconds > 0 ? inputs / vmSeconds : 0,
    slowest,
    heapHighWaterBytes: Math.max(...reports.map((r) => r.heapHighWaterBytes)),
    calls: sum((r) => r.calls),
    jobs: reports.length,
    passed: failures === 0,
  };
}
