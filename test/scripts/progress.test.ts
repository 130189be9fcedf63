import test from 'ava';
import { progressPrinter } from '../../scripts/progress.ts';

function capture(isTTY: boolean): { out: { isTTY: boolean; write(s: string): void }; text: string[] } {
  const text: string[] = [];
  return { out: { isTTY, write: (s) => void text.push(s) }, text };
}

test('on a terminal the bar is redrawn in place, once per percent, and its line ended once', (t) => {
  const c = capture(true);
  const p = progressPrinter('writing slot B', c.out);
  for (let done = 0; done <= 1000; done += 5) p.update(done, 1000);
  p.end();
  p.end();
  t.is(c.text.length, 102); // 0..100 % and one newline
  t.is(c.text[0], `\rwriting slot B [${'.'.repeat(30)}] 0%`);
  t.is(c.text[50], `\rwriting slot B [${'#'.repeat(15)}${'.'.repeat(15)}] 50%`);
  t.is(c.text[100], `\rwriting slot B [${'#'.repeat(30)}] 100%`);
  t.is(c.text[101], '\n');
  t.true(c.text.slice(0, 101).every((s) => s.startsWith('\r') && !s.includes('\n')));
});

test('off a terminal: one plain line per quarter, nothing to end', (t) => {
  const c = capture(false);
  const p = progressPrinter('uploading to http://phone', c.out);
  for (let done = 0; done <= 4096; done += 512) p.update(done, 4096);
  p.end();
  t.deepEqual(c.text, [0, 25, 50, 75, 100].map((q) => `uploading to http://phone: ${q}% (${(q / 100) * 4096} of 4096 bytes)\n`));
});

test('an empty or overshooting total shows as done, never beyond 100 %', (t) => {
  const c = capture(true);
  const p = progressPrinter('x', c.out);
  p.update(0, 0);
  p.update(9, 3);
  p.end();
  t.deepEqual(c.text, [`\rx [${'#'.repeat(30)}] 100%`, '\n']);
});
