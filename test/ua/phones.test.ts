// Two (or three) emulated phones and the lab server over real UDP on loopback: the SIP user
// agent end to end — register, call from the keypad, ring, answer, hold, hang up, cancel,
// reject, redirect, 407, 100rel, message waiting.
import test from 'ava';
import { createSocket } from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFirmware } from '../../build/build-firmware.ts';
import { loadBoardConfig } from '../../hal/board-config.ts';
import { callStates, labWithPhones } from '../helpers/lab-phones.ts';
import type { EmulatorProcess } from '../helpers/emulator-process.ts';

async function dialKeys(p: EmulatorProcess, digits: string): Promise<void> {
  for (const d of digits) p.send({ key: d });
  p.send({ key: 'send' });
}

test.serial('phones register with digest on boot and show it', async (t) => {
  const { phone, logs } = await labWithPhones(t);
  const alice = await phone('alice');
  const reg = alice.events.find((e) => e.event === 'registered')!;
  t.is(reg.aor, 'sip:alice@127.0.0.1');
  t.regex(String(reg.contact), /^sip:alice@127\.0\.0\.1:\d+$/);
  t.true((reg.expires as number) > 0);
  await alice.waitForScreen((l) => l[1] === 'Registered');
  t.true(logs.some((l) => /REGISTER/.test(l) && /401/.test(l)), 'challenged first');
  t.true(alice.events.some((e) => e.event === 'display' && (e.icons as string[]).includes('registered')));
});

test.serial('a wrong password is reported, not retried forever', async (t) => {
  const { phone } = await labWithPhones(t);
  const mallory = await phone('alice', 'small2', 'wrong');
  const failed = await mallory.waitFor((e) => e.event === 'registration_failed');
  t.is(failed.status, 403);
  await mallory.waitForScreen((l) => /Reg failed: 403/.test(l.join(' ')));
});

test.serial('a call from the keypad: ring, answer, hold, resume, hang up (with 407 and 100rel through the proxy)', async (t) => {
  const { phone, logs } = await labWithPhones(t);
  const [alice, bob] = await Promise.all([phone('alice'), phone('bob')]);
  await dialKeys(alice, '2002');
  const incoming = await bob.waitFor((e) => e.event === 'incoming');
  t.regex(String(incoming.from), /Alice|alice/);
  await bob.waitForScreen((l) => l[0] === 'Incoming call');
  await alice.waitFor((e) => e.event === 'call_state' && e.state === 'ringing');
  t.true(bob.events.some((e) => e.event === 'display' && e.ringing === true), 'the ringer rings');
  bob.send({ key: 'send' });
  await alice.waitFor((e) => e.event === 'call_state' && e.state === 'connected');
  await bob.waitFor((e) => e.event === 'call_state' && e.state === 'connected');
  await alice.waitForScreen((l) => l[0]!.startsWith('Connected'));
  alice.send({ key: 'hold' });
  await alice.waitFor((e) => e.event === 'call_state' && e.state === 'held');
  await bob.waitFor((e) => e.event === 'call_state' && e.state === 'held');
  alice.send({ key: 'hold' });
  const n = alice.events.length;
  await alice.waitFor((e) => e.event === 'call_state' && e.state === 'connected', 10000, n);
  alice.send({ key: 'end' });
  const bobEnd = await bob.waitFor((e) => e.event === 'call_state' && e.state === 'ended');
  t.is(bobEnd.reason, 'Remote hangup');
  await alice.waitFor((e) => e.event === 'call_state' && e.state === 'ended');
  t.deepEqual(callStates(bob).filter((s, i, a) => a.indexOf(s) === i), ['connected', 'held', 'ended']);
  t.true(logs.some((l) => /INVITE/.test(l) && /407/.test(l)), 'the proxy challenged the caller');
  await until(() => logs.some((l) => /^\S+ BYE .* 200 OK/.test(l))); // BYE went through the proxy (Record-Route)
  t.true(logs.some((l) => /^\S+ PRACK .* 200 OK/.test(l)), 'the reliable 180 was PRACKed through the proxy');
});

