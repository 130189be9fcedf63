// The lab registrar over real loopback UDP: digest, bindings, expiry, ordering, persistence.
import test from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { buildAuthorization, formatCredentials, pickChallenge, toHex } from '../../firmware/sip/index.ts';
import type { SipMessage } from '../../firmware/sip/index.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { DOMAIN, startLab, tempFile } from './lab-fixture.ts';

const ALICE = `sip:alice@${DOMAIN}`;

function contactsOf(res: SipMessage): Array<{ uri: string; expires: number | null; q: number | null }> {
  return res.contacts().map((c) => ({ uri: c.uriText, expires: c.expires, q: c.q }));
}

test('REGISTER: 401 offers SHA-256 and MD5 digest, then 200 lists the binding with its expiry and a Date', async (t) => {
  const lab = await startLab(t);
  const alice = await lab.endpoint('alice');
  const call = alice.registerCall({ expires: 600 });
  const ok = await call.final;
  t.is(ok.status, 200);
  const challenge = call.challenged[0]!;
  t.is(challenge.status, 401);
  const offers = challenge.auth('WWW-Authenticate');
  t.deepEqual(offers.map((c) => c.params.get('algorithm')), ['SHA-256', 'MD5']);
  for (const c of offers) {
    t.is(c.params.get('realm'), DOMAIN);
    t.is(c.params.get('qop'), 'auth');
  }
  t.deepEqual(contactsOf(ok), [{ uri: alice.contact, expires: 600, q: null }]);
  t.regex(ok.get('Date')!, /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
  const [binding] = lab.server.location.bindings(ALICE, Date.now());
  t.is(binding!.contact, alice.contact);
  t.deepEqual(binding!.received, { transport: 'udp', address: '127.0.0.1', port: alice.port }, 'the source is kept for NAT');
  t.true(lab.logs.some((l) => / REGISTER sip:alice@lab\.example → sip:alice@lab\.example 200 OK \d+ms \(udp 127\.0\.0\.1:\d+\)$/.test(l)));
});

test('REGISTER with a wrong password is refused with 403 and binds nothing', async (t) => {
  const lab = await startLab(t);
  const alice = await lab.endpoint('alice', { password: 'guess' });
  const call = alice.registerCall();
  t.is((await call.final).status, 403);
  t.is(call.challenged.length, 1);
  t.is(lab.server.location.size, 0);
});

test('credentials of another user cannot register this AOR (403); unknown users are challenged, then 403 (no 404)', async (t) => {
  const lab = await startLab(t);
  const mallory = await lab.endpoint('alice', { authUser: 'bob', password: 'bob-secret' });
  t.is((await mallory.register()).status, 403, "bob's valid credentials, alice's AOR");
  t.is(lab.server.location.size, 0);
  const stranger = await lab.endpoint('nobody', { password: 'x' });
  const call = stranger.registerCall();
  t.is((await call.final).status, 403);
  t.deepEqual(call.challenged.map((r) => r.status), [401]);
});

test('a phone may register by its number: sip:2001@domain binds alice', async (t) => {
  const lab = await startLab(t);
  const byNumber = await lab.endpoint('2001', { password: 'alice-secret' });
  t.is((await byNumber.register()).status, 200);
  t.is(lab.server.location.bindings(ALICE, Date.now()).length, 1);
});

test('several contacts per AOR with q-values; the 200 lists every current binding', async (t) => {
  const lab = await startLab(t);
  const desk = await lab.endpoint('alice');
  const first = await desk.register({
    contacts: ['<sip:alice@127.0.0.1:5071>;q=0.5', '<sip:alice@127.0.0.1:5072>;q=1.0'],
  });
  t.is(first.status, 200);
  const mobile = await lab.endpoint('alice');
  const second = await mobile.register({ expires: 120 });
  t.is(second.status, 200);
  const listed = contactsOf(second);
  t.is(listed.length, 3);
  t.deepEqual(listed.map((c) => c.uri).sort(), ['sip:alice@127.0.0.1:5071', 'sip:alice@127.0.0.1:5072', mobile.contact].sort());
  t.is(listed.find((c) => c.uri.endsWith(':5071'))!.q, 0.5);
  t.is(listed.find((c) => c.uri === mobile.contact)!.expires, 120);
  t.is(listed.find((c) => c.uri.endsWith(':5072'))!.expires, 3600, 'the default expiry');
});

test('Expires below the minimum gets 423 with Min-Expires; above the maximum it is shortened', async (t) => {
  const lab = await startLab(t);
  const alice = await lab.endpoint('alice');
  const brief = await alice.register({ expires: 30 });
  t.is(brief.status, 423);
  t.is(brief.minExpires(), 60);
  t.is(lab.server.location.size, 0);
  const long = await alice.register({ contacts: [`<${alice.contact}>;expires=100000`] });
  t.is(long.status, 200);
  t.is(long.contacts()[0]!.expires, 7200);
});

test('Contact * with Expires: 0 removes every binding; * without Expires: 0 is a 400', async (t) => {
  const lab = await startLab(t);
  const alice = await lab.endpoint('alice');
  t.is((await alice.register({ contacts: ['<sip:alice@127.0.0.1:5071>', '<sip:alice@127.0.0.1:5072>'] })).status, 200);
  t.is(lab.server.location.bindings(ALICE, Date.now()).length, 2);
  t.is((await alice.register({ contacts: ['*'], expires: 60 })).status, 400);
  const gone = await alice.register({ contacts: ['*'], expires: 0 });
  t.is(gone.status, 200);
  t.deepEqual(gone.contacts(), []);
  t.is(lab.server.location.size, 0);
});

test('Call-ID/CSeq ordering: an older CSeq on the same Call-ID gets 500 and changes nothing', async (t) => {
  const lab = await startLab(t);
  const alice = await lab.endpoint('alice');
  t.is((await alice.register({ cseq: 10 })).status, 200); // 10 → 401, 11 → 200
  const late = await alice.register({ cseq: 5, expires: 0 }); // 5 → 401, 6 → refused
  t.is(late.status, 500);
  t.is(lab.server.location.bindings(ALICE, Date.now()).length, 1, 'the stale un-REGISTER did not remove it');
  const other = await alice.register({ cseq: 1, callId: 'another-call-id@endpoint', expires: 0 });
  t.is(other.status, 200, 'a different Call-ID always wins');
  t.is(lab.server.location.size, 0);
});

test('bindings expire on the clock: the 200 counts down, then the AOR is empty and calls get 480', async (t) => {
  const clock = new FakeClock();
  const lab = await startLab(t, { clock });
  const alice = await lab.endpoint('alice');
  t.is((await alice.register({ expires: 60 })).status, 200);
  clock.advance(45_000);
  const query = await alice.register({ contacts: [] });
  t.deepEqual(contactsOf(query).map((c) => c.expires), [15]);
  clock.advance(16_000);
  t.deepEqual(contactsOf(await alice.register({ contacts: [] })), []);
  const guest = await lab.endpoint('guest', { domain: 'elsewhere.example' });
  t.is((await guest.invite(ALICE).final).status, 480);
  clock.advance(60_000); // the sweep drops the expired binding from memory
  t.is(lab.server.location.size, 0);
});

test('registrations survive a restart: same location file, new server process', async (t) => {
  const file = tempFile('location.json');
  const first = await startLab(t, { locationFile: file });
  const alice = await first.registered('alice');
  first.server.close();
  const second = await startLab(t, { locationFile: file });
  t.is(second.server.location.bindings(ALICE, Date.now())[0]?.contact, alice.contact);
  const guest = await second.endpoint('guest', { domain: 'elsewhere.example', server: { address: '127.0.0.1', port: second.server.port } });
  t.is((await guest.invite(ALICE).final).status, 200, 'the restarted server still reaches alice');
});

test('an expired nonce gets 401 with stale=true; the phone retries without asking for the password', async (t) => {
  const clock = new FakeClock();
  const lab = await startLab(t, { clock, limits: { nonceLifetimeMs: 10_000 } });
  const alice = await lab.endpoint('alice');
  const first = alice.registerCall();
  t.is((await first.final).status, 200);
  clock.advance(20_000);
  const old = pickChallenge(first.challenged[0]!.auth('WWW-Authenticate'))!;
  const creds = buildAuthorization({
    challenge: old, method: 'REGISTER', uri: `sip:${DOMAIN}`, username: 'alice', password: 'alice-secret',
    hash: (a, d) => createHash(a === 'MD5' ? 'md5' : 'sha256').update(Buffer.from(d, 'latin1')).digest('hex'),
    cnonce: toHex(randomBytes(8).toString('latin1')), nc: 2,
  });
  const again = alice.registerCall({ headers: [['Authorization', formatCredentials(creds, 'credentials')]] });
  t.is((await again.final).status, 200);
  const stale = again.challenged[0]!;
  t.is(stale.status, 401);
  t.true(stale.auth('WWW-Authenticate').every((c) => c.params.get('stale') === 'true'));
});
