// Blind transfer (RFC 3515 REFER, RFC 5589) between emulated phones and the lab server: the
// Transfer key as the transferor, the REFER and its NOTIFYs as the transferee, and what each
// side shows and does when the transfer works and when it does not.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import type { SipMessage } from '../../firmware/sip/index.ts';
import type { LabServer } from '../../server/lab-server.ts';
import { labWithPhones } from '../helpers/lab-phones.ts';
import type { EmuEvent, EmulatorProcess } from '../helpers/emulator-process.ts';
import { SipEndpoint } from '../helpers/sip-endpoint.ts';

const ev = (name: string, fields: Record<string, unknown> = {}) => (e: EmuEvent): boolean =>
  e.event === name && Object.entries(fields).every(([k, v]) => e[k] === v);

async function connect(caller: EmulatorProcess, callee: EmulatorProcess, number: string): Promise<string> {
  caller.send({ dial: number });
  const incoming = await callee.waitFor(ev('incoming'));
  callee.send({ key: 'send' });
  await caller.waitFor(ev('call_state', { state: 'connected' }));
  await callee.waitFor(ev('call_state', { state: 'connected' }));
  return String(incoming.call_id);
}

test.serial('the Transfer key hands the call on: alice transfers bob to carol, bob calls carol, alice drops out', async (t) => {
  const { phone, logs } = await labWithPhones(t);
  const [alice, bob, carol] = await Promise.all([phone('alice'), phone('bob'), phone('carol')]);
  const first = await connect(alice, bob, '2002');

  // Transfer: the call goes on hold while alice keys carol's number.
  alice.send({ key: 'transfer' });
  await alice.waitForScreen((l) => l[0] === 'Transfer to:');
  await bob.waitFor(ev('call_state', { call_id: first, state: 'held' }));
  for (const d of '2003') alice.send({ key: d });
  await alice.waitForScreen((l) => l[1] === '2003');
  alice.send({ key: 'transfer' });

  const asked = await alice.waitFor(ev('transfer', { role: 'transferor', state: 'accepted' }));
  t.like(asked, { call_id: first, status: 202 });
  t.regex(String(asked.target), /^2003@127\.0\.0\.1/);
  const aliceEnd = await alice.waitFor(ev('call_state', { call_id: first, state: 'ended' }));
  t.is(aliceEnd.reason, 'Transferred');
  await alice.waitForScreen((l) => l.join(' ').includes('Call ended: Transferred'));

  // Bob accepted the REFER and calls carol himself; his first call steps aside.
  t.like(await bob.waitFor(ev('transfer', { role: 'transferee', state: 'accepted' })), { call_id: first, status: 202 });
  const toCarol = await carol.waitFor(ev('incoming'));
  t.regex(String(toCarol.from), /^bob@/);
  carol.send({ key: 'send' });
  const bobNew = await bob.waitFor((e) => e.event === 'call_state' && e.state === 'connected' && e.call_id !== first);
  t.is(bobNew.direction, 'out');
  t.regex(String(bobNew.remote), /^2003@/);
  t.like(await bob.waitFor(ev('transfer', { role: 'transferee', state: 'done' })), { call_id: first, status: 200 });
  const bobOld = await bob.waitFor(ev('call_state', { call_id: first, state: 'ended' }));
  t.is(bobOld.reason, 'Transferred');
  await bob.waitForScreen((l) => l[0]!.startsWith('Connected') && l[1]!.startsWith('2003@'));
  // Media flows on the new call.
  const stats = await bob.waitFor((e) => e.event === 'media_stats' && e.call_id === bobNew.call_id && Number(e.received) > 0, 15000);
  t.true(Number(stats.received) > 0);

  // Through the lab: REFER answered 202, the implicit subscription's NOTIFY, carol's INVITE.
  t.true(logs.some((l) => / REFER .* 202 /.test(l)), logs.join('\n'));
  // Alice hung up on the 202, so she answers bob's first NOTIFY 481: that ends the implicit
  // subscription, and the final NOTIFY (after carol answered, much later) is never sent.
  const notifies = logs.filter((l) => / NOTIFY /.test(l));
  t.true(notifies.length >= 1 && notifies.length <= 2 && notifies.every((l) => / 481 /.test(l)), notifies.join('\n'));
  carol.send({ key: 'end' });
  await bob.waitFor(ev('call_state', { call_id: bobNew.call_id, state: 'ended' }));
  await bob.waitForScreen((l) => l[1] === 'Registered', 10000);
});

/** A scripted SIP endpoint for `user` on the lab, closed with the test. */
async function endpoint(t: ExecutionContext, lab: LabServer, user: string): Promise<SipEndpoint> {
  const ep = await SipEndpoint.start({ user, password: 'secret', domain: '127.0.0.1', server: { address: '127.0.0.1', port: lab.port }, answer: 'answer' });
  t.teardown(() => ep.close());
  return ep;
}

