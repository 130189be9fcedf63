// The lab's digest authentication leaks nothing and costs a guesser: an unknown user is
// challenged and refused exactly like a wrong password (no 404 for sipvicious svwar to read,
// the same hashing work), and a source that keeps failing is refused without any digest work.
import test from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { buildAuthorization, formatCredentials, pickChallenge, toHex } from '../../firmware/sip/index.ts';
import type { SipMessage } from '../../firmware/sip/index.ts';
import { AuthThrottle } from '../../server/auth-throttle.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import type { SipEndpoint } from '../helpers/sip-endpoint.ts';
import { DOMAIN, startLab } from './lab-fixture.ts';
import type { Lab } from './lab-fixture.ts';

const BOB = `sip:bob@${DOMAIN}`;
const blockLines = (lab: Lab): string[] => lab.logs.filter((l) => /failed authentications from /.test(l));

/** What a response says apart from its per-request values: status, reason, header names, challenge shape. */
function shape(res: SipMessage): unknown {
  const challenges = [...res.auth('WWW-Authenticate'), ...res.auth('Proxy-Authenticate')];
  return {
    status: `${res.status} ${res.reason}`,
    headers: res.headers.map((h) => h.name),
    challenges: challenges.map((c) => [...c.params.keys()].map((k) => (k === 'nonce' ? 'nonce' : `${k}=${c.params.get(k)!}`))),
  };
}

/** Digest work the lab did while `fn` ran. */
async function work(lab: Lab, fn: () => Promise<unknown>): Promise<number> {
  const before = lab.server.auth.digestWork;
  await fn();
  return lab.server.auth.digestWork - before;
}

/** Credentials for alice built on a nonce this lab issued earlier (a REGISTER that carries them from the start). */
async function aliceCredentials(lab: Lab, password: string): Promise<string> {
  const probe = await lab.endpoint('alice', { password: undefined });
  const res = await probe.register();
  const ch = pickChallenge(res.auth('WWW-Authenticate'))!;
  const creds = buildAuthorization({
    challenge: ch, method: 'REGISTER', uri: `sip:${DOMAIN}`, username: 'alice', password,
    hash: (a, d) => createHash(a === 'MD5' ? 'md5' : 'sha256').update(Buffer.from(d, 'latin1')).digest('hex'),
    cnonce: toHex(randomBytes(8).toString('latin1')), nc: 1,
  });
  return formatCredentials(creds, 'credentials');
}

test('REGISTER for a user the lab does not know: challenged (401) like a known one, then 403 like a wrong password', async (t) => {
  const lab = await startLab(t);
  const stranger = await lab.endpoint('nobody', { password: 'guess' });
  const typo = await lab.endpoint('alice', { password: 'guess' });
  const [unknown, wrong] = [stranger.registerCall(), typo.registerCall()];
  const [unknownFinal, wrongFinal] = await Promise.all([unknown.final, wrong.final]);
  t.is(unknown.challenged.length, 1, 'the unknown user was challenged, not answered 404');
  t.is(unknown.challenged[0]!.status, 401);
  t.deepEqual(shape(unknown.challenged[0]!), shape(wrong.challenged[0]!), 'the same challenge for both');
  t.is(unknownFinal.status, 403);
  t.deepEqual(shape(unknownFinal), shape(wrongFinal), 'the same refusal for both');
  // And without credentials at all, an unknown user's 401 is a known user's 401.
  const [bare, bareKnown] = await Promise.all([
    (await lab.endpoint('9999', { password: undefined })).register(),
    (await lab.endpoint('bob', { password: undefined })).register(),
  ]);
  t.deepEqual(shape(bare), shape(bareKnown));
  t.false(lab.logs.some((l) => / 404 /.test(l)));
  t.is(lab.server.location.size, 0);
});

