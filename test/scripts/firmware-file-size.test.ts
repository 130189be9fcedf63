// Issue 16's rule for the firmware: no module longer than 450 lines, so a file stays one concept
// a newcomer can read at once. A file that grows past it is cut along its seams, not exempted.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';

const MAX_LINES = 450;
const firmware = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'firmware');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

test(`no firmware module is longer than ${MAX_LINES} lines`, (t) => {
  const files = sources(firmware);
  t.true(files.length > 100, `${files.length} firmware files found`);
  const long = files
    .map((f) => ({ file: path.relative(firmware, f), lines: readFileSync(f, 'utf8').split('\n').length - 1 }))
    .filter((f) => f.lines > MAX_LINES)
    .map((f) => `${f.file}: ${f.lines} lines`);
  t.deepEqual(long, []);
});
