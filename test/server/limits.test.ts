// Good citizenship under floods: bounded transactions, nonces and bindings, and one log line
// per transaction.
import test from 'ava';
import { FakeClock } from '../helpers/fake-clock.ts';
import { RawUdp } from '../helpers/sip-endpoint.ts';
import { DOMAIN, rawRequest, startLab, statusOf } from './lab-fixture.ts';

async function collect(raw: RawUdp, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await raw.next(2000)) ?? '');
  return out;
}

test('past maxTransactions requests get 503 with Retry-After; room comes back when transactions end', async (t) => {
  const clock = new FakeClock();
  const lab = await startLab(t, { clock, limits: { maxTransactions: 20 } });
  const raw = await RawUdp.open();
  t.teardown(() => raw.close());
  // INVITEs to nobody: each is answered 404 and then waits for its ACK (Timer H), which never
  // comes — work that cannot be dropped, so the table fills and the rest get 503.
  for (let i = 0; i < 30; i++) raw.send(rawRequest('INVITE', `sip:nobody${i}@${DOMAIN}`, raw.port, [], `z9hG4bKflood${i}`), lab.server.port);
  const replies = await collect(raw, 30);
  t.is(replies.filter((r) => statusOf(r) === 404).length, 20);
  const busy = replies.filter((r) => statusOf(r) === 503);
  t.is(busy.length, 10);
  t.true(busy.every((r) => /\r\nRetry-After: \d+\r\n/.test(r)));
  t.is(lab.server.stack.layer.serverCount, 20);
  t.is(lab.logs.filter((l) => / INVITE .* 404 /.test(l)).length, 20, 'one log line per transaction');

  clock.advance(32_000); // Timer H ends them (their 404s retransmitted meanwhile)
  t.is(lab.server.stack.layer.serverCount, 0);
  // From another socket: the first one's buffer is busy with the 404 retransmissions.
  const fresh = await RawUdp.open();
  t.teardown(() => fresh.close());
  fresh.send(rawRequest('OPTIONS', `sip:127.0.0.1:${lab.server.port}`, fresh.port, [], 'z9hG4bKafter'), lab.server.port);
  t.is(statusOf(await fresh.next(2000)), 200);
});

test('answered non-INVITEs never fill the table: a full one makes room by ending the oldest', async (t) => {
  const clock = new FakeClock();
  const lab = await startLab(t, { clock, limits: { maxTransactions: 20 } });
  const raw = await RawUdp.open();
  t.teardown(() => raw.close());
  const uri = `sip:127.0.0.1:${lab.server.port}`;
  for (let i = 0; i < 50; i++) raw.send(rawRequest('OPTIONS', uri, raw.port, [], `z9hG4bKopt${i}`), lab.server.port);
  const replies = await collect(raw, 50);
  t.is(replies.filter((r) => statusOf(r) === 200).length, 50);
  t.is(lab.server.stack.layer.serverCount, 20);
  t.is(lab.logs.filter((l) => / OPTIONS .* 200 OK /.test(l)).length, 50, 'one log line per transaction');
});

test('a flood of unauthenticated REGISTERs gets 401s but keeps the nonce table bounded', async (t) => {
  const lab = await startLab(t, { limits: { maxNonces: 10 } });
  const raw = await RawUdp.open();
  t.teardown(() => raw.close());
  for (let i = 0; i < 40; i++) {
    raw.send(rawRequest('REGISTER', `sip:${DOMAIN}`, raw.port, [`Contact: <sip:alice@127.0.0.1:${raw.port}>`], `z9hG4bKreg${i}`).replace(`To: <sip:${DOMAIN}>`, `To: <sip:alice@${DOMAIN}>`), lab.server.port);
  }
  const replies = await collect(raw, 40);
  t.true(replies.every((r) => statusOf(r) === 401));
  t.true(lab.server.nonces.size <= 10);
  t.is(lab.server.location.size, 0);
});

test('bindings per AOR are capped: one contact too many gets 403', async (t) => {
  const lab = await startLab(t, { limits: { maxBindingsPerAor: 2 } });
  const alice = await lab.endpoint('alice');
  t.is((await alice.register({ contacts: ['<sip:a@127.0.0.1:5071>', '<sip:a@127.0.0.1:5072>'] })).status, 200);
  t.is((await alice.register({ contacts: ['<sip:a@127.0.0.1:5073>'] })).status, 403);
  t.is(lab.server.location.size, 2);
});
