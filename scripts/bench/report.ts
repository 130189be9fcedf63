// The bench's figures as people read them: a text table for the terminal, and a self-contained
// Markdown or HTML report (the same table, plus charts as inline SVG). Every rendering takes the
// same `Figure[]` the JSON is made from, so they cannot disagree.
import type { Figure } from './figures.ts';
import { meetsTarget } from './figures.ts';
import { barChart, esc, lineChart } from './svg-chart.ts';

export interface FigureSection {
  /** parser, media, footprint, scale, load. */
  title: string;
  figures: Figure[];
}

/** Parse rates of one parser: keys only and matched work (msgs/s); either may be missing. */
export interface ParserRates {
  parser: string;
  keys_msgs_per_s?: number | null;
  matched_msgs_per_s?: number | null;
}

/** CPU of one call, as percent of one core, by what ran it (whole firmware, bare harness, native). */
export interface CpuBar {
  name: string;
  cpu_percent: number | null;
}

/** p99 response time per offered rate, for one server and SIPp scenario. */
export interface LoadCurve {
  server: string;
  scenario: string;
  points: { rate: number; p99_ms: number; failed: number }[];
}

export interface ReportCharts {
  parsers?: ParserRates[];
  cpu?: CpuBar[];
  /** Drawn as a dashed line on the CPU chart (e.g. 0.5). */
  cpuTargetPercent?: number;
  loadCurves?: LoadCurve[];
  /** Drawn as a dashed line on the load charts (e.g. 50). */
  p99LimitMs?: number;
}

export interface ReportInput {
  title: string;
  /** ISO 8601. */
  generatedAt: string;
  machine: { cpus: number; cpuModel?: string; node: string };
  sections: FigureSection[];
  charts: ReportCharts;
}

// ---- cells ---------------------------------------------------------------------------------

/** A number with thousands separators: integers above 100, else up to 3 significant decimals. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

function valueCell(f: Figure): string {
  if (f.value === null) return 'n/a';
  return f.unit === '' ? formatNumber(f.value) : `${formatNumber(f.value)} ${f.unit}`;
}

function peerCell(f: Figure): string {
  if (!f.peer) return '';
  return `${f.peer.name}: ${f.peer.value === null ? 'n/a' : formatNumber(f.peer.value)}`;
}

function ratioCell(f: Figure): string {
  // Ratios come rounded to 2 decimals (ratioOf); keep both, they are the figure people compare.
  return f.ratio === null || f.ratio === undefined ? '' : `${f.ratio.toLocaleString('en-US', { maximumFractionDigits: 2 })}×`;
}

function targetCell(f: Figure): string {
  if (!f.target) return '';
  return `${f.target.op === '>=' ? '≥' : '≤'} ${formatNumber(f.target.value)}`;
}

function statusCell(f: Figure): string {
  const met = meetsTarget(f);
  return met === null ? '' : met ? '✓' : '✗';
}

const HEADER = ['figure', 'value', 'peer', 'ratio', 'target', ''];

function row(f: Figure): string[] {
  return [f.label, valueCell(f), peerCell(f), ratioCell(f), targetCell(f), statusCell(f)];
}

// ---- text ----------------------------------------------------------------------------------

/** Display width: code points (the table's symbols are all one column wide). */
function width(s: string): number {
  return [...s].length;
}

function pad(s: string, w: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, w - width(s)));
  return right ? fill + s : s + fill;
}

/** The terminal table: one block per section, columns aligned across all of them; the notes of
 *  figures that could not be measured follow their section. */
export function formatFigureTable(sections: FigureSection[]): string {
  const rows = sections.flatMap((s) => s.figures.map(row));
  const widths = HEADER.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i]!))));
  const numeric = [false, true, false, true, false, false];
  const line = (cells: string[]): string => cells.map((c, i) => pad(c, widths[i]!, numeric[i]!)).join('  ').trimEnd();
  const out: string[] = [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  ').trimEnd()];
  for (const s of sections) {
    if (s.figures.length === 0) continue;
    out.push('', `${s.title}`);
    for (const f of s.figures) out.push(line(row(f)));
    for (const f of s.figures) if (f.value === null && f.note) out.push(`  n/a ${f.label}: ${f.note}`);
  }
  return out.join('\n') + '\n';
}

// ---- charts --------------------------------------------------------------------------------

