// Small, pure SVG charts for the bench report: grouped bars (linear or log scale) and lines, each
// with axes, ticks, a legend and an optional reference line (a target). The output is an <svg>
// element meant to be inlined in HTML or Markdown: no xmlns, no fonts, styles or scripts from
// anywhere else, and no blank lines (a Markdown HTML block would end at one).

export interface Reference {
  value: number;
  label: string;
}

export interface BarSeries {
  name: string;
  /** One value per category; null draws "n/a". */
  values: (number | null)[];
}

export interface BarChartSpec {
  title: string;
  /** Printed on the value axis. */
  unit: string;
  categories: string[];
  series: BarSeries[];
  /** Log10 value axis: for figures that differ by orders of magnitude (parse rates). */
  log?: boolean;
  reference?: Reference;
  width?: number;
  height?: number;
}

export interface LinePoint {
  x: number;
  y: number;
  /** Drawn as a hollow red marker (e.g. a load step with failed calls). */
  flagged?: boolean;
}

export interface LineSeries {
  name: string;
  points: LinePoint[];
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  reference?: Reference;
  /** What a flagged marker means, for the legend. */
  flaggedLabel?: string;
  width?: number;
  height?: number;
}

/** Colour-blind-safe series colours (Okabe–Ito). */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];
const FLAG = '#D55E00';
const M = { left: 70, right: 16, top: 44, bottom: 56 };

/** Text or attribute content made safe for XML. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A short tick or bar label: 1.2k, 35k, 4.1M, 0.42. */
export function compact(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${trim(n / 1e9)}G`;
  if (a >= 1e6) return `${trim(n / 1e6)}M`;
  if (a >= 1e4) return `${trim(n / 1e3)}k`;
  if (a >= 100) return String(Math.round(n));
  return trim(n);
}

function trim(n: number): string {
  const a = Math.abs(n);
  return String(Number(n.toFixed(a >= 10 ? 1 : a >= 1 ? 2 : 3)));
}

/** 0 and 4–6 round steps covering `max` (1, 2, 2.5 or 5 × 10^k). */
export function linearTicks(max: number, target = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const ticks: number[] = [];
  for (let i = 0; i * step < max + step * 0.999; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** Powers of ten from below `min` to above `max` (both > 0). */
export function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(max)));
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e++) ticks.push(10 ** e);
  return ticks;
}

type Scale = (v: number) => number;

function svgOpen(w: number, h: number, title: string): string {
  return (
    `<svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(title)}" font-family="sans-serif" font-size="11">` +
    `<title>${esc(title)}</title>` +
    `<rect width="${w}" height="${h}" fill="#ffffff"/>` +
    `<text x="${M.left}" y="18" font-size="13" font-weight="bold">${esc(title)}</text>`
  );
}

/** Horizontal grid lines and labels of the value axis. */
function valueAxis(ticks: number[], y: Scale, x0: number, x1: number, label: string): string {
  let s = '';
  for (const t of ticks) {
    const yy = f(y(t));
    s += `<line x1="${x0}" y1="${yy}" x2="${x1}" y2="${yy}" stroke="#e0e0e0"/>`;
    s += `<text x="${x0 - 6}" y="${f(y(t) + 4)}" text-anchor="end">${esc(compact(t))}</text>`;
  }
  const mid = f((y(ticks[0]!) + y(ticks[ticks.length - 1]!)) / 2);
  s += `<text x="14" y="${mid}" text-anchor="middle" transform="rotate(-90 14 ${mid})">${esc(label)}</text>`;
  return s;
}

function referenceLine(ref: Reference | undefined, y: Scale, x0: number, x1: number): string {
  if (ref === undefined || !Number.isFinite(y(ref.value))) return '';
  const yy = f(y(ref.value));
  return (
    `<line x1="${x0}" y1="${yy}" x2="${x1}" y2="${yy}" stroke="${FLAG}" stroke-dasharray="5 3"/>` +
    `<text x="${x1}" y="${f(y(ref.value) - 4)}" text-anchor="end" fill="${FLAG}">${esc(ref.label)}</text>`
  );
}

function legend(names: string[], w: number, extra?: { label: string; swatch: string }): string {
  let s = '';
  let x = w - M.right;
  const items = [...names.map((n, i) => ({ label: n, swatch: `<rect width="10" height="10" fill="${PALETTE[i % PALETTE.length]}"/>` }))];
  if (extra) items.push(extra);
  // Right-aligned, laid out from the right edge leftwards (approximate text widths).
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i]!;
    x -= 16 + it.label.length * 6.2;
    s += `<g transform="translate(${f(x)} 28)">${it.swatch}<text x="14" y="9">${esc(it.label)}</text></g>`;
  }
  return s;
}

/** The chart's size and the plot area inside the margins. */
function plotArea(spec: { width?: number; height?: number }): { w: number; h: number; x0: number; x1: number; yTop: number; yBase: number } {
  const w = spec.width ?? 640;
  const h = spec.height ?? 300;
  return { w, h, x0: M.left, x1: w - M.right, yTop: M.top, yBase: h - M.bottom };
}

