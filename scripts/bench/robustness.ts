// The robustness part of `quip bench`: how long the worst mutated SIP message takes to parse and
// read (parse_mutant_max_ms) and how fast hostile dial plans match (digit_map_match_per_s), both
// inside QuickJS. Mutants are made here with a fixed seed, so every run times the same inputs.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../../build/bundle.ts';
import { QuickJsSession } from './quickjs-runner.ts';
import { measureFigure } from './measure.ts';
import { WORKLOAD, toBinaryString } from './workload.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const HARNESS = path.join(here, 'vm', 'robustness-harness.ts');
const FIXTURES = path.resolve(here, '..', '..', 'test', 'fixtures');

export interface RobustnessReport {
  /** The slowest mutant: parse plus every typed accessor, in ms. */
  parse_mutant_max_ms: number;
  parse_mutant_mean_ms: number;
  parse_mutants: number;
  digit_map_match_per_s: number;
}

/** The seeds: the bench workload, the valid RFC 4475 torture messages and the RFC 3665/3666 flows. */
function seeds(): string[] {
  const out = WORKLOAD.map((m) => toBinaryString(m.text));
  const torture = JSON.parse(readFileSync(path.join(FIXTURES, 'rfc4475', 'index.json'), 'utf8')) as Array<{ file: string; expect: string }>;
  for (const e of torture) if (e.expect !== 'invalid') out.push(readFileSync(path.join(FIXTURES, 'rfc4475', e.file)).toString('latin1'));
  for (const d of ['rfc3665', 'rfc3666']) {
    const index = JSON.parse(readFileSync(path.join(FIXTURES, d, 'index.json'), 'utf8')) as Array<{ file: string }>;
    for (const e of index) out.push(readFileSync(path.join(FIXTURES, d, e.file)).toString('latin1'));
  }
  return out;
}

const SPECIAL = ['\r', '\n', '\r\n', '\r\n ', '\0', '"', '<', '>', ',', ';', ':', '=', '\\', '%', '@', '[', ']', ' ', '\t', '\x80', '\xff'];
const HUGE = ['4294967296', '99999999999', '18446744073709551616', '9'.repeat(40), '65536', '-1'];

/** `count` mutants (1–4 mutations each: flip, insert, truncate, delete, duplicate a line, huge number). */
export function makeMutants(count: number, seed = 0x5eed): string[] {
  let state = seed >>> 0 || 1;
  const rnd = (n: number): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
  const base = seeds();
  const mutate = (s: string): string => {
    const p = rnd(s.length + 1);
    switch (rnd(6)) {
      case 0: return p < s.length ? s.slice(0, p) + String.fromCharCode(s.charCodeAt(p) ^ (1 + rnd(255))) + s.slice(p + 1) : s;
      case 1: return s.slice(0, p) + SPECIAL[rnd(SPECIAL.length)]! + s.slice(p);
      case 2: return s.slice(0, p);
      case 3: return s.slice(0, p) + s.slice(p + 1 + rnd(20));
      case 4: {
        const lines = s.split('\r\n');
        lines.splice(rnd(lines.length + 1), 0, lines[rnd(lines.length)]!);
        return lines.join('\r\n');
      }
      default: {
        const runs = [...s.matchAll(/[0-9]+/g)];
        if (runs.length === 0) return s;
        const r = runs[rnd(runs.length)]!;
        return s.slice(0, r.index) + HUGE[rnd(HUGE.length)]! + s.slice(r.index! + r[0].length);
      }
    }
  };
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = base[rnd(base.length)]!;
    for (let k = 1 + rnd(4); k > 0; k--) s = mutate(s);
    out.push(s);
  }
  return out;
}

/** About 2000 mutants per second of --seconds (at least 200); the dial-plan rate calibrated to ~`seconds`. */
export async function runRobustnessBench(seconds: number, repeats: number, log: (line: string) => void): Promise<RobustnessReport> {
  const built = await bundle({ entry: HARNESS, globalName: 'robust', minify: true, forbidNodeBuiltins: true });
  const session = await QuickJsSession.open('robustness', built.code);
  try {
    const mutants = makeMutants(Math.max(200, Math.round(2000 * seconds)));
    session.run(`robust.loadMutants(${JSON.stringify(JSON.stringify(mutants))})`);
    // The worst of `repeats` passes: a figure for the slowest input, not for a lucky run.
    let max = 0;
    let mean = 0;
    let n = 0;
    for (let r = 0; r < repeats; r++) {
      const pass = session.runJson<{ max_ms: number; mean_ms: number; n: number }>('robust.mutantParseMs()');
      max = Math.max(max, pass.max_ms);
      mean = Math.max(mean, pass.mean_ms);
      n = pass.n;
    }
    const matches = measureFigure((k) => session.run(`robust.digitMapMatchesPerSecond(${k})`) as number, () => performance.now(), seconds, repeats, 1, true);
    const report: RobustnessReport = {
      parse_mutant_max_ms: Math.round(max * 1000) / 1000,
      parse_mutant_mean_ms: Math.round(mean * 10000) / 10000,
      parse_mutants: n,
      digit_map_match_per_s: Math.round(matches),
    };
    log(`robustness: ${n} mutated SIP messages, slowest ${report.parse_mutant_max_ms} ms (mean ${report.parse_mutant_mean_ms} ms); hostile dial plans ${report.digit_map_match_per_s.toLocaleString('en-US')} matches/s`);
    return report;
  } finally {
    session.dispose();
  }
}