function finite(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** The charts the caller gave data for, each as { title, svg }; a chart with no data is left out. */
export function renderCharts(c: ReportCharts): { title: string; svg: string }[] {
  const charts: { title: string; svg: string }[] = [];
  const parsers = (c.parsers ?? []).filter((p) => finite(p.keys_msgs_per_s) || finite(p.matched_msgs_per_s));
  if (parsers.length > 0) {
    const title = 'Parse rate per parser, inside QuickJS';
    const series = [
      { name: 'keys only', values: parsers.map((p) => (finite(p.keys_msgs_per_s) ? p.keys_msgs_per_s : null)) },
      { name: 'matched work', values: parsers.map((p) => (finite(p.matched_msgs_per_s) ? p.matched_msgs_per_s : null)) },
    ].filter((s) => s.values.some((v) => v !== null));
    charts.push({ title, svg: barChart({ title, unit: 'msgs/s', categories: parsers.map((p) => p.parser), series, log: true }) });
  }
  const cpu = (c.cpu ?? []).filter((b) => finite(b.cpu_percent));
  if (cpu.length > 0) {
    const title = 'CPU per call (% of one core)';
    const reference = finite(c.cpuTargetPercent) ? { value: c.cpuTargetPercent, label: `target ≤ ${formatNumber(c.cpuTargetPercent)} %` } : undefined;
    charts.push({
      title,
      svg: barChart({ title, unit: '% of a core', categories: cpu.map((b) => b.name), series: [{ name: 'CPU', values: cpu.map((b) => b.cpu_percent) }], ...(reference ? { reference } : {}) }),
    });
  }
  const curves = (c.loadCurves ?? []).filter((l) => Array.isArray(l.points) && l.points.some((p) => finite(p.rate) && finite(p.p99_ms)));
  for (const scenario of [...new Set(curves.map((l) => l.scenario))]) {
    const title = `Load: p99 response vs rate, ${scenario}`;
    const reference = finite(c.p99LimitMs) ? { value: c.p99LimitMs, label: `p99 limit ${formatNumber(c.p99LimitMs)} ms` } : undefined;
    const series = curves
      .filter((l) => l.scenario === scenario)
      .map((l) => ({ name: l.server, points: l.points.map((p) => ({ x: p.rate, y: p.p99_ms, flagged: p.failed > 0 })) }));
    charts.push({ title, svg: lineChart({ title, xLabel: 'offered rate (per s)', yLabel: 'p99 ms', series, flaggedLabel: 'failures', ...(reference ? { reference } : {}) }) });
  }
  return charts;
}

// ---- Markdown ------------------------------------------------------------------------------

function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function machineLine(i: ReportInput): string {
  const cpu = i.machine.cpuModel ? `${i.machine.cpus} × ${i.machine.cpuModel}` : `${i.machine.cpus} CPUs`;
  return `Generated ${i.generatedAt} on ${cpu}, Node ${i.machine.node}.`;
}

/** Markdown: the tables (GitHub style) per section, the notes, then the charts as inline SVG. */
export function renderMarkdownReport(input: ReportInput): string {
  const out: string[] = [`# ${input.title}`, '', machineLine(input), ''];
  for (const s of input.sections) {
    if (s.figures.length === 0) continue;
    out.push(`## ${s.title}`, '', '| figure | field | value | peer | ratio | target | |', '|---|---|--:|---|--:|---|:-:|');
    for (const f of s.figures) {
      const [label, value, peer, ratio, target, status] = row(f).map(mdCell);
      out.push(`| ${label} | \`${f.field}\` | ${value} | ${peer} | ${ratio} | ${target} | ${status} |`);
    }
    const notes = s.figures.filter((f) => f.note);
    if (notes.length > 0) out.push('', ...notes.map((f) => `- \`${f.field}\`: ${mdCell(f.note!)}`));
    out.push('');
  }
  const charts = renderCharts(input.charts);
  if (charts.length > 0) {
    out.push('## Charts', '');
    for (const c of charts) out.push(`### ${c.title}`, '', c.svg, '');
  }
  return out.join('\n');
}

// ---- HTML ----------------------------------------------------------------------------------

const STYLE = [
  'body{font-family:sans-serif;margin:2em;color:#222;max-width:72em}',
  'table{border-collapse:collapse;margin:0.5em 0 1.5em}',
  'th,td{border-bottom:1px solid #ddd;padding:3px 10px;text-align:left;vertical-align:top}',
  'td+td{white-space:nowrap}td.n{text-align:right;font-variant-numeric:tabular-nums}',
  'td.ok{color:#007a3d;font-weight:bold}td.bad{color:#c0392b;font-weight:bold}',
  'code{font-size:90%;color:#555}.note{color:#666;font-size:90%}',
  'figure{margin:1em 0}',
].join('');

/** One HTML file with no external assets: inline CSS, the tables, the charts as inline SVG. */
export function renderHtmlReport(input: ReportInput): string {
  const out: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${esc(input.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    `<h1>${esc(input.title)}</h1>`,
    `<p>${esc(machineLine(input))}</p>`,
  ];
  for (const s of input.sections) {
    if (s.figures.length === 0) continue;
    out.push(`<h2>${esc(s.title)}</h2>`, '<table>', '<tr><th>figure</th><th>value</th><th>peer</th><th>ratio</th><th>target</th><th></th></tr>');
    for (const f of s.figures) {
      const [label, value, peer, ratio, target, status] = row(f).map(esc);
      const met = meetsTarget(f);
      const note = f.note ? `<br><span class="note">${esc(f.note)}</span>` : '';
      out.push(
        `<tr><td>${label}<br><code>${esc(f.field)}</code>${note}</td><td class="n">${value}</td><td>${peer}</td>` +
          `<td class="n">${ratio}</td><td>${target}</td><td class="${met === null ? '' : met ? 'ok' : 'bad'}">${status}</td></tr>`,
      );
    }
    out.push('</table>');
  }
  const charts = renderCharts(input.charts);
  if (charts.length > 0) {
    out.push('<h2>Charts</h2>');
    for (const c of charts) out.push(`<figure>${c.svg}</figure>`);
  }
  out.push('</body></html>', '');
  return out.join('\n');
}
