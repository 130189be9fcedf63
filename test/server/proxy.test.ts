// The lab proxy over real loopback sockets: forking, CANCEL, best response, Timer C,
// authentication of callers, request validation, NAT, TCP and lossy UDP.
import test from 'ava';
import { createResponse, parseMessage, serializeMessage } from '../../firmware/sip/index.ts';
import { loopHash } from '../../server/proxy.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { LossyRelay, RawUdp } from '../helpers/sip-endpoint.ts';
import { DOMAIN, rawRequest, startLab, statusOf, until } from './lab-fixture.ts';

const BOB = `sip:bob@${DOMAIN}`;
const GUEST = { domain: 'elsewhere.example' };

test('forking: both of bob\'s phones ring, the second answers, the first gets a CANCEL with a Reason', async (t) => {
  const lab = await startLab(t);
  const desk = await lab.registered('bob', { answer: 'ring' });
  const mobile = await lab.registered('bob', { answer: 'ring-answer', ringMs: 50 });
  const alice = await lab.registered('alice');
  const call = alice.invite(BOB);
  const ok = await call.final;
  t.is(ok.status, 200);
  t.is(ok.contacts()[0]!.uriText, mobile.contact);
  t.true(call.responses.some((r) => r.status === 180), 'ringing is forwarded');
  t.true(call.responses.every((r) => r.count('Via') === 1 && r.vias().length === 1), 'the proxy removed its Via');

  const [atDesk, atMobile] = [desk.requests('INVITE')[0]!, mobile.requests('INVITE')[0]!];
  for (const inv of [atDesk, atMobile]) {
    t.is(inv.maxForwards(), 69);
    t.deepEqual(inv.getAll('Record-Route'), [`<sip:127.0.0.1:${lab.server.port};lr>`]);
    t.false(inv.has('Proxy-Authorization'), 'the proxy consumed its credentials');
    t.is(inv.vias().length, 2);
  }
  t.is(atMobile.uri, mobile.contact, 'each branch is sent to its contact');
  const cancel = (await desk.waitForRequest('CANCEL')).msg;
  t.regex(cancel.get('Reason') ?? '', /^SIP;cause=200;text="Call completed elsewhere"$/);
  t.is(mobile.requests('CANCEL').length, 0);

  const ack = (await mobile.waitForRequest('ACK')).msg;
  t.false(ack.has('Route'), 'the proxy removed its Route from the ACK');
  t.is(ack.uri, mobile.contact);
  const bye = await alice.bye(call.dialogs[0]!);
  t.is(bye.status, 200);
  t.is(mobile.requests('BYE').length, 1, 'the BYE follows the Record-Route through the proxy');
  t.true(lab.logs.some((l) => / INVITE sip:alice@lab\.example → sip:bob@lab\.example 200 OK /.test(l)));
  t.true(lab.logs.some((l) => / BYE .* 200 OK /.test(l)));
  await until(() => lab.server.proxy.active === 0, 2000, 'the response contexts to end');
});

test('a 6xx ends the search: the other branches are CANCELled and the caller gets the 603', async (t) => {
  const lab = await startLab(t);
  const ringing = await lab.registered('bob', { answer: 'ring' });
  await lab.registered('bob', { answer: 'decline' });
  const guest = await lab.endpoint('guest', GUEST);
  const call = guest.invite(BOB);
  t.is((await call.final).status, 603);
  const cancel = await ringing.waitForRequest('CANCEL');
  t.regex(cancel.msg.get('Reason') ?? '', /^SIP;cause=603;/);
  t.false(call.responses.some((r) => r.status === 487), 'the 487 of the cancelled branch is not what the caller sees');
});

test('a 2xx retransmitted after the proxy\'s transactions ended is still forwarded, statelessly', async (t) => {
  const clock = new FakeClock();
  const lab = await startLab(t, { clock });
  const bob = await lab.registered('bob', { answer: 'answer' });
  const guest = await lab.endpoint('guest', GUEST);
  const call = guest.invite(BOB);
  t.is((await call.final).status, 200);
  await bob.waitForRequest('ACK');
  clock.advance(40_000); // Timer M and L: the proxy forgot the INVITE
  t.is(lab.server.stack.layer.clientCount + lab.server.stack.layer.serverCount, 0);
  const invite = bob.requests('INVITE')[0]!;
  const again = createResponse(invite, 200, undefined, call.finalResponse!.to()!.tag!);
  again.add('Contact', `<${bob.contact}>`);
  const raw = await RawUdp.open();
  t.teardown(() => raw.close());
  raw.send(serializeMessage(again), lab.server.port);
  await until(() => call.responses.filter((r) => r.status === 200).length === 2, 2000, 'the retransmitted 200 at the caller');
  await until(() => bob.requests('ACK').length === 2, 2000, 'a second ACK at bob');
  t.pass();
});