/** Grouped bars: one group per category, one bar per series. */
export function barChart(spec: BarChartSpec): string {
  const { w, h, x0, x1, yTop, yBase } = plotArea(spec);
  const known = spec.series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v));
  const refValue = spec.reference?.value;
  const all = refValue !== undefined && Number.isFinite(refValue) ? [...known, refValue] : known;
  const log = spec.log === true && all.some((v) => v > 0);
  let ticks: number[];
  let y: Scale;
  if (log) {
    const positive = all.filter((v) => v > 0);
    ticks = logTicks(Math.min(...positive), Math.max(...positive));
    const lo = Math.log10(ticks[0]!);
    const hi = Math.log10(ticks[ticks.length - 1]!);
    y = (v) => (v > 0 ? yBase - ((Math.log10(v) - lo) / (hi - lo)) * (yBase - yTop) : yBase);
  } else {
    ticks = linearTicks(Math.max(0, ...all));
    const top = ticks[ticks.length - 1]!;
    y = (v) => yBase - (Math.max(0, v) / top) * (yBase - yTop);
  }
  let s = svgOpen(w, h, spec.title);
  s += valueAxis(ticks, y, x0, x1, spec.unit + (log ? ' (log scale)' : ''));
  const groupW = (x1 - x0) / Math.max(1, spec.categories.length);
  const n = Math.max(1, spec.series.length);
  const barW = Math.min(48, (groupW * 0.8) / n);
  spec.categories.forEach((cat, ci) => {
    const gx = x0 + groupW * ci + (groupW - barW * n) / 2;
    spec.series.forEach((ser, si) => {
      const v = ser.values[ci] ?? null;
      const bx = f(gx + barW * si);
      const cx = f(gx + barW * si + barW / 2);
      if (v === null || !Number.isFinite(v)) {
        s += `<text x="${cx}" y="${yBase - 4}" text-anchor="middle" fill="#888888">n/a</text>`;
        return;
      }
      const top = y(v);
      s += `<rect x="${bx}" y="${f(top)}" width="${f(barW - 2)}" height="${f(Math.max(0, yBase - top))}" fill="${PALETTE[si % PALETTE.length]}"><title>${esc(`${cat}, ${ser.name}: ${compact(v)} ${spec.unit}`)}</title></rect>`;
      s += `<text x="${cx}" y="${f(top - 3)}" text-anchor="middle">${esc(compact(v))}</text>`;
    });
    s += `<text x="${f(x0 + groupW * ci + groupW / 2)}" y="${yBase + 16}" text-anchor="middle">${esc(cat)}</text>`;
  });
  s += `<line x1="${x0}" y1="${yBase}" x2="${x1}" y2="${yBase}" stroke="#333333"/>`;
  s += referenceLine(spec.reference, y, x0, x1);
  if (spec.series.length > 1) s += legend(spec.series.map((x) => x.name), w);
  return s + '</svg>';
}

/** One line per series over a shared linear x and y axis (both from 0). */
export function lineChart(spec: LineChartSpec): string {
  const { w, h, x0, x1, yTop, yBase } = plotArea(spec);
  const pts = spec.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const ref = spec.reference !== undefined && Number.isFinite(spec.reference.value) ? [spec.reference.value] : [];
  const yTicks = linearTicks(Math.max(0, ...pts.map((p) => p.y), ...ref));
  const xTicks = linearTicks(Math.max(0, ...pts.map((p) => p.x)), 6);
  const yMax = yTicks[yTicks.length - 1]!;
  const xMax = xTicks[xTicks.length - 1]!;
  const y: Scale = (v) => yBase - (Math.max(0, v) / yMax) * (yBase - yTop);
  const x: Scale = (v) => x0 + (Math.max(0, v) / xMax) * (x1 - x0);
  let s = svgOpen(w, h, spec.title);
  s += valueAxis(yTicks, y, x0, x1, spec.yLabel);
  for (const t of xTicks) s += `<text x="${f(x(t))}" y="${yBase + 16}" text-anchor="middle">${esc(compact(t))}</text>`;
  s += `<text x="${f((x0 + x1) / 2)}" y="${h - 12}" text-anchor="middle">${esc(spec.xLabel)}</text>`;
  s += `<line x1="${x0}" y1="${yBase}" x2="${x1}" y2="${yBase}" stroke="#333333"/>`;
  s += referenceLine(spec.reference, y, x0, x1);
  spec.series.forEach((ser, si) => {
    const colour = PALETTE[si % PALETTE.length]!;
    const line = ser.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
    if (line.length > 1) s += `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${line.map((p) => `${f(x(p.x))},${f(y(p.y))}`).join(' ')}"/>`;
    for (const p of line) {
      const tip = `<title>${esc(`${ser.name}: ${compact(p.x)} → ${compact(p.y)}`)}</title>`;
      s += p.flagged
        ? `<circle cx="${f(x(p.x))}" cy="${f(y(p.y))}" r="4" fill="#ffffff" stroke="${FLAG}" stroke-width="2">${tip}</circle>`
        : `<circle cx="${f(x(p.x))}" cy="${f(y(p.y))}" r="3" fill="${colour}">${tip}</circle>`;
    }
  });
  const flagged = pts.some((p) => p.flagged) && spec.flaggedLabel !== undefined;
  const extra = flagged ? { label: spec.flaggedLabel!, swatch: `<circle cx="5" cy="5" r="4" fill="#ffffff" stroke="${FLAG}" stroke-width="2"/>` } : undefined;
  s += legend(spec.series.map((x) => x.name), w, extra);
  return s + '</svg>';
}

/** A coordinate with one decimal: short output, still smooth. */
function f(n: number): string {
  return String(Math.round(n * 10) / 10);
}
