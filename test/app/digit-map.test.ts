import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { DIGIT_MAP_MAX_STATES, DigitMapError, compileDigitMap } from '../../firmware/app/digit-map.ts';
import type { DigitMap } from '../../firmware/app/digit-map.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const boardsDir = path.resolve(here, '..', '..', 'board-configs');
const DESK6 = '911|1[2-9][0-9]{9}|[2-9][0-9]{6}|[0-9*#]{3,}';

function results(map: DigitMap, dialed: string[]): Record<string, string> {
  return Object.fromEntries(dialed.map((d) => [d, map.match(d)]));
}

test('every shipped board map compiles', (t) => {
  const boards = readdirSync(boardsDir).filter((f) => f.endsWith('.json') && f !== 'schema.json');
  t.true(boards.length > 0);
  for (const f of boards) {
    const board = JSON.parse(readFileSync(path.join(boardsDir, f), 'utf8')) as { dialPlan?: { digitMap: string } };
    if (board.dialPlan) t.notThrows(() => compileDigitMap(board.dialPlan!.digitMap), f);
  }
});

test('desk6 dial plan: earlier alternatives are not held up by the trailing catch-all', (t) => {
  const map = compileDigitMap(DESK6);
  t.is(map.source, DESK6);
  t.deepEqual(results(map, ['', '9', '91', '911', '12', '1212', '12125551234', '5551234', '*7', '#']), {
    '': 'partial',
    '9': 'partial',
    '91': 'partial',
    '911': 'complete', // emergency: dial at once
    '12': 'partial',
    '1212': 'complete-but-longer-possible', // catch-all matches, 1+10 digits could still go on
    '12125551234': 'complete', // 1 + 10 digits
    '5551234': 'complete', // 7-digit local, matched by its own alternative before the catch-all
    '*7': 'partial',
    '#': 'partial',
  });
});

test('desk6 dial plan: the catch-all takes everything else of 3+ keys, dialled on timeout', (t) => {
  const map = compileDigitMap(DESK6);
  for (const d of ['123', '*72', '#21#', '9112', '55512345', '121255512345', '0', '00']) {
    const m = map.match(d);
    t.is(m, d.length >= 3 ? 'complete-but-longer-possible' : 'partial', d);
    t.is(map.onTimeout(d), d.length >= 3 ? 'dial' : 'invalid', d);
  }
});

test('only the catch-all extends a 7-digit number when the local alternative comes last', (t) => {
  const map = compileDigitMap('911|1[2-9][0-9]{9}|[0-9*#]{3,}|[2-9][0-9]{6}');
  t.is(map.match('5551234'), 'complete-but-longer-possible');
  t.is(map.match('911'), 'complete');
});

test('a map without catch-all: none when nothing more can match, and timeouts', (t) => {
  const map = compileDigitMap('911|1[2-9]x{9}|[2-9]x{6}');
  t.is(map.match('5551234'), 'complete');
  t.is(map.match('55512345'), 'none');
  t.is(map.match('10'), 'none');
  t.is(map.match('*'), 'none');
  t.is(map.match('555'), 'partial');
  t.is(map.onTimeout('555'), 'invalid');
  t.is(map.onTimeout('5551234'), 'dial');
  t.is(map.onTimeout('55512345'), 'invalid');
});

test('the other shipped map: 911|[0-9*#]{3,}', (t) => {
  const map = compileDigitMap('911|[0-9*#]{3,}');
  t.is(map.match('911'), 'complete');
  t.is(map.match('912'), 'complete-but-longer-possible');
  t.is(map.match('91'), 'partial');
});

test('letters and other characters in the dialled string: none', (t) => {
  const map = compileDigitMap(DESK6);
  for (const d of ['a', '91a', '555-1234', ' ', '+1', 'x']) t.is(map.match(d), 'none', d);
  t.is(map.onTimeout('abc'), 'invalid');
});

test('more than 64 keys: none', (t) => {
  const map = compileDigitMap('x{0,}');
  t.is(map.match('1'.repeat(64)), 'complete-but-longer-possible');
  t.is(map.match('1'.repeat(65)), 'none');
});

test('syntax: x, ., literal *, #, escapes, classes, ranges', (t) => {
  const m = compileDigitMap('*x#|\\*\\#9|.9|[*#1-3]0');
  t.is(m.match('*5#'), 'complete');
  t.is(m.match('*#9'), 'complete');
  t.is(m.match('#9'), 'complete');
  t.is(m.match('*9'), 'complete-but-longer-possible', '.9 matches, but the earlier *x# could go on');
  t.is(m.match('20'), 'complete');
  t.is(m.match('40'), 'none');
  t.is(m.match('#0'), 'complete');
  t.is(compileDigitMap('X').match('7'), 'complete');
  t.is(compileDigitMap('[0-0]').match('0'), 'complete');
});

test('syntax: quantifiers ?, {n}, {n,}, {n,m}, groups with alternatives', (t) => {
  const opt = compileDigitMap('9?11');
  t.is(opt.match('11'), 'complete');
  t.is(opt.match('911'), 'complete');
  t.is(opt.match('9'), 'partial');
  const range = compileDigitMap('x{2,4}');
  t.deepEqual(results(range, ['1', '12', '123', '1234', '12345']), {
    '1': 'partial', '12': 'complete-but-longer-possible', '123': 'complete-but-longer-possible', '1234': 'complete', '12345': 'none',
  });
  const atLeast = compileDigitMap('8x{2,}');
  t.is(atLeast.match('81'), 'partial');
  t.is(atLeast.match('812'), 'complete-but-longer-possible');
  const group = compileDigitMap('*(6|7)(x{2}|#)');
  t.is(group.match('*6#'), 'complete');
  t.is(group.match('*712'), 'complete');
  t.is(group.match('*8'), 'none');
  const nested = compileDigitMap('(1(2|3){2})?4');
  t.is(nested.match('4'), 'complete');
  t.is(nested.match('1234'), 'complete');
  t.is(nested.match('1324'), 'complete');
  t.is(nested.match('124'), 'none');
  t.is(compileDigitMap('x{0}1').match('1'), 'complete');
});

