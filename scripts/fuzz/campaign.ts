// A fuzz run: generates inputs per kind on the host, feeds them to the firmware inside QuickJS
// in batches, and narrows any batch the watchdog or the heap limit stopped down to the input
// responsible (bisection, a fresh VM each try). Crashing inputs are re-run under Node from the
// TypeScript sources, for a stack with file and line.

import { pathToFileURL } from 'node:url';
import { loadCorpus } from './corpus.ts';
import type { Corpus } from './corpus.ts';
import { FIRMWARE_TARGET, bundleTarget } from './bundle-target.ts';
import { FindingLog } from './findings.ts';
import type { Finding, FindingType } from './findings.ts';
import { FUZZ_KINDS, KIND_WEIGHTS } from './kinds.ts';
import type { FuzzKind } from './kinds.ts';
import { createMutator } from './mutate.ts';
import type { Mutator } from './mutate.ts';
import type { BatchResult, RunBatch } from './protocol.ts';
import { Random } from './random.ts';
import { DEFAULT_LIMITS, FuzzSandbox } from './sandbox.ts';
import type { CallResult, SandboxLimits } from './sandbox.ts';

export interface FuzzOptions {
  /** Generated inputs in all (default 20,000), split across kinds by KIND_WEIGHTS. */
  count?: number;
  seed?: number;
  kinds?: readonly FuzzKind[];
  /** Inputs per call into the VM (default 500) and octets per call at most (default 512 KiB). */
  batchSize?: number;
  batchBytes?: number;
  limits?: Partial<SandboxLimits>;
  /** The in-VM entry (default: the firmware targets). */
  targetEntry?: string;
  /** Inputs fed before the generated ones (replays, harness tests); not part of `count`. */
  extraInputs?: ReadonlyArray<{ kind: FuzzKind; input: string }>;
  /** Distinct findings kept with details (default 10); all are counted. */
  maxFindings?: number;
  /** Re-run crashing inputs under Node for a TypeScript stack (default true). */
  sourceStacks?: boolean;
  corpus?: Corpus;
  /** Run only every count-th batch of generated inputs, from index (parallel workers). */
  shard?: { index: number; count: number };
  onProgress?: (p: FuzzProgress) => void;
}

export interface FuzzProgress {
  done: number;
  total: number;
  failures: number;
  seconds: number;
}

export interface KindStats {
  inputs: number;
  accepted: number;
  rejected: number;
  crashes: number;
  invariantViolations: number;
  hangs: number;
  outOfMemory: number;
  slowestMs: number;
}

export interface FuzzReport {
  seed: number;
  requested: number;
  inputs: number;
  kinds: Partial<Record<FuzzKind, KindStats>>;
  crashes: number;
  invariantViolations: number;
  hangs: number;
  outOfMemory: number;
  /** Calls the watchdog stopped, the bisection's included (a hang is one input alone over it). */
  watchdogInterrupts: number;
  /** Calls stopped because the heap went over its limit. */
  memoryInterrupts: number;
  findings: Finding[];
  seconds: number;
  /** Time spent inside QuickJS calls. */
  vmSeconds: number;
  inputsPerSecond: number;
  vmInputsPerSecond: number;
  slowest: { kind: FuzzKind; ms: number; bytes: number } | null;
  heapHighWaterBytes: number;
  limits: SandboxLimits;
  bundleBytes: number;
  calls: number;
  /** Worker threads the run was split across. */
  jobs: number;
  passed: boolean;
}

const DEFAULT_COUNT = 20_000;

/** Splits `count` by weight (largest remainder), so the shares add up exactly. */
export function shareCounts(count: number, kinds: readonly FuzzKind[]): Map<FuzzKind, number> {
  const total = kinds.reduce((n, k) => n + KIND_WEIGHTS[k], 0);
  const exact = kinds.map((k) => (count * KIND_WEIGHTS[k]) / total);
  const shares = exact.map(Math.floor);
  let left = count - shares.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) if (left-- > 0) shares[i]!++;
  return new Map(kinds.map((k, i) => [k, shares[i]!]));
}

/** The inputs a run with this seed generates for a kind (the same every time). */
export function generateInputs(kind: FuzzKind, count: number, seed: number, corpus: Corpus = loadCorpus()): string[] {
  const mutator = createMutator(kind, corpus[kind], new Random(seed, kind));
  return Array.from({ length: count }, () => mutator.next());
}

