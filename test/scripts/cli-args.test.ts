import test from 'ava';
import { lastValue, readArgs } from '../../scripts/cli-args.ts';
import type { ReadArgs } from '../../scripts/cli-args.ts';

const spec = { values: ['board', 'replay'], flags: ['json'] };

function ok(args: string[]): ReadArgs {
  const read = readArgs(args, spec);
  if (typeof read === 'string') throw new Error(read);
  return read;
}

test('values in both spellings, flags, and the last of a repeated option', (t) => {
  const read = ok(['--board', 'desk6', '--json', '--replay=sip:AA==', '--replay', 'rtp:BB', '--board=small2']);
  t.is(lastValue(read, 'board'), 'small2');
  t.deepEqual(read.values.get('replay'), ['sip:AA==', 'rtp:BB']);
  t.true(read.flags.has('json'));
  t.is(lastValue(read, 'nothing'), undefined);
  const empty = ok([]);
  t.is(empty.values.size, 0);
  t.false(empty.flags.has('json'));
});

test('a value may contain = and start with a single dash', (t) => {
  const read = ok(['--board=a=b', '--replay', '-1']);
  t.is(lastValue(read, 'board'), 'a=b');
  t.is(lastValue(read, 'replay'), '-1');
});

test('usage errors are one line naming the option', (t) => {
  t.is(readArgs(['--board'], spec), '--board needs a value');
  t.is(readArgs(['--board', '--json'], spec), '--board needs a value');
  t.is(readArgs(['--board='], spec), '--board needs a value');
  t.is(readArgs(['--json=yes'], spec), '--json takes no value');
  t.is(readArgs(['--fast'], spec), "unknown option '--fast'");
  t.is(readArgs(['-x'], spec), "unknown option '-x'");
  t.is(readArgs(['extra'], spec), "unexpected argument 'extra'");
  t.is(readArgs(['--=x'], spec), "unknown option '--=x'");
});
