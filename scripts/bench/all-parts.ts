// Runs every part of `quip bench` in order and gathers what they measured into one result: the
// JSON object (legacy fields, one field per figure, details), the figure sections the table and
// the report render, and the chart inputs.
import os from 'node:os';
import { runFirmwareCallBench } from './firmware-call.ts';
import type { Figure } from './figures.ts';
import { runFootprint } from './footprint.ts';
import { runLabVsKamailio } from './lab-vs-kamailio.ts';
import { runNativeBench } from './native-bench.ts';
import type { NativeReport } from './native-bench.ts';
import { runPhonesBench } from './phones.ts';
import type { FigureSection, LoadCurve, ReportCharts, ReportInput } from './report.ts';
import { BenchError, parserFigures, runBench } from './run.ts';
import type { BenchReport, ParserSpec } from './run.ts';
import { figureFields, nativeFigures, robustnessFigures, sippFigures } from './sections.ts';
import { findSipp, runSippLoad } from './sipp-load.ts';
import type { SippLoadReport } from './sipp-load.ts';

export interface BenchParts {
  seconds: number;
  parsers: ParserSpec[];
  native: boolean;
  /** Native phone calls (quip-host and emulator processes), seconds; 0 skips. */
  callSeconds: number;
  /** Simulated seconds of the whole-firmware call per timed run; 0 skips. */
  firmwareCallSeconds: number;
  /** Timed boots per board for the footprint; 0 skips the footprint. */
  footprintBoots: number;
  footprintCallSeconds: number;
  /** Emulated phones for the scale run; 0 skips it. */
  phones: number;
  phoneCalls: number | undefined;
  phoneCallSeconds: number;
  /** Seconds per step of the lab vs Kamailio ramps; 0 skips them. */
  loadSeconds: number;
  sippSeconds: number;
  sippRate: number;
}

export interface BenchResult {
  json: Record<string, unknown>;
  sections: FigureSection[];
  charts: ReportCharts;
  /** Lines said under the table (what was skipped and why). */
  notes: string[];
}

const CPU_TARGET_PERCENT = 0.5;
const P99_LIMIT_MS = 50;

function skippedFigure(field: string, label: string, unit: string, why: string, target?: Figure['target']): Figure {
  return { field, label, value: null, unit, note: why, target: target ?? null };
}

export async function runAllParts(o: BenchParts, log: (line: string) => void): Promise<BenchResult> {
  const repeats = 3;
  const hasQuip = o.parsers.some((p) => p.id === 'quip');
  const notes: string[] = [];
  // The parsers, the bare media harness (with the Sun g711.c reference) and the robustness runs.
  const report: BenchReport = await runBench({ seconds: o.seconds, parsers: o.parsers, log });
  const media = report.media;

  // Then the whole firmware in a call, beside the bare harness's figure.
  const bare = media?.details.report.call_cpu_percent ?? null;
  let firmwareCall: Awaited<ReturnType<typeof runFirmwareCallBench>> | null = null;
  if (hasQuip && o.firmwareCallSeconds > 0) {
    firmwareCall = await runFirmwareCallBench({ seconds: o.firmwareCallSeconds, repeats, bareCallCpuPercent: bare, log });
  }
  const callFigures = firmwareCall?.figures.filter((f) => f.field !== 'bare_call_cpu_percent') ?? [
    skippedFigure('call_cpu_percent', 'one call, whole firmware in the emulator runtime (% of a core)', '%', hasQuip ? '--firmware-call-seconds 0' : 'quip is not in this run (--only)', { op: '<=', value: CPU_TARGET_PERCENT }),
  ];

  const footprint = hasQuip && o.footprintBoots > 0 ? await runFootprint({ bootRuns: o.footprintBoots, callSeconds: o.footprintCallSeconds, progress: log }) : null;
  if (footprint === null) notes.push(hasQuip ? 'footprint: skipped (--footprint-boots 0)' : 'footprint: quip is not in this run');

  const phones = o.phones > 0 ? await runPhonesBench({ phones: o.phones, calls: o.phoneCalls, callSeconds: o.phoneCallSeconds, log }) : null;
  if (phones === null) notes.push('many phones: skipped (run with --phones N, e.g. --phones 500 --phone-calls 100)');

  const load = o.loadSeconds > 0 ? await runLabVsKamailio({ stepSeconds: o.loadSeconds, log }) : null;
  if (load === null) notes.push('lab vs Kamailio: skipped (--load-seconds 0)');

  const sipp = await sippPart(o, log);
  const native: NativeReport = await runNativeBench(report, {
    seconds: o.seconds,
    repeats: report.settings.repeats,
    callSeconds: o.callSeconds,
    engine: o.native && hasQuip,
    log,
    skip: o.native ? null : '--skip-native',
  });
  for (const s of native.native.skipped) notes.push(`native: skipped ${s}`);

  const robust = robustnessFigures(report);
  const sections: FigureSection[] = [
    { title: 'SIP parsing inside QuickJS', figures: [...parserFigures(report), ...robust.slice(0, 2)] },
    { title: 'Media: one call', figures: [...callFigures, ...(media?.figures ?? [])] },
    ...(footprint ? [{ title: 'Firmware footprint', figures: footprint.figures }] : []),
    ...(phones ? [{ title: `Many phones (${o.phones})`, figures: phones.figures }] : []),
    ...(load || sipp ? [{ title: 'Lab server vs Kamailio (SIPp)', figures: [...(load?.figures ?? []), ...(sipp ? sippFigures(sipp) : [])] }] : []),
    { title: 'Native: the firmware in quip-host', figures: nativeFigures(native) },
    { title: 'Robustness', figures: robust.slice(2) },
  ];
  const all = sections.flatMap((s) => s.figures);
  const { media: _inDetails, ...reportFields } = report;
  const json: Record<string, unknown> = {
    ...reportFields,
    ...native,
    sipp_load: sipp,
    ...figureFields(all),
    figures: all,
    details: {
      media: media?.details ?? null,
      firmware_call: firmwareCall?.details ?? null,
      footprint: footprint?.details ?? null,
      phones: phones?.details ?? null,
      lab_vs_kamailio: load?.details ?? null,
    },
  };
  return { json, sections, charts: chartsOf(report, all, load?.details.curves ?? null), notes };
}

