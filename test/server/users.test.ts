// The lab users file: parsing, validation messages, AOR resolution, the demo users.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseUri } from '../../firmware/sip/uri.ts';
import { UsersFileError, defaultUsers, loadUsers, parseUsers } from '../../server/users.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (name: string): string => path.resolve(here, '..', 'fixtures', 'server', name);

/** The error a users text raises, for matching its message. */
function errorOf(users: unknown, source = 'users.json'): UsersFileError {
  const text = typeof users === 'string' ? users : JSON.stringify(users);
  const e = (() => {
    try {
      parseUsers(text, source);
    } catch (err) {
      return err;
    }
    throw new Error('expected a UsersFileError');
  })();
  if (!(e instanceof UsersFileError)) throw e;
  return e;
}

test('loads the fixture: users, aliases, display names, redirect', (t) => {
  const dir = loadUsers(fixture('users.json'));
  t.is(dir.domain, 'lab.example');
  t.deepEqual([...dir.hosts].sort(), ['lab.example', 'pbx.lab.example']);
  t.deepEqual(dir.users.map((u) => u.user), ['alice', 'bob', 'carol']);
  const alice = dir.byUser('alice')!;
  t.deepEqual(alice.aliases, ['2001', '+1-555-1234']);
  t.is(alice.displayName, 'Alice');
  t.false(alice.redirect);
  t.is(dir.byUser('2002')!.user, 'bob', 'a numeric alias written as a JSON number');
  t.true(dir.byUser('bob')!.redirect);
  t.is(dir.byUser('carol')!.displayName, null);
  t.is(dir.password('alice'), 'secret');
  t.is(dir.password('2001'), 'secret', 'a phone may authenticate with its number');
  t.is(dir.password('carol'), 'pässwörd');
  t.is(dir.password('mallory'), undefined);
});

test('resolve: by URI or by number, on any host the server answers for', (t) => {
  const dir = loadUsers(fixture('users.json'));
  const who = (aor: string, serves?: (h: string) => boolean): string | undefined => dir.resolve(aor, serves)?.user;
  t.is(who('sip:alice@lab.example'), 'alice');
  t.is(who('sip:Alice@LAB.example.'), 'alice', 'case-insensitive name and host, trailing dot');
  t.is(who('sips:alice@pbx.lab.example:5061;transport=tls'), 'alice');
  t.is(who('sip:2001@lab.example'), 'alice');
  t.is(who('sip:%32001@lab.example'), 'alice', 'escaped user part');
  t.is(who('sip:+15551234@lab.example;user=phone'), 'alice', 'number without visual separators');
  t.is(who('tel:2001'), 'alice');
  t.is(who('tel:+1-555-1234'), 'alice');
  t.is(who('tel:+1(555)1234'), 'alice');
  t.is(who('sip:2001@127.0.0.1'), undefined, 'not a host of this directory');
  t.is(who('sip:2001@127.0.0.1', (h) => h === '127.0.0.1' || dir.servesHost(h)), 'alice', 'the server adds its own addresses');
  t.is(who('sip:lab.example'), undefined, 'no user part');
  t.is(who('sip:mallory@lab.example'), undefined);
  t.is(who('mailto:alice@lab.example'), undefined);
  t.is(who('not a uri'), undefined);
  t.is(dir.resolve(parseUri('sip:bob@lab.example'))?.user, 'bob', 'a parsed URI works too');
  t.is(dir.aorOf(dir.byUser('2001')!, '127.0.0.1'), 'sip:alice@lab.example');
});

test('domain is optional and overridable; without one any host is served', (t) => {
  const text = JSON.stringify({ users: [{ user: 'alice', password: 'x', aliases: ['2001'] }] });
  const open = parseUsers(text, 'users.json');
  t.is(open.domain, null);
  t.is(open.resolve('sip:2001@127.0.0.1')?.user, 'alice');
  t.is(open.resolve('sip:alice@[::1]:5060')?.user, 'alice');
  t.is(open.aorOf(open.users[0]!, '127.0.0.1'), 'sip:alice@127.0.0.1');
  const pinned = parseUsers(text, 'users.json', { domain: 'lab.example', hosts: ['127.0.0.1'] });
  t.is(pinned.domain, 'lab.example');
  t.is(pinned.resolve('sip:2001@127.0.0.1')?.user, 'alice');
  t.is(pinned.resolve('sip:2001@192.0.2.9'), undefined);
  const cleared = loadUsers(fixture('users.json'), { domain: null });
  t.is(cleared.domain, null);
  t.true(cleared.servesHost('pbx.lab.example'));
  t.false(cleared.servesHost('lab.example'));
});

