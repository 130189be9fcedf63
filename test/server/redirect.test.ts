// The redirect server: 302 with the callee's current contacts, for the whole server
// (--mode redirect) or for users marked "redirect" in the users file.
import test from 'ava';
import { DOMAIN, startLab } from './lab-fixture.ts';

const GUEST = { domain: 'elsewhere.example' };

test('--mode redirect: an INVITE gets 302 listing both registered contacts with q and expires', async (t) => {
  const lab = await startLab(t, { mode: 'redirect' });
  const desk = await lab.endpoint('bob');
  t.is((await desk.register({ contacts: [`<${desk.contact}>;q=0.4`], expires: 900 })).status, 200);
  const mobile = await lab.registered('bob');
  const guest = await lab.endpoint('guest', GUEST);
  const res = await guest.invite(`sip:bob@${DOMAIN}`).final;
  t.is(res.status, 302);
  t.is(res.reason, 'Moved Temporarily');
  const contacts = res.contacts().map((c) => ({ uri: c.uriText, q: c.q, expires: c.expires }));
  t.deepEqual(contacts, [
    { uri: mobile.contact, q: null, expires: 3600 },
    { uri: desk.contact, q: 0.4, expires: 900 },
  ], 'highest q first');
  t.is(desk.requests('INVITE').length + mobile.requests('INVITE').length, 0, 'nothing is forwarded');
  t.true(lab.logs.some((l) => / INVITE .* 302 Moved Temporarily /.test(l)));
});

test('redirect mode still answers 404 for unknown users and 480 for unregistered ones', async (t) => {
  const lab = await startLab(t, { mode: 'redirect' });
  const guest = await lab.endpoint('guest', GUEST);
  t.is((await guest.invite(`sip:nobody@${DOMAIN}`).final).status, 404);
  t.is((await guest.invite(`sip:bob@${DOMAIN}`).final).status, 480);
});

test('proxy mode: a user with "redirect": true gets a 302, the others are proxied', async (t) => {
  const lab = await startLab(t);
  const carol = await lab.registered('carol', { answer: 'answer' });
  const bob = await lab.registered('bob', { answer: 'answer' });
  const guest = await lab.endpoint('guest', GUEST);
  const toCarol = await guest.invite('sip:2003@lab.example').final;
  t.is(toCarol.status, 302);
  t.deepEqual(toCarol.contacts().map((c) => c.uriText), [carol.contact]);
  t.is(carol.requests('INVITE').length, 0);
  t.is((await guest.invite(`sip:bob@${DOMAIN}`).final).status, 200);
  t.is(bob.requests('INVITE').length, 1);
});