function chartsOf(report: BenchReport, all: readonly Figure[], curves: Record<string, Record<string, { rate: number; p99_ms: number; failed: number }[]>> | null): ReportCharts {
  const value = (field: string): number | null => all.find((f) => f.field === field)?.value ?? null;
  const loadCurves: LoadCurve[] = [];
  for (const [server, byScenario] of Object.entries(curves ?? {})) {
    for (const [scenario, steps] of Object.entries(byScenario)) {
      loadCurves.push({ server, scenario, points: steps.map((s) => ({ rate: s.rate, p99_ms: s.p99_ms, failed: s.failed })) });
    }
  }
  return {
    parsers: Object.values(report.parsers).map((p) => ({ parser: p.label, keys_msgs_per_s: p.parse.median, matched_msgs_per_s: p.parse_full.median })),
    cpu: [
      { name: 'whole firmware (emulator runtime)', cpu_percent: value('call_cpu_percent') },
      { name: 'bare media harness', cpu_percent: value('bare_call_cpu_percent') },
      { name: 'bare media loop, quip-host', cpu_percent: value('native_media_call_cpu_percent') },
      { name: 'phone process, quip-host', cpu_percent: value('native_call_cpu_percent') },
    ],
    cpuTargetPercent: CPU_TARGET_PERCENT,
    loadCurves,
    p99LimitMs: P99_LIMIT_MS,
  };
}

/** The report's input: the figures and charts, with what machine they were measured on. */
export function reportInput(r: BenchResult): ReportInput {
  const cpus = os.cpus();
  return {
    title: 'quip bench',
    generatedAt: new Date().toISOString(),
    machine: { cpus: cpus.length, ...(cpus[0] ? { cpuModel: cpus[0].model } : {}), node: process.version },
    sections: r.sections,
    charts: r.charts,
  };
}

/** The fixed-rate SIPp load on the lab server, or null when skipped (--sipp-seconds 0, or no sipp here). */
async function sippPart(o: BenchParts, log: (line: string) => void): Promise<SippLoadReport | null> {
  if (o.sippSeconds === 0) return null;
  if (findSipp() === null) {
    log('skipping the SIPp load: sipp is not installed (Debian package sip-tester)');
    return null;
  }
  try {
    return await runSippLoad({ seconds: o.sippSeconds, rate: o.sippRate, log });
  } catch (err) {
    throw new BenchError(`SIPp load: ${err instanceof Error ? err.message : String(err)}`);
  }
}
