// The user agent's random numbers come from the host's entropy (CryptoHal.randomBytes), a pool
// of bytes at a time, not from Math.random.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { RandomPool } from '../../firmware/ua/random-pool.ts';

test('draws are in range, spread out, and take the host\'s bytes a pool at a time', (t) => {
  let calls = 0;
  let bytes = 0;
  const pool = new RandomPool((n) => {
    calls++;
    bytes += n;
    return randomBytes(n).toString('latin1');
  });
  const draws = Array.from({ length: 1600 }, () => pool.unit());
  t.true(draws.every((d) => d >= 0 && d < 1));
  t.true(calls <= 100, `${calls} host calls for 1600 draws`);
  t.is(bytes, calls * 48);
  const tenths = new Array<number>(10).fill(0);
  for (const d of draws) tenths[Math.floor(d * 10)]!++;
  t.true(tenths.every((n) => n > 80), `every tenth of [0, 1) is hit: ${tenths.join(' ')}`);
  const ints = Array.from({ length: 500 }, () => pool.int(1, 6));
  t.true(ints.every((i) => Number.isInteger(i) && i >= 1 && i <= 6));
  t.deepEqual([...new Set(ints)].sort(), [1, 2, 3, 4, 5, 6]);
});

test('the numbers are the host\'s: a fixed source gives fixed draws, extremes included', (t) => {
  const zeros = new RandomPool((n) => '\0'.repeat(n));
  t.is(zeros.unit(), 0);
  const ones = new RandomPool((n) => '\xff'.repeat(n));
  t.true(ones.unit() < 1 && ones.unit() > 0.99999);
  t.is(ones.int(2100, 4000), 4000);
  // A short or odd answer from a host never gives NaN or a value outside [0, 1).
  const short = new RandomPool(() => '\u0101');
  const v = short.unit();
  t.true(v >= 0 && v < 1, String(v));
});

test('no Math.random left in the user agent', async (t) => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { ROOT } = await import('../helpers/corpus.ts');
  const dir = join(ROOT, 'firmware', 'ua');
  const using = readdirSync(dir).filter((f) => f.endsWith('.ts') && /Math\.random\s*\(|\?\?\s*Math\.random/.test(readFileSync(join(dir, f), 'utf8')));
  t.deepEqual(using, []);
});
