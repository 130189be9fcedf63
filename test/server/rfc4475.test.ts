// Every RFC 4475 torture message sent to the lab server from a raw UDP socket: invalid
// requests are answered with the status the RFC recommends (400, or 505/501), invalid
// responses are dropped, and the server keeps working.
//
// The messages' Via sent-by names the RFC's example hosts (port 5060 mostly), and RFC 3261
// §18.2.2 sends a response there (to `received`, at the sent-by port), not to our socket; so
// the replies are observed where the server's transport sends them.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import type { SipMessage } from '../../firmware/sip/index.ts';
import type { Peer } from '../../firmware/sip/transport/index.ts';
import { tortureBytes, tortureIndex } from '../helpers/corpus.ts';
import { RawUdp } from '../helpers/sip-endpoint.ts';
import { rawRequest, startLab, statusOf, until } from './lab-fixture.ts';
import type { Lab } from './lab-fixture.ts';

const entries = tortureIndex();
/** The RFC's preferred answers where it is not 400. */
const EXPECTED: Record<string, number> = { 'badvers.dat': 505, 'mismatch02.dat': 501 };
/** "Valid with care" messages an element should answer with 400. */
const CARE_400 = ['insuf.dat', 'multi01.dat', 'mcl01.dat'];

interface Sent {
  msg: SipMessage;
  dest: Peer;
}

async function setup(t: ExecutionContext): Promise<{ lab: Lab; raw: RawUdp; sent: Sent[] }> {
  const lab = await startLab(t);
  const raw = await RawUdp.open();
  t.teardown(() => raw.close());
  const sent: Sent[] = [];
  const transport = lab.server.stack.transport;
  const send = transport.send.bind(transport);
  const sendResponse = transport.sendResponse.bind(transport);
  transport.send = (msg, dest) => {
    sent.push({ msg, dest });
    return send(msg, dest);
  };
  transport.sendResponse = (msg, source) => {
    sent.push({ msg, dest: source });
    return sendResponse(msg, source);
  };
  return { lab, raw, sent };
}

/** The server answers its own OPTIONS: proof it is still alive. */
async function alive(lab: Lab, raw: RawUdp): Promise<number | null> {
  const branch = `z9hG4bKalive${Math.random().toString(16).slice(2)}`;
  raw.send(rawRequest('OPTIONS', `sip:127.0.0.1:${lab.server.port}`, raw.port, [], branch), lab.server.port);
  for (;;) {
    const data = await raw.next(2000); // skip answers to torture messages sent here (badinv01)
    if (data === null || data.includes(branch)) return statusOf(data);
  }
}

const invalidRequests = entries.filter((e) => e.expect === 'invalid' && !tortureBytes(e.file).startsWith('SIP/2.0'));
const invalidResponses = entries.filter((e) => e.expect === 'invalid' && tortureBytes(e.file).startsWith('SIP/2.0'));

test('the corpus has 17 invalid requests and 2 invalid responses', (t) => {
  t.is(invalidRequests.length, 17);
  t.deepEqual(invalidResponses.map((e) => e.file).sort(), ['bigcode.dat', 'scalarlg.dat']);
});

for (const e of invalidRequests) {
  const want = EXPECTED[e.file] ?? 400;
  test(`${e.section} ${e.file}: answered ${want}`, async (t) => {
    const { lab, raw, sent } = await setup(t);
    raw.send(tortureBytes(e.file), lab.server.port);
    await until(() => sent.length > 0, 2000, `an answer to ${e.file}`);
    const res = sent[0]!.msg;
    t.is(res.kind, 'response');
    t.is(res.status, want, `${res.status} ${res.reason}`);
    t.is(sent[0]!.dest.address === '127.0.0.1' || sent[0]!.dest.port === raw.port, true, 'sent back towards the sender');
    t.false(lab.logs.some((l) => l.startsWith('error')), 'no transaction was created for it');
    t.is(await alive(lab, raw), 200);
  });
}

for (const e of invalidResponses) {
  test(`${e.section} ${e.file}: an invalid response is dropped silently`, async (t) => {
    const { lab, raw, sent } = await setup(t);
    raw.send(tortureBytes(e.file), lab.server.port);
    t.is(await raw.next(200), null);
    t.is(sent.length, 0);
    t.is(await alive(lab, raw), 200);
  });
}

for (const file of CARE_400) {
  test(`valid-with-care ${file}: answered 400`, async (t) => {
    const { lab, raw, sent } = await setup(t);
    raw.send(tortureBytes(file), lab.server.port);
    await until(() => sent.length > 0, 2000, `an answer to ${file}`);
    t.is(sent[0]!.msg.status, 400);
    t.is(await alive(lab, raw), 200);
  });
}

test('every torture message in a row, then the server still answers', async (t) => {
  const { lab, raw } = await setup(t);
  for (const e of entries) raw.send(tortureBytes(e.file), lab.server.port);
  t.is(await alive(lab, raw), 200);
});