test('defaultUsers: the documented demo accounts', (t) => {
  const dir = defaultUsers();
  t.deepEqual(
    dir.users.map((u) => [u.user, u.aliases[0], u.password]),
    [['alice', '2001', 'secret'], ['bob', '2002', 'secret'], ['carol', '2003', 'secret'], ['dave', '2004', 'secret'], ['echo', '2000', 'secret']],
  );
  t.is(dir.resolve('sip:2000@127.0.0.1')?.user, 'echo');
  t.true(dir.byUser('dave')!.redirect);
  t.is(defaultUsers({ domain: 'lab.example' }).resolve('sip:bob@other.example'), undefined);
});

test('broken files: errors name the file and the field', (t) => {
  const dup = t.throws(() => loadUsers(fixture('users-duplicate-alias.json')), { instanceOf: UsersFileError })!;
  t.is(dup.message, `${fixture('users-duplicate-alias.json')}: users[1].aliases[1]: "2001" is already used by users[0].aliases[0]`);
  const nopw = t.throws(() => loadUsers(fixture('users-missing-password.json')), { instanceOf: UsersFileError })!;
  t.is(nopw.field, 'users[1].password');
  t.regex(nopw.message, /users-missing-password\.json: users\[1\]\.password: missing for user "bob"/);
  t.regex(t.throws(() => loadUsers(fixture('users-not-json.json')))!.message, /users-not-json\.json: not valid JSON/);
  t.regex(t.throws(() => loadUsers(fixture('nope.json')))!.message, /nope\.json: cannot read/);
});

test('a YAML users file works like JSON; broken YAML names the file', (t) => {
  const dir = loadUsers(fixture('users.yaml'));
  t.is(dir.password('alice'), 'secret');
  t.is(dir.resolve('sip:2001@lab.example')?.user, 'alice');
  const bad = join(mkdtempSync(join(tmpdir(), 'quip-users-')), 'bad.yaml');
  writeFileSync(bad, 'users: [\n  - user: x\n');
  t.regex(t.throws(() => loadUsers(bad), { instanceOf: UsersFileError })!.message, /bad\.yaml: not valid YAML/);
});

test('validation messages for each field', (t) => {
  const cases: Array<[unknown, string]> = [
    [[], 'users.json: expected an object, got a list'],
    [{}, 'users.json: users: missing, expected a list of users'],
    [{ users: {} }, 'users.json: users: expected a list of users, got an object'],
    [{ user: [] }, 'users.json: user: unknown field (expected one of domain, hosts, users)'],
    [{ domain: 'lab example', users: [] }, 'users.json: domain: expected a host name like "lab.example", got "lab example"'],
    [{ domain: 5, users: [] }, 'users.json: domain: expected a host name like "lab.example", got 5'],
    [{ hosts: 'a', users: [] }, 'users.json: hosts: expected a list of host names, got "a"'],
    [{ users: ['alice'] }, 'users.json: users[0]: expected an object, got "alice"'],
    [{ users: [{ password: 'x' }] }, 'users.json: users[0].user: missing, expected a user name like "alice"'],
    [{ users: [{ user: 'al ice', password: 'x' }] }, 'users.json: users[0].user: expected 1-64 SIP user characters (no spaces, "@" or ":"), got "al ice"'],
    [{ users: [{ user: 'alice', password: 7 }] }, 'users.json: users[0].password: expected a non-empty string, got number'],
    [{ users: [{ user: 'alice', password: '' }] }, 'users.json: users[0].password: expected a non-empty string, got an empty string'],
    [{ users: [{ user: 'alice', password: 'x', aliases: '2001' }] }, 'users.json: users[0].aliases: expected a list like ["2001"], got "2001"'],
    [{ users: [{ user: 'alice', password: 'x', aliases: [true] }] }, 'users.json: users[0].aliases[0]: expected a user name or number, got true'],
    [{ users: [{ user: 'alice', password: 'x', redirect: 'yes' }] }, 'users.json: users[0].redirect: expected true or false, got "yes"'],
    [{ users: [{ user: 'alice', password: 'x', pasword: 'y' }] }, 'users.json: users[0].pasword: unknown field (expected one of user, password, aliases, displayName, redirect)'],
    [{ users: [{ user: 'alice', password: 'x' }, { user: 'Alice', password: 'y' }] }, 'users.json: users[1].user: "Alice" is already used by users[0].user'],
    [{ users: [{ user: '2001', password: 'x' }, { user: 'b', password: 'y', aliases: ['2001'] }] }, 'users.json: users[1].aliases[0]: "2001" is already used by users[0].user'],
    [{ users: [{ user: 'a', password: 'x', aliases: ['+1-555'] }, { user: 'b', password: 'y', aliases: ['+1555'] }] }, 'users.json: users[1].aliases[0]: "+1555" is already used by users[0].aliases[0]'],
  ];
  for (const [data, message] of cases) t.is(errorOf(data).message, message);
  t.is(errorOf('').message.startsWith('users.json: not valid JSON'), true);
});

test('a byte-order mark and an empty user list are fine', (t) => {
  const dir = parseUsers('\ufeff{"users": []}', 'users.json');
  t.is(dir.users.length, 0);
  t.is(dir.resolve('sip:alice@x'), undefined);
});