test('an unknown user, a wrong password and someone else\'s credentials cost the lab the same digest work', async (t) => {
  const lab = await startLab(t);
  const wrong = await work(lab, async () => (await lab.endpoint('alice', { password: 'guess' })).register());
  const unknown = await work(lab, async () => (await lab.endpoint('nobody', { password: 'guess' })).register());
  const unknownNumber = await work(lab, async () => (await lab.endpoint('9999', { password: 'guess' })).register());
  const borrowed = await work(lab, async () => (await lab.endpoint('alice', { authUser: 'bob', password: 'bob-secret' })).register());
  const right = await work(lab, async () => (await lab.endpoint('alice')).register());
  t.true(wrong > 0, `a wrong password is checked (${wrong} hashes)`);
  t.deepEqual({ unknown, unknownNumber, borrowed, right }, { unknown: wrong, unknownNumber: wrong, borrowed: wrong, right: wrong });
});

test('INVITE from an unknown user of our domain: 407, then 403, like a known caller with a wrong password', async (t) => {
  const lab = await startLab(t);
  await lab.registered('bob', { answer: 'answer' });
  const stranger = await lab.endpoint('nobody', { password: 'guess' });
  const typo = await lab.endpoint('alice', { password: 'guess' });
  const [unknown, wrong] = [stranger.invite(BOB), typo.invite(BOB)];
  const [unknownFinal, wrongFinal] = await Promise.all([unknown.final, wrong.final]);
  t.deepEqual(unknown.challenged.map((r) => r.status), [407], 'challenged, not let through');
  t.deepEqual(shape(unknown.challenged[0]!), shape(wrong.challenged[0]!));
  t.is(unknownFinal.status, 403);
  t.deepEqual(shape(unknownFinal), shape(wrongFinal));
  const bare = await (await lab.endpoint('nobody', { password: undefined })).invite(BOB).final;
  t.is(bare.status, 407, 'no credentials: a challenge, as for a known user');
  // the same work for both kinds of failure
  const wrongWork = await work(lab, async () => (await lab.endpoint('alice', { password: 'guess' })).invite(BOB).final);
  const unknownWork = await work(lab, async () => (await lab.endpoint('nobody', { password: 'guess' })).invite(BOB).final);
  t.true(wrongWork > 0);
  t.is(unknownWork, wrongWork);
  // Callers from elsewhere are still let in unchallenged (a lab), known-looking name or not.
  const guest = await lab.endpoint('nobody', { domain: 'elsewhere.example' });
  const call = guest.invite(BOB);
  t.is((await call.final).status, 200);
  t.is(call.challenged.length, 0);
  await guest.bye(call.dialogs[0]!);
});

test('after N failed authentications a source gets 403 with no digest work until the block ends; logged once per window', async (t) => {
  const clock = new FakeClock();
  const lab = await startLab(t, { clock, limits: { authFailures: 3, authFailureWindowMs: 60_000, authBlockMs: 30_000 } });
  const mallory = await lab.endpoint('alice', { password: 'guess' });
  const fail = async (ep: SipEndpoint): Promise<SipMessage> => ep.registerCall().final;
  for (let i = 0; i < 3; i++) t.is((await fail(mallory)).status, 403);
  t.is(blockLines(lab).length, 1, 'the block is logged when it engages');
  t.regex(blockLines(lab)[0]!, new RegExp(`3 failed authentications from 127\\.0\\.0\\.1:${mallory.port} `));

  // Blocked: refused at once (no 401, no nonce), even with the right password or ready credentials.
  const nonces = lab.server.nonces.size;
  const blocked = mallory.registerCall({ password: 'alice-secret' });
  t.is((await blocked.final).status, 403);
  t.is(blocked.challenged.length, 0);
  t.is(lab.server.nonces.size, nonces, 'no challenge was issued');
  const creds = await aliceCredentials(lab, 'alice-secret');
  const hashed = await work(lab, async () => {
    for (let i = 0; i < 5; i++) t.is((await mallory.register({ headers: [['Authorization', creds]] })).status, 403);
  });
  t.is(hashed, 0, 'no digest computed for a blocked source');
  t.is(blockLines(lab).length, 1, 'not logged per refused request');

  // Another source (a phone on the same host, another port) is not affected.
  t.is((await (await lab.endpoint('alice')).register()).status, 200);

  // The block ends: the right password works again; failing again opens a new window, logged once more.
  clock.advance(30_000);
  t.is((await mallory.register({ password: 'alice-secret' })).status, 200);
  for (let i = 0; i < 3; i++) t.is((await fail(mallory)).status, 403);
  t.is(blockLines(lab).length, 2);
  t.is((await mallory.register({ password: 'alice-secret' })).status, 403);
});

