// A scanner floods a registered phone with 10,000 unsolicited INVITE/OPTIONS/REGISTER
// (sipvicious-style) while a real call comes in through the lab: the phone rings only for
// the real call, stays within its heap, and answers it.
import test from 'ava';
import { createSocket } from 'node:dgram';
import { labWithPhones } from '../helpers/lab-phones.ts';

function scannerMessage(i: number, port: number, target: number): string {
  const method = ['INVITE', 'OPTIONS', 'REGISTER'][i % 3]!;
  return [
    `${method} sip:100@127.0.0.1:${target} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKscan${i}`,
    'Max-Forwards: 70',
    `From: "sipvicious" <sip:100@1.1.1.1>;tag=scan${i}`,
    '<sip:100@1.1.1.1>'.replace(/^/, 'To: '),
    `Call-ID: scan-${i}@127.0.0.1`,
    `CSeq: 1 ${method}`,
    `Contact: <sip:100@127.0.0.1:${port}>`,
    'User-Agent: friendly-scanner',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

test('a scanner flood neither rings the phone nor keeps a real call out', async (t) => {
  const { phone } = await labWithPhones(t);
  const [alice, bob] = await Promise.all([phone('alice', 'small2'), phone('bob', 'small2')]);
  const target = Number(bob.events.find((e) => e.event === 'boot')!.sip_port);
  const sock = createSocket('udp4');
  t.teardown(() => sock.close());
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const { port } = sock.address();
  const replies: Record<string, number> = {};
  sock.on('message', (m) => {
    const code = /^SIP\/2\.0 (\d{3})/.exec(m.toString('latin1'))?.[1] ?? '?';
    replies[code] = (replies[code] ?? 0) + 1;
  });
  const TOTAL = 10_000;
  let sent = 0;
  const flood = (async () => {
    while (sent < TOTAL) {
      for (let k = 0; k < 250 && sent < TOTAL; k++, sent++) sock.send(Buffer.from(scannerMessage(sent, port, target), 'latin1'), target, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  await new Promise((r) => setTimeout(r, 300)); // the flood is under way
  alice.send({ dial: '2002' });
  const incoming = await bob.waitFor((e) => e.event === 'incoming', 30000);
  t.regex(String(incoming.from), /alice/);
  bob.send({ key: 'send' });
  await alice.waitFor((e) => e.event === 'call_state' && e.state === 'connected', 30000);
  await flood;
  await new Promise((r) => setTimeout(r, 1500));
  t.log(`flood: ${sent} sent; replies by status ${JSON.stringify(replies)}`);
  t.is(bob.events.filter((e) => e.event === 'incoming').length, 1, 'only the real call rang');
  t.false(bob.events.some((e) => e.event === 'watchdog' || e.event === 'reboot' || (e.event === 'error' && e.kind === 'out-of-memory')));
  t.true((replies['403'] ?? 0) > 0 && (replies['200'] ?? 0) > 0 && (replies['405'] ?? 0) > 0, 'strangers are answered statelessly');
  t.is(replies['180'] ?? 0, 0, 'no stranger heard ringing');
  alice.send({ key: 'end' });
  await bob.waitFor((e) => e.event === 'call_state' && e.state === 'ended');
});
