// The human-readable fuzz report.

import type { FuzzReport, KindStats } from './campaign.ts';
import type { Finding } from './findings.ts';
import type { FuzzKind } from './kinds.ts';

const n = (x: number): string => Math.round(x).toLocaleString('en-US');
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export function formatReport(r: FuzzReport): string {
  const header = ['kind', 'inputs', 'accepted', 'rejected', 'crashes', 'invariant', 'hangs', 'oom', 'slowest'];
  const rows = (Object.entries(r.kinds) as Array<[FuzzKind, KindStats]>)
    .filter(([, s]) => s.inputs > 0)
    .map(([kind, s]) => [
      kind, n(s.inputs), n(s.accepted), n(s.rejected), n(s.crashes), n(s.invariantViolations), n(s.hangs), n(s.outOfMemory), `${s.slowestMs} ms`,
    ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [
    `quip fuzz: ${n(r.inputs)} inputs, seed ${r.seed}, ${r.seconds.toFixed(1)} s on ${r.jobs} thread${r.jobs === 1 ? '' : 's'}: ` +
      `${n(r.inputsPerSecond)} inputs/s overall, ${n(r.vmInputsPerSecond)} inputs/s per QuickJS`,
    `QuickJS limits: heap ${mib(r.limits.heapBytes)}, stack ${r.limits.stackBytes / 1024} KiB, ` +
      `watchdog ${r.limits.watchdogMs} ms per call (batches bisected down to the input); bundle ${n(r.bundleBytes)} bytes`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `crashes: ${n(r.crashes)}   invariant violations: ${n(r.invariantViolations)}   hangs: ${n(r.hangs)}   ` +
      `memory exhaustion: ${n(r.outOfMemory)}   watchdog interrupts: ${n(r.watchdogInterrupts)}   heap-limit interrupts: ${n(r.memoryInterrupts)}`,
    `heap high-water: ${mib(r.heapHighWaterBytes)}` +
      (r.slowest ? `   slowest input: ${r.slowest.ms} ms (${r.slowest.kind}, ${n(r.slowest.bytes)} bytes)` : ''),
  ];
  for (const f of r.findings) out.push('', ...formatFinding(f));
  const distinct = r.findings.length;
  if (!r.passed) out.push('', `FAIL: ${distinct} distinct finding${distinct === 1 ? '' : 's'} shown; reproduce one with --replay <kind>:<base64>`);
  else out.push('', 'PASS');
  return out.join('\n') + '\n';
}

function formatFinding(f: Finding): string[] {
  const lines = [
    `${f.type.toUpperCase()} in ${f.kind}: ${f.name}: ${f.message} (${f.count} input${f.count === 1 ? '' : 's'}; shortest ${f.inputBytes} bytes)`,
  ];
  const stack = f.sourceStack ?? f.stack;
  if (stack) lines.push(...stack.trimEnd().split('\n').slice(0, 8).map((l) => '    ' + l.trim()));
  if (f.sourceStack === null && f.stack) lines.push('    (stack from the minified QuickJS bundle: no TypeScript stack from a Node re-run)');
  lines.push(`  reproducer (${f.kind}, base64): ${f.inputBase64}`);
  return lines;
}
