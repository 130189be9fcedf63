// Runs INSIDE QuickJS: the worst case of two inputs an attacker controls — a mutated SIP message
// (parse, then every typed accessor, as test/sip/properties.test.ts does) and a hostile dial plan
// (nested empty loops, the exponential-backtracking shape). The tests assert that these terminate
// with the right verdict; how long they take is measured only here.

import { parseMessage, serializeMessage } from '../../../firmware/sip/index.ts';
import type { SipMessage } from '../../../firmware/sip/index.ts';
import { compileDigitMap } from '../../../firmware/app/digit-map.ts';

declare const __now: () => number;

let mutants: string[] = [];

/** Loads the mutants (binary strings, one char per octet) for mutantParseMs. */
export function loadMutants(json: string): number {
  mutants = JSON.parse(json) as string[];
  return mutants.length;
}

function exercise(m: SipMessage): number {
  const calls: Array<() => unknown> = [
    () => m.validate(), () => m.requestUri(), () => m.vias(), () => m.from(), () => m.to(), () => m.callId(),
    () => m.cseq(), () => m.maxForwards(), () => m.expires(), () => m.minExpires(), () => m.contentLength(),
    () => m.rseq(), () => m.retryAfter(), () => m.rack(), () => m.date(), () => m.contacts(), () => m.routes(),
    () => m.recordRoutes(), () => m.contentType(), () => m.auth('WWW-Authenticate'), () => m.auth('Authorization'),
    () => m.auth('Proxy-Authenticate'), () => m.auth('Proxy-Authorization'), () => m.allow(), () => m.supported(),
    () => m.require(), () => m.event(), () => m.subscriptionState(), () => m.problems(), () => m.bodyText(),
    () => serializeMessage(m), () => serializeMessage(m, { compact: true }),
  ];
  let ok = 0;
  for (const call of calls) {
    try {
      call();
      ok++;
    } catch {
      // a SipParseError is a verdict; the tests check that it is never anything else
    }
  }
  return ok;
}

/** Times parse + every accessor per loaded mutant: JSON { max_ms, mean_ms, n }. */
export function mutantParseMs(): string {
  let max = 0;
  let total = 0;
  let sink = 0;
  for (const bin of mutants) {
    const t0 = __now();
    try {
      sink += exercise(parseMessage(bin));
    } catch {
      sink++; // rejected
    }
    const ms = __now() - t0;
    total += ms;
    if (ms > max) max = ms;
  }
  return JSON.stringify({ max_ms: max, mean_ms: mutants.length ? total / mutants.length : 0, n: sink > 0 ? mutants.length : 0 });
}

// The hostile maps of test/app/digit-map.test.ts, each with a dial string it must walk to the end.
const HOSTILE: Array<[string, string]> = [
  ['(x{0,}){0,}', '1'.repeat(64)],
  ['((x?){0,}){0,}#', '1'.repeat(63) + '#'],
  ['(x|xx){0,}(x{0,}){0,}#', '1'.repeat(64)],
  ['[0-9*#]'.repeat(73), '1'.repeat(64)],
  [('(x{0,8}|[1-9]{2,9})' + '|').repeat(25).slice(0, -1), '123456789012'],
];

/** Matches `n` dial strings against the hostile maps (compiled once); matches per second. */
export function digitMapMatchesPerSecond(n: number): number {
  const maps = HOSTILE.map(([source, dialed]) => [compileDigitMap(source), dialed] as const);
  let sink = 0;
  const t0 = __now();
  for (let i = 0; i < n; i++) {
    const [map, dialed] = maps[i % maps.length]!;
    sink += map.match(dialed).length;
  }
  const ms = __now() - t0;
  return sink > 0 ? n / (Math.max(ms, 1e-3) / 1000) : 0;
}
