// Tests for the bench's readable output: the text table and the Markdown and HTML reports, from a
// fixed list of figures. Checks the rendering only (no figure is measured here).
import test from 'ava';
import type { Figure } from '../../scripts/bench/figures.ts';
import { formatFigureTable, renderCharts, renderHtmlReport, renderMarkdownReport } from '../../scripts/bench/report.ts';
import type { FigureSection, ReportInput } from '../../scripts/bench/report.ts';

const FIGURES: Record<string, Figure[]> = {
  parser: [
    {
      field: 'parse_full_msgs_per_s', label: 'parse, matched work', value: 12345.678, unit: 'msgs/s',
      peer: { name: 'JsSIP', value: 1000 }, ratio: 12.35, target: { op: '>=', value: 10000 },
    },
    { field: 'ratio_vs_sipjs', label: 'quip / SIP.js, matched', value: 80, unit: '×', target: { op: '>=', value: 100 } },
  ],
  media: [{ field: 'call_cpu_percent', label: 'CPU of one call', value: 0.42, unit: '%', target: { op: '<=', value: 0.5 } }],
  footprint: [
    {
      field: 'footprint_desk6_bundle_bytes', label: 'desk6: firmware bundle, minified', value: 204485, unit: 'bytes',
      target: { op: '<=', value: 153600 },
    },
    {
      field: 'footprint_desk6_heap_call_bytes', label: 'desk6: heap in a call', value: 1094112, unit: 'bytes',
      peer: { name: 'idle', value: 1050999 }, ratio: 1.04, target: { op: '<=', value: 1048576 },
    },
  ],
  scale: [{ field: 'phones_registered', label: 'phones registered', value: 500, unit: '' }],
  load: [{ field: 'kamailio_max_rate_per_s', label: 'Kamailio: highest clean rate', value: null, unit: '/s', note: 'kamailio not installed' }],
};

const SECTIONS: FigureSection[] = Object.entries(FIGURES).map(([title, figures]) => ({ title, figures }));
const ALL = SECTIONS.flatMap((s) => s.figures);

const INPUT: ReportInput = {
  title: 'quip bench <test>',
  generatedAt: '2026-12-04T12:00:00.000Z',
  machine: { cpus: 2, cpuModel: 'Test CPU', node: 'v20.0.0' },
  sections: SECTIONS,
  charts: {
    parsers: [
      { parser: 'quip', keys_msgs_per_s: 40000, matched_msgs_per_s: 12000 },
      { parser: 'SIP.js', keys_msgs_per_s: 150, matched_msgs_per_s: 120 },
      { parser: 'JsSIP', keys_msgs_per_s: 3000, matched_msgs_per_s: null },
    ],
    cpu: [
      { name: 'whole firmware', cpu_percent: 0.9 },
      { name: 'bare harness', cpu_percent: 0.3 },
      { name: 'native', cpu_percent: null },
    ],
    cpuTargetPercent: 0.5,
    loadCurves: [
      { server: 'lab', scenario: 'register', points: [{ rate: 100, p99_ms: 3, failed: 0 }, { rate: 400, p99_ms: 70, failed: 2 }] },
      { server: 'Kamailio', scenario: 'register', points: [{ rate: 100, p99_ms: 1, failed: 0 }, { rate: 400, p99_ms: 2, failed: 0 }] },
      { server: 'lab', scenario: 'call', points: [{ rate: 10, p99_ms: 5, failed: 0 }] },
    ],
    p99LimitMs: 50,
  },
};

/** A tiny XML well-formedness check: tags balance, attributes are quoted, '&' starts an entity. */
function wellFormed(xml: string): string | null {
  const stack: string[] = [];
  const tag = /<[^<>]*>/g;
  let last = 0;
  for (let m = tag.exec(xml); m !== null; m = tag.exec(xml)) {
    const text = xml.slice(last, m.index);
    if (/[<>]/.test(text)) return `stray angle bracket in text before ${m[0]}`;
    if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(text)) return `bare & in text: ${text}`;
    last = tag.lastIndex;
    const t = m[0];
    if (t.startsWith('</')) {
      const name = t.slice(2, -1).trim();
      if (stack.pop() !== name) return `</${name}> closes nothing open`;
      continue;
    }
    const parts = /^<([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>$/.exec(t);
    if (parts === null) return `malformed tag ${t}`;
    if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(parts[2]!)) return `bare & in attributes of ${t}`;
    if (parts[3] !== '/') stack.push(parts[1]!);
  }
  if (/[<>]/.test(xml.slice(last))) return 'stray angle bracket at the end';
  return stack.length === 0 ? null : `unclosed <${stack.join('>, <')}>`;
}