test.serial('as transferee the phone answers REFER 202, reports the new call in sipfrag NOTIFYs, and gets its call back when the transfer fails', async (t) => {
  const { phone, lab } = await labWithPhones(t);
  const bob = await phone('bob');
  const alice = await endpoint(t, lab, 'alice');
  const call = alice.invite(`sip:2002@127.0.0.1:${lab.port}`);
  await bob.waitFor(ev('incoming'));
  bob.send({ key: 'send' });
  await call.waitStatus(200, 10000);
  const d = call.dialogs[0]!;
  const first = d.callId;
  await bob.waitFor(ev('call_state', { call_id: first, state: 'connected' }));

  // REFERs the phone cannot act on are refused, and the call goes on.
  const refer = (referTo: string | null): Promise<SipMessage> =>
    alice.requestInDialog(d, 'REFER', [...(referTo === null ? [] : [['Refer-To', referTo] as [string, string]]), ['Contact', `<${alice.contact}>`]]);
  t.is((await refer(null)).status, 400);
  t.is((await refer('<tel:+15551234>')).status, 416);
  const replaces = await refer(`<sip:carol@127.0.0.1?Replaces=abc%3Bto-tag%3D1%3Bfrom-tag%3D2>`);
  t.is(replaces.status, 501, 'attended transfer (Replaces) is not done');

  // A REFER to a number nobody has: 202, then NOTIFYs with the new call's progress.
  const accepted = await refer(`<sip:2999@127.0.0.1:${lab.port}>`);
  t.is(accepted.status, 202);
  const referCseq = d.localCseq;
  const last = await alice.waitFor((r) => r.msg.method === 'NOTIFY' && /^SIP\/2\.0 [2-6]/.test(r.msg.bodyText()), 15000, 'the final NOTIFY');
  const notifies = alice.requests('NOTIFY');
  for (const n of notifies) {
    t.is(n.get('Event'), `refer;id=${referCseq}`);
    t.is(n.get('Content-Type'), 'message/sipfrag;version=2.0');
  }
  t.is(notifies[0]!.bodyText(), 'SIP/2.0 100 Trying\r\n');
  t.regex(notifies[0]!.get('Subscription-State')!, /^active;expires=\d+$/);
  t.regex(last.msg.bodyText(), /^SIP\/2\.0 404 /);
  t.is(last.msg.get('Subscription-State'), 'terminated;reason=noresource');
  t.like(await bob.waitFor(ev('transfer', { role: 'transferee', state: 'failed' })), { call_id: first, status: 404 });

  // Alice kept the call: bob is back in it, may be transferred again, and a BYE now is an
  // ordinary hang-up.
  await bob.waitForScreen((l) => l.join(' ').includes('Transfer failed: Not found'));
  await bob.waitForScreen((l) => l[0]!.startsWith('Connected'), 10000);
  t.is((await refer(`<sip:2999@127.0.0.1:${lab.port}>`)).status, 202, 'a new transfer after the last one ended');
  await alice.waitFor((r) => r.msg.method === 'NOTIFY' && r.msg !== last.msg && /^SIP\/2\.0 404 /.test(r.msg.bodyText()), 15000, 'the second final NOTIFY');
  await bob.waitForScreen((l) => l[0]!.startsWith('Connected'), 10000);
  t.is((await alice.bye(d)).status, 200);
  t.is((await bob.waitFor(ev('call_state', { call_id: first, state: 'ended' }))).reason, 'Remote hangup');
});

test.serial('as transferor: a peer that refuses the REFER leaves the call on hold with the reason, and Resume takes it back', async (t) => {
  const { phone, lab } = await labWithPhones(t);
  const alice = await phone('alice');
  const carol = await endpoint(t, lab, 'carol');
  t.is((await carol.register()).status, 200);
  carol.statusFor.set('REFER', 405);
  alice.send({ dial: '2003' });
  const up = await alice.waitFor(ev('call_state', { state: 'connected' }), 10000);
  alice.send({ key: 'transfer' });
  await alice.waitFor(ev('call_state', { call_id: up.call_id, state: 'held' }));
  await alice.waitForScreen((l) => l[0] === 'Transfer to:', 5000);
  for (const d of '2002') alice.send({ key: d });
  alice.send({ key: 'soft1' }); // the Xfer softkey
  t.like(await alice.waitFor(ev('transfer', { role: 'transferor', state: 'failed' })), { call_id: up.call_id, status: 405 });
  await alice.waitForScreen((l) => l[2] === 'Transfer failed 405');
  t.regex(carol.requests('REFER')[0]!.get('Refer-To')!, /^<sip:2002@127\.0\.0\.1(:\d+)?>$/);
  t.regex(carol.requests('REFER')[0]!.get('Referred-By')!, /sip:alice@127\.0\.0\.1/);
  const n = alice.events.length;
  alice.send({ key: 'hold' }); // Resume
  await alice.waitFor(ev('call_state', { call_id: up.call_id, state: 'connected' }), 10000, n);

  // Abandoning a transfer (Cancel) takes the call off hold again.
  alice.send({ key: 'transfer' });
  await alice.waitFor(ev('call_state', { call_id: up.call_id, state: 'held' }), 10000, n);
  const m = alice.events.length;
  alice.send({ key: 'cancel' });
  await alice.waitFor(ev('call_state', { call_id: up.call_id, state: 'connected' }), 10000, m);
  await alice.waitForScreen((l) => l[0]!.startsWith('Connected'));
  t.is(carol.requests('REFER').length, 1, 'nothing was sent for the abandoned transfer');
  alice.send({ key: 'end' });
  await alice.waitFor(ev('call_state', { call_id: up.call_id, state: 'ended' }));
});