interface Queue {
  kind: FuzzKind;
  left: number;
  extra: string[];
  mutator: Mutator;
  /** Batches of generated inputs taken so far. */
  batches: number;
}

export async function runFuzz(options: FuzzOptions = {}): Promise<FuzzReport> {
  const started = performance.now();
  const seed = options.seed ?? 1;
  const count = options.count ?? DEFAULT_COUNT;
  const kinds = options.kinds ?? FUZZ_KINDS;
  const limits: SandboxLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const batchSize = options.batchSize ?? 500;
  const batchBytes = options.batchBytes ?? 512 * 1024;
  const entry = options.targetEntry ?? FIRMWARE_TARGET;
  const corpus = options.corpus ?? loadCorpus();
  const code = await bundleTarget(entry);
  const log = new FindingLog(options.maxFindings ?? 10);
  const shares = shareCounts(count, kinds);
  const shard = options.shard ?? { index: 0, count: 1 };
  const extras = shard.index === 0 ? options.extraInputs ?? [] : [];
  const queues: Queue[] = [...new Set([...kinds, ...extras.map((e) => e.kind)])].map((kind) => ({
    kind,
    left: shares.get(kind) ?? 0,
    extra: extras.filter((e) => e.kind === kind).map((e) => e.input),
    mutator: createMutator(kind, corpus[kind], new Random(seed, kind)),
    batches: 0,
  }));
  const stats = new Map<FuzzKind, KindStats>(queues.map((q) => [q.kind, emptyStats()]));
  const total = Math.ceil(count / shard.count) + extras.length;
  const report = {
    watchdogInterrupts: 0, memoryInterrupts: 0, vmMs: 0, calls: 0, heapHighWater: 0,
    slowest: null as FuzzReport['slowest'],
  };
  let sandbox = await FuzzSandbox.open(code, limits);
  let done = 0;

  const reopen = async (): Promise<void> => {
    sandbox.dispose();
    sandbox = await FuzzSandbox.open(code, limits);
  };

  const absorb = (kind: FuzzKind, inputs: readonly string[], r: BatchResult): boolean => {
    const s = stats.get(kind)!;
    s.inputs += r.inputs;
    s.accepted += r.accepted;
    s.rejected += r.rejected;
    if (r.slowestIndex >= 0 && r.slowestMs > s.slowestMs) s.slowestMs = r.slowestMs;
    if (r.slowestIndex >= 0 && (report.slowest === null || r.slowestMs > report.slowest.ms)) {
      report.slowest = { kind, ms: r.slowestMs, bytes: inputs[r.slowestIndex]!.length };
    }
    let poisoned = false;
    for (const c of r.crashes) {
      const type: FindingType =
        c.name === 'InvariantError' ? 'invariant'
        : c.name === 'InternalError' && /out of memory/i.test(c.message) ? 'out-of-memory'
        : 'crash';
      if (type === 'out-of-memory') poisoned = true;
      tally(s, type);
      log.add(type, kind, inputs[c.index]!, c.name, c.message, c.stack);
    }
    return poisoned;
  };

  const runSafely = async (kind: FuzzKind, inputs: readonly string[], retry = false): Promise<void> => {
    const r: CallResult = sandbox.runBatch(kind, inputs);
    report.calls++;
    report.vmMs += r.ms;
    if (r.ok) {
      const poisoned = absorb(kind, inputs, r.result);
      const heap = sandbox.heapUsed();
      if (heap > report.heapHighWater) report.heapHighWater = heap;
      if (heap > limits.heapBytes) {
        // Kept after the call returned: state that grows across inputs, not one input's doing.
        report.memoryInterrupts++;
        log.add('out-of-memory', kind, '', 'heap', `${heap} bytes still held after a batch of ${inputs.length}`, '');
      }
      if (poisoned || heap > limits.heapBytes) await reopen();
      return;
    }
    if (r.fault === 'watchdog') report.watchdogInterrupts++;
    if (r.fault === 'out-of-memory') report.memoryInterrupts++;
    await reopen();
    if (inputs.length > 1) {
      const mid = inputs.length >> 1;
      await runSafely(kind, inputs.slice(0, mid));
      await runSafely(kind, inputs.slice(mid));
      return;
    }
    // One input alone: a finding only if it fails again (a busy host can stall one call).
    if (!retry) return runSafely(kind, inputs, true);
    const s = stats.get(kind)!;
    s.inputs++;
    const type: FindingType = r.fault === 'watchdog' ? 'hang' : r.fault === 'out-of-memory' ? 'out-of-memory' : 'crash';
    tally(s, type);
    const what =
      r.fault === 'watchdog' ? `ran longer than the ${limits.watchdogMs} ms watchdog`
      : r.fault === 'out-of-memory' ? `exhausted the ${limits.heapBytes / 1024 / 1024} MiB heap`
      : r.message;
    log.add(type, kind, inputs[0]!, r.fault, what, '');
  };

  try {
    for (;;) {
      let progressed = false;
      for (const q of queues) {
        const generated = q.extra.length === 0;
        const batch = takeBatch(q, batchSize, batchBytes);
        if (batch.length === 0) continue;
        progressed = true;
        // Every shard generates the same inputs (cheap on the host) and runs its own stripe.
        if (generated && q.batches++ % shard.count !== shard.index) continue;
        await runSafely(q.kind, batch);
        done += batch.length;
        options.onProgress?.({ done, total, failures: log.total, seconds: (performance.now() - started) / 1000 });
      }
      if (!progressed) break;
    }
  } finally {
    sandbox.dispose();
  }

  if (options.sourceStacks ?? true) await addSourceStacks(entry, log.findings);
  const seconds = (performance.now() - started) / 1000;
  const inputs = [...stats.values()].reduce((n, s) => n + s.inputs, 0);
  return {
    seed,
    requested: count,
    inputs,
    kinds: Object.fromEntries(stats),
    crashes: log.counts.crash,
    invariantViolations: log.counts.invariant,
    hangs: log.counts.hang,
    outOfMemory: log.counts['out-of-memory'],
    watchdogInterrupts: report.watchdogInterrupts,
    memoryInterrupts: report.memoryInterrupts,
    findings: log.findings,
    seconds,
    vmSeconds: report.vmMs / 1000,
    inputsPerSecond: inputs / seconds,
    vmInputsPerSecond: report.vmMs > 0 ? inputs / (report.vmMs / 1000) : 0,
    slowest: report.slowest,
    heapHighWaterBytes: report.heapHighWater,
    limits,
    bundleBytes: Buffer.byteLength(code, 'utf8'),
    calls: report.calls,
    jobs: 1,
    passed: log.total === 0,
  };
}