test('failures spread over a window do not add up; challenges and correct registrations never count', async (t) => {
  const clock = new FakeClock();
  const lab = await startLab(t, { clock, limits: { authFailures: 3, authFailureWindowMs: 60_000 } });
  const phone = await lab.endpoint('alice');
  // unanswered challenges and good registrations, many more than the limit
  const bare = await lab.endpoint('alice', { password: undefined });
  for (let i = 0; i < 10; i++) t.is((await bare.register()).status, 401);
  for (let i = 0; i < 10; i++) t.is((await phone.register()).status, 200);
  // two failures, a window passes, two more: never three in one window
  for (let i = 0; i < 2; i++) t.is((await phone.register({ password: 'typo' })).status, 403);
  clock.advance(60_000);
  for (let i = 0; i < 2; i++) t.is((await phone.register({ password: 'typo' })).status, 403);
  t.is((await phone.register()).status, 200, 'still not blocked');
  t.is((await bare.register()).status, 401);
  t.deepEqual(blockLines(lab), []);
});

test('a guesser that changes ports is caught by the per-address ceiling', async (t) => {
  const lab = await startLab(t, { limits: { authFailures: 10, authFailuresPerAddress: 4 } });
  for (let i = 0; i < 4; i++) t.is((await (await lab.endpoint('nobody', { password: `guess${i}` })).register()).status, 403);
  t.is(blockLines(lab).length, 1);
  t.regex(blockLines(lab)[0]!, /4 failed authentications from 127\.0\.0\.1 in /);
  const next = (await lab.endpoint('alice')).registerCall();
  t.is((await next.final).status, 403, 'the whole address is refused for a while');
  t.is(next.challenged.length, 0);
});

test('the proxy shares the limit: failed INVITE credentials block the source, and then its REGISTERs', async (t) => {
  const lab = await startLab(t, { limits: { authFailures: 2 } });
  const mallory = await lab.endpoint('nobody', { password: 'guess' });
  for (let i = 0; i < 2; i++) t.is((await mallory.invite(BOB).final).status, 403);
  const again = mallory.invite(BOB);
  t.is((await again.final).status, 403);
  t.is(again.challenged.length, 0, 'refused before any challenge');
  t.is((await mallory.register()).status, 403);
  t.is(blockLines(lab).length, 1);
});

test('AuthThrottle: the table is bounded, and pruning forgets windows and blocks that are over', (t) => {
  let now = 0;
  const logs: string[] = [];
  const th = new AuthThrottle({ maxFailures: 2, maxFailuresPerAddress: 0, windowMs: 1000, blockMs: 500, now: () => now, log: (l) => logs.push(l), maxEntries: 4 });
  for (let p = 1; p <= 10; p++) th.failed('10.0.0.1', p);
  t.is(th.size, 4, 'oldest sources dropped');
  th.failed('10.0.0.1', 10);
  t.true(th.blocked('10.0.0.1', 10));
  t.false(th.blocked('10.0.0.1', 9));
  t.is(logs.length, 1);
  th.failed('10.0.0.1', 10); // while blocked: neither counted nor logged
  t.is(logs.length, 1);
  now = 500;
  t.false(th.blocked('10.0.0.1', 10), 'the block is over');
  th.failed('10.0.0.1', 10);
  t.false(th.blocked('10.0.0.1', 10), 'a new window starts after a block');
  now = 2000;
  th.prune();
  t.is(th.size, 0);
});