test('CANCEL from the caller reaches every ringing branch; the caller gets 487', async (t) => {
  const lab = await startLab(t);
  const desk = await lab.registered('bob', { answer: 'ring' });
  const mobile = await lab.registered('bob', { answer: 'ring' });
  const guest = await lab.endpoint('guest', GUEST);
  const call = guest.invite(BOB);
  await call.waitStatus(180);
  await Promise.all([desk.waitForRequest('INVITE'), mobile.waitForRequest('INVITE')]);
  call.cancel('SIP;cause=487;text="caller hung up"');
  t.is((await call.final).status, 487);
  const cancels = await Promise.all([desk.waitForRequest('CANCEL'), mobile.waitForRequest('CANCEL')]);
  for (const c of cancels) t.regex(c.msg.get('Reason') ?? '', /caller hung up/);
  t.true(lab.logs.some((l) => / CANCEL .* 200 OK /.test(l)));
  t.true(lab.logs.some((l) => / INVITE .* 487 Request Terminated /.test(l)));
});

test('best response: a 486 wins over a branch that never answers (408 by Timer B)', async (t) => {
  const clock = new FakeClock();
  const lab = await startLab(t, { clock });
  const busy = await lab.registered('bob', { answer: 'reject' });
  const gone = await lab.registered('bob');
  gone.close(); // its binding stays, but nobody answers there
  const guest = await lab.endpoint('guest', GUEST);
  const call = guest.invite(BOB);
  await busy.waitForRequest('INVITE');
  await new Promise((r) => setTimeout(r, 100)); // let the 486 arrive before time jumps
  clock.advance(40_000);
  const res = await call.final;
  t.is(res.status, 486);
});

test('Timer C cancels a branch that rings too long (fake clock)', async (t) => {
  const clock = new FakeClock();
  const lab = await startLab(t, { clock, limits: { timerCMs: 10_000 } });
  const bob = await lab.registered('bob', { answer: 'ring' });
  const guest = await lab.endpoint('guest', GUEST);
  const call = guest.invite(BOB);
  await call.waitStatus(180);
  clock.advance(9_000);
  t.is(bob.requests('CANCEL').length, 0);
  clock.advance(1_001);
  const cancel = await bob.waitForRequest('CANCEL');
  t.regex(cancel.msg.get('Reason') ?? '', /Timer C/);
  t.is((await call.final).status, 487);
});

test('our users must authenticate their calls: 407, then success; a wrong password gets 403', async (t) => {
  const lab = await startLab(t);
  await lab.registered('bob', { answer: 'answer' });
  const alice = await lab.registered('alice');
  const call = alice.invite(BOB);
  t.is((await call.final).status, 200);
  const challenge = call.challenged[0]!;
  t.is(challenge.status, 407);
  t.deepEqual(challenge.auth('Proxy-Authenticate').map((c) => c.params.get('algorithm')), ['SHA-256', 'MD5']);
  const impostor = await lab.endpoint('alice', { password: 'wrong' });
  t.is((await impostor.invite(BOB).final).status, 403);
  const guest = await lab.endpoint('guest', GUEST);
  const direct = guest.invite(BOB);
  t.is((await direct.final).status, 200, 'callers from elsewhere are not challenged');
  t.is(direct.challenged.length, 0);
});

test('users are reached by name or by number, at the domain or at the server address', async (t) => {
  const lab = await startLab(t);
  const bob = await lab.registered('bob', { answer: 'answer' });
  const guest = await lab.endpoint('guest', GUEST);
  for (const target of ['sip:2002@lab.example', `sip:2002@127.0.0.1:${lab.server.port}`, 'sip:bob@127.0.0.1', 'sip:+15550102@lab.example;user=phone']) {
    t.is((await guest.invite(target).final).status, 200, target);
  }
  t.is(bob.requests('INVITE').length, 4);
});

test('unknown users get 404; known users with no registration get 480', async (t) => {
  const lab = await startLab(t);
  const guest = await lab.endpoint('guest', GUEST);
  t.is((await guest.invite('sip:nobody@lab.example').final).status, 404);
  t.is((await guest.invite('sip:dave@lab.example').final).status, 480);
  t.is((await guest.invite('sip:9999@lab.example').final).status, 404);
});

test('validation: Max-Forwards 0 → 483, our own Via with this request\'s hash → 482, Proxy-Require → 420', async (t) => {
  const lab = await startLab(t);
  await lab.registered('bob', { answer: 'answer' });
  const raw = await RawUdp.open();
  t.teardown(() => raw.close());
  const port = lab.server.port;

  raw.send(rawRequest('INVITE', BOB, raw.port, ['Max-Forwards: 0']), port);
  t.is(statusOf(await raw.next()), 483);

  // A request that already went through us once, unchanged: a loop, not a spiral.
  const looped = parseMessage(rawRequest('MESSAGE', BOB, raw.port));
  looped.add('Via', `SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${loopHash(looped)}.earlier`);
  raw.send(serializeMessage(looped), port);
  t.is(statusOf(await raw.next()), 482);

  raw.send(rawRequest('OPTIONS', BOB, raw.port, ['Proxy-Require: com.example.teleport']), port);
  const unsupported = await raw.next();
  t.is(statusOf(unsupported), 420);
  t.regex(unsupported!, /\r\nUnsupported: com\.example\.teleport\r\n/);
});

