import test from 'ava';
import { startLab } from './lab-fixture.ts';

test('smoke', async (t) => {
  const lab = await startLab(t);
  const bob = await lab.registered('bob');
  const alice = await lab.registered('alice');
  const call = alice.invite('sip:bob@lab.example');
  const res = await call.final;
  t.is(res.status, 200);
  await bob.waitForRequest('ACK');
  const bye = await alice.bye(call.dialogs[0]!);
  t.is(bye.status, 200);
  console.log(lab.logs.join('\n'));
});
