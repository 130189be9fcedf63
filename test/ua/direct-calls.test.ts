// IP direct dial (peer to peer, no registrar): a phone with no account calls another phone
// straight at its address — a SIP URI on the control channel, or the address typed on the
// keypad with '*' for dots — and the callee rings when it has no account or accepts direct
// calls. A call that cannot be placed says why (call_failed event and the LCD). Emulated
// phones over loopback UDP; no lab server.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { createSocket } from 'node:dgram';
import { createResponse, parseMessage, serializeMessage } from '../../firmware/sip/index.ts';
import { ipLiteralUri, keypadAddress } from '../../firmware/ua/direct-dial.ts';
import { firmwareImage } from '../helpers/lab-phones.ts';
import { EmulatorProcess } from '../helpers/emulator-process.ts';
import type { EmuEvent } from '../helpers/emulator-process.ts';

const state = (s: string) => (e: EmuEvent): boolean => e.event === 'call_state' && e.state === s;

/** Boots a phone on `board` (no account unless `extra` gives one); quit at the end of the test. */
async function phone(t: ExecutionContext, board: string, extra: string[] = []): Promise<{ p: EmulatorProcess; port: number }> {
  const p = new EmulatorProcess(['--board', board, '--image', await firmwareImage(board), ...extra]);
  t.teardown(() => p.quit());
  const boot = await p.waitFor((e) => e.event === 'boot');
  return { p, port: Number(boot.sip_port) };
}