test("'*' is the star key everywhere, never a repeat", (t) => {
  const m = compileDigitMap('x*');
  t.is(m.match('5*'), 'complete');
  t.is(m.match('5'), 'partial');
  t.is(m.match('55'), 'none');
});

const errorAt = (map: string): [string, number] | null => {
  try {
    compileDigitMap(map);
    return null;
  } catch (e) {
    if (!(e instanceof DigitMapError)) throw e;
    return [e.reason, e.position];
  }
};

test('syntax errors carry the position', (t) => {
  const cases: Array<[string, string, number]> = [
    ['', 'empty alternative', 0],
    ['911|', 'empty alternative', 4],
    ['|911', 'empty alternative', 0],
    ['9||1', 'empty alternative', 2],
    ['91[1', "unterminated '['", 2],
    ['[]', 'empty class', 0],
    ['[9-2]', 'bad range', 1],
    ['[1-#]', 'bad range', 1],
    ['[a]', "'a' is not a dial key", 1],
    ['9(11', "missing ')'", 1],
    ['911)', "unmatched ')'", 3],
    ['()', 'empty alternative', 1],
    ['?1', "'?' has nothing to repeat", 0],
    ['{2}', "'{' has nothing to repeat", 0],
    ['1{2}{3}', "'{' has nothing to repeat", 4],
    ['1??', "'?' has nothing to repeat", 2],
    ['x{3,2}', 'bad repeat: {n,m} needs n ≤ m', 1],
    ['x{}', 'bad repeat: expected a count', 2],
    ['x{2', "bad repeat: expected '}'", 3],
    ['x{2,a}', 'bad repeat: expected a count', 4],
    ['x{65}', 'repeat count over 64', 1],
    ['x{99999999999999999999}', 'repeat count over 64', 1],
    ['91 1', "unexpected ' '", 2],
    ['1+', "unexpected '+'", 1],
    ['a', "unexpected 'a'", 0],
    ['\\a', "'\\' must be followed by a dial key", 0],
    ['(((((((((1)))))))))', 'groups nested too deeply', 8],
  ];
  for (const [map, reason, position] of cases) t.deepEqual(errorAt(map), [reason, position], map);
  const e = t.throws(() => compileDigitMap('91[1'), { instanceOf: DigitMapError });
  t.is(e.message, "digit map: unterminated '[' at position 2");
  t.is(e.name, 'DigitMapError');
});

test('maps over 512 characters are refused', (t) => {
  t.notThrows(() => compileDigitMap(('1234567|').repeat(64).slice(0, 511)));
  t.deepEqual(errorAt('1'.repeat(513)), ['longer than 512 characters', 512]);
});

// How fast hostile maps match is a bench figure (digit_map_match_per_s); here: they terminate,
// give the right verdicts and stay within the state cap that bounds each match's work.
test('hostile maps compile or fail fast and match in linear time', (t) => {
  // empty-matching loops inside loops: no backtracking, no infinite epsilon loop
  const loops = compileDigitMap('(x{0,}){0,}');
  t.is(loops.match('1'.repeat(64)), 'complete-but-longer-possible');
  t.is(loops.match(''), 'complete-but-longer-possible');
  const optional = compileDigitMap('((x?){0,}){0,}#');
  t.is(optional.match('1'.repeat(63) + '#'), 'complete');
  t.is(optional.match('1'.repeat(63) + '*'), 'none');
  // the classic exponential-backtracking shape
  const evil = compileDigitMap('(x|xx){0,}(x{0,}){0,}#');
  for (let i = 0; i < 200; i++) t.is(evil.match('1'.repeat(64)), 'partial');
  for (const map of [loops, optional, evil]) t.true(map.stateCount <= DIGIT_MAP_MAX_STATES, map.source);
  // expansions that would blow up are refused by the state cap or the work budget
  for (const map of ['((((x{64}){64}){64}){64})', '(x{0,64}){0,64}', '((((((((x{0}){64}){64}){64}){64}){64}){64}){64})']) {
    t.deepEqual(errorAt(map)?.[0], 'map too complex', map);
  }
  // 512 characters of classes: at most a few states per character
  const classes = compileDigitMap('[0-9*#]'.repeat(73));
  t.true(classes.stateCount <= DIGIT_MAP_MAX_STATES);
  t.is(classes.match('1'.repeat(64)), 'partial');
  const nestedClasses = '['.repeat(512);
  t.deepEqual(errorAt(nestedClasses), ["'[' is not a dial key", 1]);
  // a big but legal map, matched many times
  const big = compileDigitMap(('(x{0,8}|[1-9]{2,9})' + '|').repeat(25).slice(0, -1));
  t.true(big.stateCount <= DIGIT_MAP_MAX_STATES);
  for (let i = 0; i < 200; i++) t.is(big.match('123456789012'), 'none'); // longer than every alternative
});

test('a compiled map can be reused and shared: matches do not interfere', (t) => {
  const map = compileDigitMap(DESK6);
  const seq = ['911', '12', '12125551234', 'a', '*7', '911'].map((d) => map.match(d));
  t.deepEqual(seq, ['complete', 'partial', 'complete', 'none', 'partial', 'complete']);
});
