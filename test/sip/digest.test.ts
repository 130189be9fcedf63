// Digest authentication: the RFC worked examples, SIP REGISTER cases, challenge choice,
// and server-side verification.
import { createHash } from 'node:crypto';
import test from 'ava';
import { NonceCounter, SipMessage, buildAuthorization, computeResponse, constantTimeEqual, formatCredentials, formatNc, ha1, isStale, parseCredentials, parseNc, pickChallenge, pickChallenges, toHex, verifyAuthorization } from '../../firmware/sip/index.ts';
import type { Credentials, DigestHash } from '../../firmware/sip/index.ts';

/** The injected hash: data is a byte string, so it goes in as latin1 (one octet per char). */
const hash: DigestHash = (algorithm, data) =>
  createHash(algorithm === 'MD5' ? 'md5' : 'sha256').update(Buffer.from(data, 'latin1')).digest('hex');

const challenge = (text: string): Credentials => parseCredentials(text, 'WWW-Authenticate');

// RFC 2617 §3.5
const RFC2617 = challenge(
  'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
);

// RFC 7616 §3.9.1 (password "Circle of Life" with a lower-case o, per verified erratum 4495)
const rfc7616 = (algorithm: string): Credentials =>
  challenge(
    `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, ` +
      'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
  );
const CNONCE_7616 = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ';

test('RFC 2617 §3.5 example: response 6629fae4…', (t) => {
  const c = buildAuthorization({
    challenge: RFC2617, method: 'GET', uri: '/dir/index.html', username: 'Mufasa', password: 'Circle Of Life',
    hash, cnonce: '0a4f113b', nc: 1,
  });
  t.is(c.params.get('response'), '6629fae49393a05397450978507c4ef1');
  t.is(
    formatCredentials(c, 'credentials'),
    'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", ' +
      'uri="/dir/index.html", response="6629fae49393a05397450978507c4ef1", algorithm=MD5, cnonce="0a4f113b", ' +
      'opaque="5ccc069c403ebaf9f0171e9517f40e41", qop=auth, nc=00000001',
  );
});