test('the server itself: OPTIONS → 200 with Allow/Accept/Supported, INVITE → 405, unknown method → 501', async (t) => {
  const lab = await startLab(t);
  const guest = await lab.endpoint('guest', GUEST);
  const options = await guest.request('OPTIONS', `sip:${DOMAIN}`);
  t.is(options.status, 200);
  t.true(options.allow().includes('INVITE') && options.allow().includes('REGISTER'));
  t.is(options.get('Accept'), 'application/sdp');
  t.true(options.has('Supported'));
  const invite = await guest.request('INVITE', `sip:127.0.0.1:${lab.server.port}`);
  t.is(invite.status, 405);
  t.deepEqual(invite.allow(), ['OPTIONS', 'REGISTER']);
  const unknown = await guest.request('TELEPORT', BOB);
  t.is(unknown.status, 501);
  t.true(unknown.allow().includes('INVITE'));
});

test('NAT: a phone registering a private Contact is reached where its REGISTER came from', async (t) => {
  const lab = await startLab(t);
  const bob = await lab.registered('bob', { answer: 'answer', contactHost: '10.99.0.7', contactPort: 5060 });
  t.is(lab.server.location.bindings(BOB, Date.now())[0]!.contact, 'sip:bob@10.99.0.7:5060');
  const guest = await lab.endpoint('guest', GUEST);
  const call = guest.invite(BOB);
  t.is((await call.final).status, 200);
  t.is(bob.requests('INVITE')[0]!.uri, 'sip:bob@10.99.0.7:5060');
  await bob.waitForRequest('ACK');
  t.is((await guest.bye(call.dialogs[0]!)).status, 200, 'in-dialog requests find the phone too');
});

test('TCP: bob registers over TCP, alice over UDP; the call and the BYE cross transports', async (t) => {
  const lab = await startLab(t, { tcp: true });
  const bob = await lab.registered('bob', { transport: 'tcp', answer: 'ring-answer' });
  t.is(lab.server.location.bindings(BOB, Date.now())[0]!.received?.transport, 'tcp');
  const alice = await lab.registered('alice');
  const call = alice.invite(BOB);
  t.is((await call.final).status, 200);
  const invite = bob.requests('INVITE')[0]!;
  t.deepEqual(invite.getAll('Record-Route'), [
    `<sip:127.0.0.1:${lab.server.port};transport=tcp;lr>`,
    `<sip:127.0.0.1:${lab.server.port};lr>`,
  ], 'one Record-Route per side when the transports differ');
  t.regex(invite.get('Via')!, /^SIP\/2\.0\/TCP /);
  await bob.waitForRequest('ACK');
  t.is((await alice.bye(call.dialogs[0]!)).status, 200);
  t.is(bob.requests('BYE').length, 1);
});

test('TCP both ways: register, call, hang up', async (t) => {
  const lab = await startLab(t, { tcp: true });
  const bob = await lab.registered('bob', { transport: 'tcp', answer: 'answer' });
  const alice = await lab.registered('alice', { transport: 'tcp' });
  const call = alice.invite(BOB);
  t.is((await call.final).status, 200);
  await bob.waitForRequest('ACK');
  t.is((await alice.bye(call.dialogs[0]!)).status, 200);
});

test('lost UDP datagrams: retransmissions carry registration, call setup and teardown through', async (t) => {
  const fast = { t1: 40, t2: 320, t4: 400 };
  const lab = await startLab(t, { timers: fast });
  const relay = await LossyRelay.open({ address: '127.0.0.1', port: lab.server.port });
  t.teardown(() => relay.close());
  const bob = await lab.registered('bob', { server: { address: '127.0.0.1', port: relay.port }, timers: fast, answer: 'ring-answer' });
  const alice = await lab.registered('alice', { timers: fast });
  const call = alice.invite(BOB);
  t.is((await call.final).status, 200);
  await bob.waitForRequest('ACK');
  t.is((await alice.bye(call.dialogs[0]!)).status, 200);
  t.is(bob.requests('INVITE').length, 1, 'the transaction layer absorbed the retransmitted INVITE');
  t.is(bob.requests('BYE').length, 1);
  const lost = relay.dropped.join('\n');
  for (const first of [/^> REGISTER /m, /^< INVITE /m, /^> SIP\/2\.0 200 OK \| .* INVITE$/m, /^< ACK /m, /^< BYE /m, /^> SIP\/2\.0 200 OK \| .* BYE$/m]) {
    t.regex(lost, first);
  }
});