function svgsOf(doc: string): string[] {
  return [...doc.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
}

test('the text table lists every figure under its section, with units, separators, peers and ✓/✗', (t) => {
  const table = formatFigureTable(SECTIONS);
  const lines = table.split('\n');
  for (const s of SECTIONS) t.true(lines.includes(s.title), `section ${s.title}`);
  const lineOf = (label: string): string => lines.find((l) => l.startsWith(label + ' ')) ?? '';
  for (const f of ALL) t.not(lineOf(f.label), '', `row for ${f.field}`);
  t.regex(lineOf('parse, matched work'), /12,346 msgs\/s\s+JsSIP: 1,000\s+12\.35×\s+≥ 10,000\s+✓$/);
  t.regex(lineOf('quip / SIP.js, matched'), /≥ 100\s+✗$/);
  t.regex(lineOf('CPU of one call'), /0\.42 %.*≤ 0\.5\s+✓$/);
  t.regex(lineOf('desk6: firmware bundle, minified'), /204,485 bytes.*≤ 153,600\s+✗$/);
  t.regex(lineOf('desk6: heap in a call'), /idle: 1,050,999\s+1\.04×\s+≤ 1,048,576\s+✗$/);
  t.regex(lineOf('phones registered'), /500$/, 'no target: no mark');
  t.regex(lineOf('Kamailio: highest clean rate'), /n\/a$/);
  t.true(table.includes('kamailio not installed'), 'the note of a figure not measured');
  t.true(lines[0]!.startsWith('figure'));
  // Values are right-aligned: the bundle's and the CPU figure's end in the same column.
  const end = (label: string, value: string): number => lineOf(label).indexOf(value) + value.length;
  t.is(end('desk6: firmware bundle, minified', '204,485 bytes'), end('CPU of one call', '0.42 %'));
});

test('the Markdown report has every figure, its field and mark, and well-formed inline SVG charts', (t) => {
  const md = renderMarkdownReport(INPUT);
  t.true(md.startsWith('# quip bench <test>\n'));
  t.true(md.includes('2 × Test CPU, Node v20.0.0'));
  for (const f of ALL) {
    const rowLine = md.split('\n').find((l) => l.includes(`\`${f.field}\``) && l.startsWith('| '));
    t.truthy(rowLine, `row for ${f.field}`);
  }
  const bundleRow = md.split('\n').find((l) => l.includes('`footprint_desk6_bundle_bytes`'))!;
  t.regex(bundleRow, /\| ✗ \|$/);
  t.regex(md.split('\n').find((l) => l.includes('`call_cpu_percent`'))!, /\| ✓ \|$/);
  const svgs = svgsOf(md);
  t.is(svgs.length, 4, 'parsers, CPU, two load scenarios');
  for (const svg of svgs) {
    t.is(wellFormed(svg), null);
    t.false(/\n\s*\n/.test(svg), 'no blank line inside an HTML block');
  }
});

test('the HTML report is self-contained: tables, marks, well-formed SVG and no external URL', (t) => {
  const html = renderHtmlReport(INPUT);
  t.true(html.startsWith('<!DOCTYPE html>'));
  t.true(html.includes('<title>quip bench &lt;test&gt;</title>'), 'the title is escaped');
  for (const f of ALL) t.true(html.includes(`<code>${f.field}</code>`), f.field);
  t.is((html.match(/class="ok">✓</g) ?? []).length, 2);
  t.is((html.match(/class="bad">✗</g) ?? []).length, 3);
  t.false(/https?:|\/\/[a-z]|url\(|\bsrc=|\bhref=|@import/i.test(html), 'nothing is fetched');
  const svgs = svgsOf(html);
  t.is(svgs.length, 4);
  for (const svg of svgs) t.is(wellFormed(svg), null);
  const body = html.slice(html.indexOf('<body>'), html.indexOf('</body>') + '</body>'.length);
  t.is(wellFormed(body.replace(/<br>/g, '<br/>')), null, 'the body balances too');
});

test('charts without data are left out', (t) => {
  t.deepEqual(renderCharts({}), []);
  t.deepEqual(renderCharts({ parsers: [{ parser: 'quip', keys_msgs_per_s: null }], cpu: [], loadCurves: [{ server: 'lab', scenario: 'x', points: [] }] }), []);
  const md = renderMarkdownReport({ ...INPUT, charts: {} });
  t.false(md.includes('<svg'));
  t.false(md.includes('## Charts'));
});
