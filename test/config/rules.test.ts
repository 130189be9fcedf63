// The config rules board configs and provisioning files share (firmware/config): one checker,
// one set of messages, whichever file the account, codecs, dial plan or tone plan come from.
import test from 'ava';
import { validateProvisioning } from '../../firmware/app/provisioning.ts';
import { checkAccount } from '../../firmware/config/account.ts';
import { Checker, ConfigError, fieldPath } from '../../firmware/config/checker.ts';
import { accountUriProblem, splitHostPort } from '../../firmware/config/sip-address.ts';
import { loadBoardConfig, validateBoardConfig } from '../../hal/board-config.ts';

const desk6 = (): Record<string, unknown> => {
  const c = loadBoardConfig('desk6');
  return { ...c, accounts: [] };
};

function boardProblem(patch: Record<string, unknown>): string {
  try {
    validateBoardConfig({ ...desk6(), ...patch }, 'b.json');
    return 'accepted';
  } catch (e) {
    return (e as Error).message.replace(/^b\.json: /, '');
  }
}

function provisioningProblem(patch: Record<string, unknown>): string {
  try {
    validateProvisioning(patch, 2);
    return 'accepted';
  } catch (e) {
    return (e as Error).message;
  }
}

const SHARED: Record<string, unknown>[] = [
  { accounts: [{ uri: 'alice@lab.example', password: 'x' }] },
  { accounts: [{ uri: 'sip:a@b.example', password: 5 }] },
  { accounts: [{ uri: 'sip:a@b.example', password: 'x', registrar: 'b.example:0' }] },
  { accounts: [{ uri: 'sip:a@b.example', password: 'x', expires: 5 }] },
  { accounts: [{ uri: 'sip:a@b.example', password: 'x' }, { uri: 'sip:a@b.example', password: 'y' }] },
  { accounts: ['a', 'b', 'c'].map((u) => ({ uri: `sip:${u}@lab.example`, password: '' })) },
  { codecs: ['G729'] },
  { codecs: ['telephone-event'] },
  { codecs: ['PCMU', 'PCMU'] },
  { dialPlan: { digitMap: 'x', interDigitTimeoutMs: 10 } },
  { dialPlan: { digitMap: '', interDigitTimeoutMs: 1000 } },
  { tonePlan: 'uk' },
];

for (const patch of SHARED) {
  test(`board config and provisioning file refuse ${JSON.stringify(patch).slice(0, 70)} alike`, (t) => {
    const board = boardProblem(patch);
    t.not(board, 'accepted');
    t.is(provisioningProblem(patch), board);
  });
}

test('only the phone compiles the digit map: a provisioning file with a broken one is refused', (t) => {
  t.regex(provisioningProblem({ dialPlan: { digitMap: '[2-', interDigitTimeoutMs: 1000 } }), /^dialPlan\.digitMap: /);
  t.is(boardProblem({ dialPlan: { digitMap: '[2-', interDigitTimeoutMs: 1000 } }), 'accepted');
});

test('the checker names source, field path and what was expected', (t) => {
  const c = new Checker('f.json');
  const err = t.throws(() => c.int('7', 'a.b', { min: 1, max: 9 }), { instanceOf: ConfigError });
  t.is(err!.message, 'f.json: a.b: expected an integer from 1 to 9, got "7"');
  t.is(err!.field, 'a.b');
  t.throws(() => new Checker('').text(undefined, 'x', 4), { message: 'x: missing, expected a non-empty string of at most 4 characters' });
  t.throws(() => c.object({ rowss: 1 }, 'display', ['rows', 'cols']), { message: 'f.json: display.rowss: unknown field (did you mean "rows"?)' });
  t.is(fieldPath('keymap', ' '), 'keymap[" "]');
  t.is(fieldPath('keys', 3), 'keys[3]');
});

test('SIP addresses: host[:port] and the account URI', (t) => {
  t.deepEqual(splitHostPort('[2001:db8::1]:5062'), { host: '[2001:db8::1]', port: 5062 });
  t.deepEqual(splitHostPort('pbx.example'), { host: 'pbx.example', port: null });
  t.is(splitHostPort('pbx.example:0'), null);
  t.is(splitHostPort('a b'), null);
  t.is(accountUriProblem('sip:1002@[2001:db8::1]:5062'), null);
  t.regex(accountUriProblem('sip:alice:pw@b')!, /without a password/);
  const account = checkAccount(new Checker('x'), { uri: 'sip:a@b.example', password: '', displayName: 'A' }, 'accounts[0]');
  t.deepEqual(account, { uri: 'sip:a@b.example', password: '', displayName: 'A' });
});