/** A registrar that refuses everyone (403): the phone's account ends up 'failed'. */
async function refusingRegistrar(t: ExecutionContext): Promise<number> {
  const sock = createSocket('udp4');
  t.teardown(() => sock.close());
  sock.on('message', (data, from) => {
    const m = parseMessage(data.toString('latin1'));
    if (m.kind !== 'request' || m.method === 'ACK') return;
    sock.send(Buffer.from(serializeMessage(createResponse(m, 403)), 'latin1'), from.port, from.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  return sock.address().port;
}

/** Both ends connected, with RTP arriving at each; then `hanger` hangs up and both end. */
async function talkAndHangUp(t: ExecutionContext, caller: EmulatorProcess, callee: EmulatorProcess, hanger: EmulatorProcess): Promise<void> {
  await caller.waitFor(state('connected'));
  await callee.waitFor(state('connected'));
  for (const p of [caller, callee]) {
    const stats = await p.waitFor((e) => e.event === 'media_stats' && Number(e.received) > 0 && Number(e.sent) > 0);
    t.is(stats.lost, 0, 'no RTP lost on loopback');
  }
  hanger.send({ key: 'end' });
  const other = hanger === caller ? callee : caller;
  t.is((await other.waitFor(state('ended'))).reason, 'Remote hangup');
  await hanger.waitFor(state('ended'));
}

test('keypad addresses: four groups with * for dots, a fifth for the port', (t) => {
  t.is(keypadAddress('192*168*1*20'), '192.168.1.20');
  t.is(keypadAddress('127*0*0*1*5070'), '127.0.0.1:5070');
  t.is(keypadAddress('10*0*0*010'), '10.0.0.10', 'leading zeros are decimal');
  for (const not of ['2001', '*72', '1*2*3', '1*2*3*4*5*6', '256*0*0*1', '1**2*3', '1*2*3*4*0', '1*2*3*4*65536', '1*2*3*4#', '*1*2*3*4', '']) {
    t.is(keypadAddress(not), null, not);
  }
  t.is(ipLiteralUri('192.168.1.20'), 'sip:192.168.1.20');
  t.is(ipLiteralUri('127.0.0.1:5070'), 'sip:127.0.0.1:5070');
  t.is(ipLiteralUri('::1'), 'sip:[::1]');
  t.is(ipLiteralUri('[::1]:5070'), 'sip:[::1]:5070');
  for (const not of ['2001', 'bob', 'example.com:5060', '1.2.3.4:x', '1.2.3.4:', '[::1', '[bob]:5060']) t.is(ipLiteralUri(not), null, not);
});

test.serial('no accounts: a SIP URI on the control channel rings the other phone, which answers; media both ways; hang up', async (t) => {
  const [a, b] = await Promise.all([phone(t, 'desk6'), phone(t, 'small2')]);
  a.p.send({ dial: `sip:bob@127.0.0.1:${b.port}` });
  const incoming = await b.p.waitFor((e) => e.event === 'incoming');
  t.is(incoming.from, `127.0.0.1:${a.port}`, 'the caller is named by its own address: that is how to call it back');
  await b.p.waitForScreen((l) => l[0] === 'Incoming call' && l[1] === `127.0.0.1:${a.port}`);
  await a.p.waitFor(state('ringing'));
  b.p.send({ key: 'send' });
  await talkAndHangUp(t, a.p, b.p, a.p);
  t.false(a.p.events.some((e) => e.event === 'call_failed'));
});

test.serial('keypad IP direct dial: 127*0*0*1*port + Send reaches a phone that accepts direct calls', async (t) => {
  const registrar = await refusingRegistrar(t);
  const [a, b] = await Promise.all([
    phone(t, 'small2'),
    phone(t, 'desk6', ['--account', `sip:carol:secret@127.0.0.1:${registrar}`, '--accept-direct-calls']),
  ]);
  await b.p.waitFor((e) => e.event === 'registration_failed');
  for (const key of `127*0*0*1*${b.port}`) a.p.send({ key });
  await a.p.waitForScreen((l) => l[1] === `127*0*0*1*${b.port}`.slice(-16));
  a.p.send({ key: 'send' });
  const incoming = await b.p.waitFor((e) => e.event === 'incoming');
  t.is(incoming.from, `127.0.0.1:${a.port}`);
  const ringing = await a.p.waitFor(state('ringing'));
  t.is(ringing.remote, `127.0.0.1:${b.port}`);
  b.p.send({ key: 'send' });
  await talkAndHangUp(t, a.p, b.p, b.p);
});

test.serial('a phone with an account takes calls only through its registrar, even when registering failed', async (t) => {
  const registrar = await refusingRegistrar(t);
  const [a, b] = await Promise.all([phone(t, 'desk6'), phone(t, 'small2', ['--account', `sip:carol:secret@127.0.0.1:${registrar}`])]);
  await b.p.waitFor((e) => e.event === 'registration_failed');
  a.p.send({ dial: `sip:carol@127.0.0.1:${b.port}` });
  const ended = await a.p.waitFor(state('ended'));
  t.is(ended.status, 403);
  t.false(b.p.events.some((e) => e.event === 'incoming'), 'a stranger does not ring it');
});

for (const board of ['desk6', 'small2']) {
  test.serial(`${board}: a call that cannot be placed says why, on the control channel and the LCD`, async (t) => {
    const { p } = await phone(t, board);
    const refused = async (cause: string, lcd: string, dial: () => void): Promise<void> => {
      const from = p.events.length;
      dial();
      const e = await p.waitFor((ev) => ev.event === 'call_failed', undefined, from);
      t.is(e.cause, cause);
      t.is(e.reason, lcd);
      await p.waitFor((ev) => ev.event === 'display' && (ev.lines as string[]).map((l) => l.trim()).join(' ').trim() === lcd, undefined, from);
      t.false(p.events.slice(from).some((ev) => ev.event === 'call_state'), 'no call was started');
      // then back to the idle screen, where the keypad dials again
      await p.waitFor((ev) => ev.event === 'display' && String((ev.lines as string[])[1]).startsWith('Set up an accoun'), undefined, from);
    };
    await refused('no_account', 'No account: dial an IP address', () => p.send({ dial: '2001' }));
    await refused('no_account', 'No account: dial an IP address', () => {
      for (const key of '2001') p.send({ key });
      p.send({ key: 'send' });
    });
    await refused('bad_target', 'Cannot call that address', () => p.send({ dial: 'sip:bob@' }));
  });
}