function emptyStats(): KindStats {
  return { inputs: 0, accepted: 0, rejected: 0, crashes: 0, invariantViolations: 0, hangs: 0, outOfMemory: 0, slowestMs: 0 };
}

function tally(s: KindStats, type: FindingType): void {
  if (type === 'crash') s.crashes++;
  else if (type === 'invariant') s.invariantViolations++;
  else if (type === 'hang') s.hangs++;
  else s.outOfMemory++;
}

/** Extra inputs first, in batches of their own, so generated batches are the same with or without them. */
function takeBatch(q: Queue, size: number, maxBytes: number): string[] {
  const batch: string[] = [];
  let bytes = 0;
  const fromExtra = q.extra.length > 0;
  while (batch.length < size && bytes < maxBytes && (fromExtra ? q.extra.length > 0 : q.left > 0)) {
    const input = fromExtra ? q.extra.shift()! : (q.left--, q.mutator.next());
    batch.push(input);
    bytes += input.length;
  }
  return batch;
}

/** Runs each crashing input through the same entry under Node, where stacks name .ts lines. */
export async function addSourceStacks(entry: string, findings: Finding[]): Promise<void> {
  const targets = findings.filter((f) => f.type === 'crash' || f.type === 'invariant');
  if (targets.length === 0) return;
  let run: RunBatch;
  try {
    run = ((await import(pathToFileURL(entry).href)) as { run: RunBatch }).run;
  } catch {
    return; // no TypeScript loader here: the VM stack has to do
  }
  for (const f of targets) {
    const input = Buffer.from(f.inputBase64, 'base64');
    try {
      const data = input.buffer.slice(input.byteOffset, input.byteOffset + input.length);
      const r = JSON.parse(run(f.kind, data, JSON.stringify([input.length]))) as BatchResult;
      f.sourceStack = trimStack(r.crashes[0]?.stack);
    } catch {
      f.sourceStack = null;
    }
  }
}

/** The frames up to the runner; what called the runner (this module) is noise. */
function trimStack(stack: string | undefined): string | null {
  if (!stack) return null;
  const lines = stack.split('\n');
  const runner = lines.findIndex((l) => l.includes('vm-runner.ts'));
  return (runner === -1 ? lines : lines.slice(0, runner + 1)).join('\n');
}
