// The phone's digest answers when two elements challenge one request: found with SIPp behind the
// lab proxy (test/interop/sipp.test.ts). The lab's 407 was answered, then SIPp's 401/407; the
// retry either dropped the lab's Proxy-Authorization (a second 407 of another realm replaced it)
// or resent it with the same nonce count, which the lab refuses as a replay — so the call failed.
import test from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { Authenticator } from '../../firmware/ua/authenticator.ts';
import { SipMessage, createResponse } from '../../firmware/sip/index.ts';
import type { Hal } from '../../hal/contract.ts';

const hal = {
  crypto: {
    randomBytes: (n: number) => randomBytes(n).toString('latin1'),
    md5: (d: string) => createHash('md5').update(Buffer.from(d, 'latin1')).digest('hex'),
    sha256: (d: string) => createHash('sha256').update(Buffer.from(d, 'latin1')).digest('hex'),
  },
} as unknown as Hal;

function invite(): SipMessage {
  return SipMessage.request('INVITE', 'sip:uas@192.0.2.9:5070')
    .add('Via', 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1')
    .add('From', '<sip:alice@lab.example>;tag=a').add('To', '<sip:uas@192.0.2.9:5070>')
    .add('Call-ID', 'c1').add('CSeq', '1 INVITE').add('Max-Forwards', '70');
}

function challenge(req: SipMessage, status: 401 | 407, realm: string, nonce: string): SipMessage {
  const res = createResponse(req, status);
  res.add(status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate', `Digest realm="${realm}", nonce="${nonce}", algorithm=MD5, qop="auth"`);
  return res;
}

const params = (req: SipMessage, h: 'Authorization' | 'Proxy-Authorization') => req.auth(h).map((c) => Object.fromEntries(c.params));

for (const second of [401, 407] as const) {
  test(`a ${second} of a second realm keeps the proxy's credentials, with a fresh nonce count`, (t) => {
    const auth = new Authenticator(hal);
    const req = invite();
    t.true(auth.authorize(req, challenge(req, 407, 'lab.example', 'n1'), 'alice', 'secret'));
    const first = params(req, 'Proxy-Authorization');
    t.is(first.length, 1);
    t.true(auth.authorize(req, challenge(req, second, 'sipp.test', 'n2'), 'alice', 'secret'));
    const lab = params(req, 'Proxy-Authorization').filter((p) => p['realm'] === 'lab.example');
    t.is(lab.length, 1, 'the lab realm is still answered');
    t.is(lab[0]!['nonce'], 'n1');
    t.not(lab[0]!['nc'], first[0]!['nc'], 'a new nonce count, not a replay');
    t.not(lab[0]!['response'], first[0]!['response']);
    const other = params(req, second === 407 ? 'Proxy-Authorization' : 'Authorization').filter((p) => p['realm'] === 'sipp.test');
    t.is(other.length, 1);
    t.is(other[0]!['username'], 'alice');
  });
}

test('the same realm challenging again (not stale) still means a wrong password', (t) => {
  const auth = new Authenticator(hal);
  const req = invite();
  t.true(auth.authorize(req, challenge(req, 401, 'r', 'n1'), 'alice', 'secret'));
  t.false(auth.authorize(req, challenge(req, 401, 'r', 'n2'), 'alice', 'secret'));
  t.is(params(req, 'Authorization').length, 1);
});