test('RFC 7616 §3.9.1 examples: MD5 and SHA-256', (t) => {
  const cases: Array<[string, string]> = [
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ];
  for (const [algorithm, expected] of cases) {
    const c = buildAuthorization({
      challenge: rfc7616(algorithm), method: 'GET', uri: '/dir/index.html', username: 'Mufasa',
      password: 'Circle of Life', hash, cnonce: CNONCE_7616, nc: 1,
    });
    t.is(c.params.get('response'), expected, algorithm);
    t.is(c.params.get('algorithm'), algorithm);
    t.is(c.params.get('opaque'), 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS');
    t.true(verifyAuthorization({ credentials: c, method: 'GET', password: 'Circle of Life', hash }));
  }
});

test('computeResponse and ha1 agree with the spelled-out formula', (t) => {
  const base = ha1({ hash, algorithm: 'MD5', username: 'Mufasa', realm: 'testrealm@host.com', password: 'Circle Of Life' });
  t.is(base, hash('MD5', 'Mufasa:testrealm@host.com:Circle Of Life'));
  t.is(
    computeResponse({
      hash, ha1: base, nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', method: 'GET', uri: '/dir/index.html',
      qop: 'auth', nc: '00000001', cnonce: '0a4f113b',
    }),
    '6629fae49393a05397450978507c4ef1',
  );
  t.throws(() => computeResponse({ hash, ha1: base, nonce: 'n', method: 'GET', uri: '/', qop: 'auth', nc: '1', cnonce: 'c' }));
  t.throws(() => computeResponse({ hash, algorithm: 'SHA-512-256', ha1: base, nonce: 'n', method: 'GET', uri: '/' }));
});

test('SIP REGISTER with a sip: Request-URI, no qop (RFC 2069 style, as in RFC 3261 examples)', (t) => {
  const msg = SipMessage.response(401, 'Unauthorized');
  msg.add('WWW-Authenticate', 'Digest realm="atlanta.example.com", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", opaque="", stale=FALSE, algorithm=MD5');
  const picked = pickChallenge(msg.auth('WWW-Authenticate'));
  t.truthy(picked);
  t.false(isStale(picked!));
  const c = buildAuthorization({
    challenge: picked!, method: 'REGISTER', uri: 'sip:atlanta.example.com', username: 'bob', password: 'zanzibar',
    hash, cnonce: 'unused', nc: 1,
  });
  t.false(c.params.has('qop'));
  t.false(c.params.has('nc'));
  t.false(c.params.has('cnonce'));
  t.is(c.params.get('opaque'), ''); // passed through even when empty
  const ha1v = hash('MD5', 'bob:atlanta.example.com:zanzibar');
  const ha2 = hash('MD5', 'REGISTER:sip:atlanta.example.com');
  t.is(c.params.get('response'), hash('MD5', `${ha1v}:ea9c8e88df84f1cec4341ae6cbe5a359:${ha2}`));
  // the header round-trips through the message parser
  const req = SipMessage.request('REGISTER', 'sip:atlanta.example.com');
  req.add('Authorization', formatCredentials(c, 'credentials'));
  const back = req.auth('Authorization')[0]!;
  t.true(verifyAuthorization({ credentials: back, method: 'REGISTER', password: 'zanzibar', hash, requestUri: 'sip:atlanta.example.com' }));
  t.true(verifyAuthorization({ credentials: back, method: 'REGISTER', ha1: ha1v, hash }));
});

test('SIP REGISTER with qop=auth and SHA-256; opaque absent stays absent', (t) => {
  const ch = challenge('Digest realm="lab.example", nonce="abc123", qop="auth", algorithm=SHA-256');
  const c = buildAuthorization({
    challenge: ch, method: 'REGISTER', uri: 'sip:lab.example', username: 'alice', password: 'secret', hash,
    cnonce: toHex('\x01\xab\xff\x00'), nc: 3,
  });
  t.is(c.params.get('cnonce'), '01abff00');
  t.is(c.params.get('nc'), '00000003');
  t.is(c.params.get('qop'), 'auth');
  t.false(c.params.has('opaque'));
  t.is(c.params.get('response')!.length, 64);
  t.true(verifyAuthorization({ credentials: c, method: 'REGISTER', password: 'secret', hash, realm: 'lab.example' }));
  t.false(verifyAuthorization({ credentials: c, method: 'REGISTER', password: 'secret', hash, realm: 'other.example' }));
});

test('non-ASCII user names and passwords are hashed as UTF-8', (t) => {
  const ch = challenge('Digest realm="lab", nonce="n1", qop="auth"');
  const c = buildAuthorization({
    challenge: ch, method: 'REGISTER', uri: 'sip:lab', username: 'jürgen', password: 'pässwörd', hash, cnonce: 'c', nc: 1,
  });
  const expectedHa1 = createHash('md5').update('jürgen:lab:pässwörd', 'utf8').digest('hex');
  t.is(ha1({ hash, algorithm: 'MD5', username: 'jürgen', realm: 'lab', password: 'pässwörd' }), expectedHa1);
  t.true(verifyAuthorization({ credentials: c, method: 'REGISTER', ha1: expectedHa1, hash }));
});

test('auth-int hashes the body octets', (t) => {
  const ch = challenge('Digest realm="lab", nonce="n1", qop="auth-int"');
  const body = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n\xc3\xa9';
  const c = buildAuthorization({
    challenge: ch, method: 'INVITE', uri: 'sip:bob@lab', username: 'alice', password: 'pw', hash, cnonce: 'cc', nc: 1, body,
  });
  t.is(c.params.get('qop'), 'auth-int');
  const ha2 = hash('MD5', `INVITE:sip:bob@lab:${hash('MD5', body)}`);
  const ha1v = hash('MD5', 'alice:lab:pw');
  t.is(c.params.get('response'), hash('MD5', `${ha1v}:n1:00000001:cc:auth-int:${ha2}`));
  t.true(verifyAuthorization({ credentials: c, method: 'INVITE', password: 'pw', hash, body }));
  t.false(verifyAuthorization({ credentials: c, method: 'INVITE', password: 'pw', hash, body: body + 'x' }));
});

test('MD5-sess and SHA-256-sess fold nonce and cnonce into HA1', (t) => {
  for (const [alg, h] of [['MD5-sess', 'MD5'], ['SHA-256-sess', 'SHA-256']] as const) {
    const ch = challenge(`Digest realm="r", nonce="N", qop="auth", algorithm=${alg}`);
    const c = buildAuthorization({ challenge: ch, method: 'REGISTER', uri: 'sip:r', username: 'u', password: 'p', hash, cnonce: 'C', nc: 1 });
    const a1 = hash(h, `${hash(h, 'u:r:p')}:N:C`);
    const a2 = hash(h, 'REGISTER:sip:r');
    t.is(c.params.get('response'), hash(h, `${a1}:N:00000001:C:auth:${a2}`), alg);
    t.is(c.params.get('algorithm'), alg);
    t.true(verifyAuthorization({ credentials: c, method: 'REGISTER', password: 'p', hash }));
  }
  // -sess needs a cnonce, which only travels with qop
  t.is(pickChallenge([challenge('Digest realm="r", nonce="N", algorithm=MD5-sess')]), null);
});

test('pickChallenge prefers SHA-256, skips unknown algorithms, other schemes and malformed challenges', (t) => {
  const md5 = challenge('Digest realm="r", nonce="a", algorithm=MD5, qop="auth"');
  const sha = challenge('Digest realm="r", nonce="b", algorithm=SHA-256, qop="auth"');
  const sha512 = challenge('Digest realm="r", nonce="c", algorithm=SHA-512-256, qop="auth"');
  const basic = challenge('Basic realm="r"');
  t.is(pickChallenge([md5, sha]), sha);
  t.is(pickChallenge([sha512, md5, sha]), sha);
  t.is(pickChallenge([sha512, basic, md5]), md5);
  t.is(pickChallenge([challenge('Digest realm="r", nonce="d", algorithm=sha-256')])?.params.get('nonce'), 'd');
  t.is(pickChallenge([sha512, basic]), null);
  t.is(pickChallenge([]), null);
  t.is(pickChallenge([challenge('Digest realm="r", qop="auth"')]), null, 'no nonce');
  t.is(pickChallenge([challenge('Digest realm="r", nonce=""')]), null, 'empty nonce');
  t.is(pickChallenge([challenge('Digest nonce="x"')]), null, 'no realm');
  t.is(pickChallenge([challenge('Digest realm="r", nonce="x", qop="auth-conf"')]), null, 'only unknown qop');
  t.is(pickChallenge([md5, challenge('Digest realm="r", nonce="e", algorithm=MD5')]), md5, 'first wins a tie');
  t.throws(() => buildAuthorization({ challenge: sha512, method: 'REGISTER', uri: 'sip:r', username: 'u', password: 'p', hash, cnonce: 'c', nc: 1 }), {
    message: /unknown algorithm SHA-512-256/,
  });
});

test('pickChallenges answers every realm of a forked 407 once', (t) => {
  const list = [
    challenge('Digest realm="a.example", nonce="1", algorithm=MD5'),
    challenge('Digest realm="b.example", nonce="2"'),
    challenge('Digest realm="a.example", nonce="3", algorithm=SHA-256'),
    challenge('Digest realm="c.example", nonce="4", algorithm=SHA-512-256'),
  ];
  t.deepEqual(pickChallenges(list).map((c) => c.params.get('nonce')), ['3', '2']);
});

test('stale=true is recognised case-insensitively', (t) => {
  t.true(isStale(challenge('Digest realm="r", nonce="n", stale=TRUE')));
  t.true(isStale(challenge('Digest realm="r", nonce="n", stale=true')));
  t.false(isStale(challenge('Digest realm="r", nonce="n"')));
});

test('verifyAuthorization rejects a wrong password, a changed uri, a tampered nc and malformed credentials', (t) => {
  const ch = challenge('Digest realm="lab.example", nonce="nonce-1", qop="auth", opaque="op"');
  const good = buildAuthorization({
    challenge: ch, method: 'REGISTER', uri: 'sip:lab.example', username: 'alice', password: 'secret', hash, cnonce: 'cn', nc: 1,
  });
  const base = { method: 'REGISTER', password: 'secret', hash } as const;
  const tamper = (name: string, value: string | null): Credentials => {
    const params = new Map(good.params);
    if (value === null) params.delete(name);
    else params.set(name, value);
    return { scheme: good.scheme, params };
  };
  t.true(verifyAuthorization({ ...base, credentials: good }));
  t.true(verifyAuthorization({ ...base, credentials: good, requestUri: 'sip:LAB.example' }), 'URI comparison, not text');
  t.false(verifyAuthorization({ ...base, credentials: good, password: 'Secret' }), 'wrong password');
  t.false(verifyAuthorization({ ...base, credentials: good, method: 'INVITE' }), 'other method');
  t.false(verifyAuthorization({ ...base, credentials: tamper('uri', 'sip:evil.example') }), 'uri changed after signing');
  t.false(verifyAuthorization({ ...base, credentials: good, requestUri: 'sip:other.example' }), 'uri is not the Request-URI');
  t.false(verifyAuthorization({ ...base, credentials: tamper('nc', '00000002') }), 'tampered nc');
  t.false(verifyAuthorization({ ...base, credentials: tamper('nc', '2') }), 'nc not 8 hex digits');
  t.false(verifyAuthorization({ ...base, credentials: tamper('cnonce', 'other') }), 'tampered cnonce');
  t.false(verifyAuthorization({ ...base, credentials: tamper('nonce', 'nonce-2') }), 'other nonce');
  t.false(verifyAuthorization({ ...base, credentials: tamper('username', 'bob') }), 'other user');
  t.false(verifyAuthorization({ ...base, credentials: tamper('qop', null) }), 'qop dropped');
  t.false(verifyAuthorization({ ...base, credentials: tamper('qop', 'auth-conf') }), 'unknown qop');
  t.false(verifyAuthorization({ ...base, credentials: tamper('algorithm', 'SHA-256') }), 'algorithm swapped');
  t.false(verifyAuthorization({ ...base, credentials: tamper('algorithm', 'ROT13') }), 'unknown algorithm');
  t.false(verifyAuthorization({ ...base, credentials: tamper('response', null) }), 'no response');
  t.false(verifyAuthorization({ ...base, credentials: tamper('response', 'abc') }), 'short response');
  t.false(verifyAuthorization({ ...base, credentials: { scheme: 'Basic', params: good.params } }), 'not Digest');
  t.true(
    verifyAuthorization({ ...base, credentials: tamper('response', good.params.get('response')!.toUpperCase()) }),
    'hex digits compare case-insensitively',
  );
});

test('NonceCounter counts per nonce and restarts on a new one', (t) => {
  const n = new NonceCounter(2);
  t.is(n.next('a'), 1);
  t.is(n.next('a'), 2);
  t.is(n.next('b'), 1);
  t.is(n.next('a'), 3);
  t.is(n.next('c'), 1); // evicts b, the least recently used
  t.is(n.next('b'), 1);
  n.forget('c');
  t.is(n.next('c'), 1);
});

test('nc formatting and parsing; constant-time compare', (t) => {
  t.is(formatNc(1), '00000001');
  t.is(formatNc(0x1ab), '000001ab');
  t.is(formatNc(0xffffffff), 'ffffffff');
  t.throws(() => formatNc(0));
  t.throws(() => formatNc(2 ** 32));
  t.is(parseNc('000001AB'), 0x1ab);
  t.is(parseNc('1'), null);
  t.is(parseNc('0000000g'), null);
  t.true(constantTimeEqual('abc', 'abc'));
  t.false(constantTimeEqual('abc', 'abd'));
  t.false(constantTimeEqual('abc', 'ab'));
});