test.serial('over TCP: register, call, answer and hang up through the lab', async (t) => {
  const { phone, logs } = await labWithPhones(t, { tcp: true });
  const [alice, bob] = await Promise.all([phone('alice', 'desk6', 'secret', ['--sip-transport', 'tcp']), phone('bob', 'desk6', 'secret', ['--sip-transport', 'tcp'])]);
  t.regex(String(alice.events.find((e) => e.event === 'registered')!.contact), /;transport=tcp$/);
  t.true(logs.some((l) => /REGISTER .* 200 OK .*\(tcp /.test(l)));
  alice.send({ dial: '2002' });
  await bob.waitFor((e) => e.event === 'incoming');
  bob.send({ key: 'send' });
  await alice.waitFor((e) => e.event === 'call_state' && e.state === 'connected');
  bob.send({ key: 'end' });
  await alice.waitFor((e) => e.event === 'call_state' && e.state === 'ended');
  t.true(logs.some((l) => /INVITE .* 200 OK .*\(tcp /.test(l)), 'the INVITE came over TCP');
});

test.serial('cancel while ringing, and reject: both sides end with the right reason', async (t) => {
  const { phone } = await labWithPhones(t);
  const [alice, bob] = await Promise.all([phone('alice'), phone('bob')]);
  await dialKeys(alice, '2002');
  await bob.waitFor((e) => e.event === 'incoming');
  await alice.waitFor((e) => e.event === 'call_state' && e.state === 'ringing');
  alice.send({ key: 'end' });
  const a1 = await alice.waitFor((e) => e.event === 'call_state' && e.state === 'ended');
  t.is(a1.status, 487);
  const b1 = await bob.waitFor((e) => e.event === 'call_state' && e.state === 'ended');
  t.is(b1.reason, 'Missed call');
  // now Bob rejects
  const n = alice.events.length;
  await new Promise((r) => setTimeout(r, 2200)); // let the "call ended" notices pass
  alice.send({ dial: '2002' });
  await bob.waitFor((e) => e.event === 'incoming', 10000, bob.events.length - 1);
  await alice.waitFor((e) => e.event === 'call_state' && e.state === 'ringing', 10000, n);
  bob.send({ key: 'soft2' }); // Reject softkey → 603 Decline
  const a2 = await alice.waitFor((e) => e.event === 'call_state' && e.state === 'ended', 10000, n);
  t.is(a2.status, 603);
  t.is(a2.reason, 'Declined');
  await alice.waitForScreen((l) => l.join(' ').includes('Declined'));
});

test.serial('a redirected user (302) is reached at the contact the lab returns', async (t) => {
  const { phone, logs } = await labWithPhones(t);
  // After a 302 the caller comes straight to the contact, not through the proxy.
  const [alice, dave] = await Promise.all([phone('alice'), phone('dave', 'desk6', 'secret', ['--accept-direct-calls'])]);
  alice.send({ dial: '2004' });
  await dave.waitFor((e) => e.event === 'incoming');
  dave.send({ key: 'send' });
  await alice.waitFor((e) => e.event === 'call_state' && e.state === 'connected');
  t.true(logs.some((l) => /302/.test(l)), 'the lab redirected');
  dave.send({ key: 'end' });
  await alice.waitFor((e) => e.event === 'call_state' && e.state === 'ended');
});

test.serial('calling someone unknown or unregistered ends with a clear reason', async (t) => {
  const { phone } = await labWithPhones(t);
  const alice = await phone('alice', 'small2');
  alice.send({ dial: '2999' });
  const e1 = await alice.waitFor((e) => e.event === 'call_state' && e.state === 'ended');
  t.is(e1.status, 404);
  await new Promise((r) => setTimeout(r, 2200));
  const n = alice.events.length;
  alice.send({ dial: '2003' }); // carol has no phone
  const e2 = await alice.waitFor((e) => e.event === 'call_state' && e.state === 'ended', 10000, n);
  t.is(e2.status, 480);
});

test.serial('message waiting: the phone subscribes after registering; the lab voicemail lights and clears the LED', async (t) => {
  const { phone, lab, logs } = await labWithPhones(t);
  const bob = await phone('bob');
  await until(() => lab.voicemail.size === 1);
  t.true(logs.some((l) => /SUBSCRIBE/.test(l) && /200 OK/.test(l)));
  t.is(lab.voicemail.setMessages('bob', 3, 1), 1);
  const on = await bob.waitFor((e) => e.event === 'message_waiting' && e.waiting === true);
  t.is(on.new, 3);
  await bob.waitFor((e) => e.event === 'display' && (e.leds as Record<string, string>).message === 'on' && (e.icons as string[]).includes('message'));
  await bob.waitForScreen((l) => l[2] === '3 new voicemail');
  lab.voicemail.setMessages('bob', 0, 4);
  await bob.waitFor((e) => e.event === 'message_waiting' && e.waiting === false);
  await bob.waitFor((e) => e.event === 'display' && (e.leds as Record<string, string>).message === undefined);
});

async function until(cond: () => boolean, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test.serial('an unsolicited message-summary NOTIFY lights the message LED', async (t) => {
  const { phone } = await labWithPhones(t);
  const alice = await phone('alice');
  const boot = alice.events.find((e) => e.event === 'boot')!;
  const sock = createSocket('udp4');
  t.teardown(() => sock.close());
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const { port } = sock.address();
  const body = 'Messages-Waiting: yes\r\nMessage-Account: sip:alice@127.0.0.1\r\nVoice-Message: 2/8 (0/2)\r\n';
  const notify = [
    `NOTIFY sip:alice@127.0.0.1:${boot.sip_port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKmwi1`,
    'Max-Forwards: 70',
    `From: <sip:voicemail@127.0.0.1:${port}>;tag=vm1`,
    '<sip:alice@127.0.0.1>'.replace(/^/, 'To: '),
    'Call-ID: mwi-test-1',
    'CSeq: 1 NOTIFY',
    'Event: message-summary',
    'Subscription-State: active',
    'Content-Type: application/simple-message-summary',
    `Content-Length: ${body.length}`,
    '',
    body,
  ].join('\r\n');
  const reply = new Promise<string>((r) => sock.once('message', (m) => r(m.toString('latin1'))));
  sock.send(Buffer.from(notify, 'latin1'), Number(boot.sip_port), '127.0.0.1');
  t.regex(await reply, /^SIP\/2\.0 200 /);
  const mwi = await alice.waitFor((e) => e.event === 'message_waiting');
  t.is(mwi.waiting, true);
  t.is(mwi.new, 2);
  await alice.waitFor((e) => e.event === 'display' && (e.leds as Record<string, string>).message === 'on');
  await alice.waitForScreen((l) => l[2] === '2 new voicemail');
});

test.serial('requests the phone does not support get 405 with Allow; unknown Require gets 420', async (t) => {
  const { phone } = await labWithPhones(t);
  const alice = await phone('alice', 'small2');
  const boot = alice.events.find((e) => e.event === 'boot')!;
  const sock = createSocket('udp4');
  t.teardown(() => sock.close());
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const { port } = sock.address();
  const ask = (method: string, extra: string[] = []): Promise<string> => {
    const msg = [
      `${method} sip:alice@127.0.0.1:${boot.sip_port} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${method}${extra.length}`,
      'Max-Forwards: 70', `From: <sip:x@127.0.0.1:${port}>;tag=x1`, 'To: <sip:alice@127.0.0.1>',
      `Call-ID: ${method}-${extra.length}`, `CSeq: 1 ${method}`, `Contact: <sip:x@127.0.0.1:${port}>`, ...extra, 'Content-Length: 0', '', '',
    ].join('\r\n');
    const reply = new Promise<string>((r) => sock.once('message', (m) => r(m.toString('latin1'))));
    sock.send(Buffer.from(msg, 'latin1'), Number(boot.sip_port), '127.0.0.1');
    return reply;
  };
  const r405 = await ask('PUBLISH');
  t.regex(r405, /^SIP\/2\.0 405 /);
  t.regex(r405, /\r\nAllow: [^\r]*INVITE/);
  const r420 = await ask('INVITE', ['Require: nothingSupportsThis']);
  t.regex(r420, /^SIP\/2\.0 420 /);
  t.regex(r420, /\r\nUnsupported: nothingSupportsThis/);
  const r200 = await ask('OPTIONS');
  t.regex(r200, /^SIP\/2\.0 200 /);
  // Octets cross the VM boundary intact: a NUL inside a quoted display name (RFC 4475 §3.1.1.2).
  const nul = await ask('OPTIONS', ['Subject: "nul:\\\0 here"']);
  t.regex(nul, /^SIP\/2\.0 200 /);
  const bad = await new Promise<string>((r) => {
    sock.once('message', (m) => r(m.toString('latin1')));
    sock.send(Buffer.from(`OPTIONS sip:alice@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKbad\r\nCSeq: 9 INVITE\r\nCall-ID: b\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nContent-Length: 0\r\n\r\n`, 'latin1'), Number(boot.sip_port), '127.0.0.1');
  });
  t.regex(bad, /^SIP\/2\.0 400 /);
  alice.send({ key: '1' }); // still alive
  await alice.waitForScreen((l) => l[1] === '1');
});

async function faultyImage(board: string): Promise<string> {
  const built = await buildFirmware({ board: loadBoardConfig(board), entry: join(process.cwd(), 'test', 'fixtures', 'firmware', 'faulty.ts') });
  const image = join(mkdtempSync(join(tmpdir(), 'quip-faulty-')), `faulty-${board}.qfw`);
  writeFileSync(image, built.image);
  return image;
}

// A fault reboots the phone at once: a crash after 250 ms, a hang after the board's watchdog
// period plus that. The figures asserted are the host's own schedule (reboot_in_ms, watchdogMs),
// not wall-clock time, which a loaded machine stretches; the wall-clock time is logged.
for (const [what, key, board, kind] of [['hang (watchdog)', '7', 'small2', 'watchdog'], ['crash', '9', 'desk6', 'error']] as const) {
  test.serial(`after a firmware ${what} on ${board} the phone reboots within a second and registers again by itself`, async (t) => {
    const { phone } = await labWithPhones(t);
    const user = board === 'small2' ? 'bob' : 'carol';
    const p = await phone(user, board, 'secret', ['--image', await faultyImage(board)]);
    const n = p.events.length;
    const t0 = Date.now();
    p.send({ key, down: true }); // the test firmware faults on this key
    const fault = await p.waitFor((e) => e.event === kind && e.where === 'firmware', 15000, n);
    const tFault = Date.now();
    t.true((fault.reboot_in_ms as number) <= 1000, `reboot scheduled in ${String(fault.reboot_in_ms)} ms`);
    await p.waitFor((e) => e.event === 'boot', 15000, n);
    const tBoot = Date.now();
    const again = await p.waitFor((e) => e.event === 'registered', 15000, n);
    t.is(again.aor, `sip:${user}@127.0.0.1`);
    t.log(`${what}: fault reported ${tFault - t0} ms after the key (watchdog ${loadBoardConfig(board).watchdogMs} ms), booted ${tBoot - tFault} ms later, registered again ${Date.now() - t0} ms after the key`);
  });
}
