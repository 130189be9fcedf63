// Property tests for the SIP message core (fast-check):
// - structurally valid requests and responses built with the SipMessage API survive
//   serialize → parse with the same start line, headers, body and typed views;
// - mutated messages are either accepted or rejected with SipParseError, never another
//   exception (how long that takes is a bench figure, parse_mutant_max_ms, not asserted here);
// - the StreamFramer cuts any chunking of a stream back into the same messages.
import test from 'ava';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KNOWN_METHODS, MAX_UINT32, SipMessage, SipParseError, StreamFramer, formatNameAddr, formatUri, formatVia, parseMessage, parseUri, serializeMessage } from '../../firmware/sip/index.ts';
import type { Params, SipUri, TelUri, Uri, Via } from '../../firmware/sip/index.ts';
import { ROOT, tortureBytes, tortureIndex } from '../helpers/corpus.ts';

/** SIP_PROPERTY_SCALE=10 runs ten times as many cases (for a deeper local search). */
const SCALE = Math.max(1, Number(process.env.SIP_PROPERTY_SCALE ?? 1) || 1);
const runs = (n: number) => n * SCALE;

// ---- character classes (RFC 3261 §25.1) ----------------------------------------------

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';
const TOKEN_CHARS = ALNUM + "-.!%*_+`'~";
const UNRESERVED = ALNUM + "-_.!~*'()";
const HEX = '0123456789ABCDEFabcdef';

const from = (chars: string) => fc.constantFrom(...chars.split(''));
const run = (chars: string, minLength: number, maxLength: number) =>
  fc.array(from(chars), { minLength, maxLength }).map((a) => a.join(''));
const escaped = fc.tuple(from(HEX), from(HEX)).map(([a, b]) => `%${a}${b}`);
/** 1..max of the given chars, with %HH escapes mixed in. */
const escapedRun = (chars: string, minLength: number, maxLength: number) =>
  fc.array(fc.oneof({ weight: 6, arbitrary: from(chars) }, { weight: 1, arbitrary: escaped }), { minLength, maxLength })
    .map((a) => a.join(''));

const token = run(TOKEN_CHARS, 1, 10);
const lowerToken = run(LOWER + '-', 1, 8).filter((s) => /^[a-z0-9]/.test(s));

// ---- hosts -------------------------------------------------------------------------------

const label = fc.oneof(
  from(ALNUM),
  fc.tuple(from(ALNUM), run(ALNUM + '-', 0, 6), from(ALNUM)).map(([a, m, b]) => a + m + b),
);
const hostname = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));
const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6();
const host = fc.oneof(hostname, ipv4, ipv6.map((a) => `[${a}]`));
const port = fc.option(fc.integer({ min: 0, max: 65535 }), { nil: null });

// ---- URIs -------------------------------------------------------------------------------

const uriParams = (names: fc.Arbitrary<string>, values: fc.Arbitrary<string>): fc.Arbitrary<Params> =>
  fc.uniqueArray(fc.tuple(names, fc.option(values, { nil: null })), { maxLength: 3, selector: ([k]) => k })
    .map((entries) => new Map(entries));

const sipUriParams = uriParams(lowerToken, escapedRun(UNRESERVED + '[]/:&+$', 1, 8));

const sipUri = (withHeaders: boolean): fc.Arbitrary<SipUri> =>
  fc.record({
    scheme: fc.constantFrom('sip' as const, 'sips' as const),
    user: fc.option(escapedRun(UNRESERVED + '&=+$,;?/', 1, 10), { nil: null }),
    password: fc.option(escapedRun(UNRESERVED + '&=+$,', 0, 8), { nil: null }),
    host,
    port,
    params: sipUriParams,
    headers: withHeaders
      ? // hvalue may be empty (RFC 3261 §25.1); that case has its own test below
      fc.array(fc.tuple(escapedRun(UNRESERVED + '[]/?:+$', 1, 6), escapedRun(UNRESERVED + '[]/?:+$', 1, 6)), { maxLength: 2 })
      : fc.constant([] as Array<[string, string]>),
  }, { noNullPrototype: true }).map((u) => (u.user === null ? { ...u, password: null } : u));

const telUri: fc.Arbitrary<TelUri> = fc.record({
  scheme: fc.constant('tel' as const),
  number: fc.tuple(fc.constantFrom('', '+'), run('0123456789', 1, 3), run('0123456789-.()', 0, 10), run('0123456789*#', 1, 3))
    .map(([p, a, b, c]) => p + a + b + c),
  params: uriParams(lowerToken, run(UNRESERVED + '[]/:&+$', 1, 8)),
}, { noNullPrototype: true });

const anyUri = (withHeaders: boolean): fc.Arbitrary<Uri> =>
  fc.oneof({ weight: 4, arbitrary: sipUri(withHeaders) }, { weight: 1, arbitrary: telUri });

// ---- name-addr pieces ---------------------------------------------------------------

/** Text that may appear in a quoted-string: no CR, LF, NUL or other controls (HTAB allowed). */
const qtext = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
  .filter((s) => !/[\x00-\x08\x0a-\x1f\x7f]/.test(s));
const displayName = fc.oneof(
  fc.constant(null),
  // tokens separated by single spaces: may be written unquoted
  fc.array(token, { minLength: 1, maxLength: 3 }).map((a) => a.join(' ')),
  // anything printable, including quotes, backslashes, angle brackets, commas and UTF-8
  qtext,
  fc.constantFrom('"quoted"', 'back\\slash', 'a, b', '<not a uri>', 'Zoë', '日本語', ' padded '),
);

const genericParams = (reserved: string[]) =>
  fc.uniqueArray(fc.tuple(lowerToken.filter((k) => !reserved.includes(k)), fc.option(token, { nil: null })), {
    maxLength: 2,
    selector: ([k]) => k,
  });

// ---- generated messages --------------------------------------------------------------

interface GenVia { via: Via; line: string }
interface GenAddr { displayName: string | null; uri: Uri; tag: string | null; text: string }
interface GenContact { displayName: string | null; uri: Uri; q: string | null; expires: number | null; text: string }
interface Gen {
  msg: SipMessage;
  vias: GenVia[];
  from: GenAddr;
  to: GenAddr;
  callId: string;
  cseq: { seq: number; method: string };
  maxForwards: number | null;
  contacts: GenContact[] | '*';
  routes: string[];
  body: string;
  contentType: string | null;
}

const via: fc.Arbitrary<GenVia> = fc.record({
  transport: fc.oneof(fc.constantFrom('UDP', 'TCP', 'TLS', 'SCTP', 'WS', 'WSS'), run('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 1, 5)),
  host: fc.oneof(hostname, ipv4, ipv6.map((a) => `[${a}]`)),
  port,
  branch: token.map((b) => 'z9hG4bK' + b),
  received: fc.option(fc.oneof(ipv4, ipv6), { nil: null }),
  rport: fc.oneof(fc.constant(null), fc.constant(true as const), fc.integer({ min: 0, max: 65535 })),
  ext: genericParams(['branch', 'received', 'rport', 'maddr', 'ttl']),
}, { noNullPrototype: true }).map((g) => {
  const v: Via = {
    protocol: 'SIP/2.0',
    transport: g.transport,
    host: g.host,
    port: g.port,
    params: new Map(g.ext),
    branch: g.branch,
    received: g.received,
    rport: g.rport,
    maddr: null,
    ttl: null,
  };
  const line = formatVia(v);
  // What the parser must give back: the params in the order formatVia writes them.
  const params: Params = new Map(g.ext);
  params.set('branch', g.branch);
  if (g.received !== null) params.set('received', g.received);
  if (g.rport !== null) params.set('rport', g.rport === true ? null : String(g.rport));
  return { via: { ...v, params }, line };
});

const address = (withTag: boolean): fc.Arbitrary<GenAddr> =>
  fc.record({
    displayName,
    uri: anyUri(true),
    tag: withTag ? token.map((t): string | null => t) : fc.option(token, { nil: null }),
    ext: genericParams(['tag']),
  }, { noNullPrototype: true }).map((g) => {
    const params: Params = new Map(g.ext);
    if (g.tag !== null) params.set('tag', g.tag);
    return { displayName: g.displayName, uri: g.uri, tag: g.tag, text: formatNameAddr({ displayName: g.displayName, uri: g.uri, params }) };
  });

const contact: fc.Arbitrary<GenContact> = fc.record({
  displayName,
  uri: anyUri(true),
  q: fc.option(fc.constantFrom('0', '0.5', '1', '1.0', '0.123', '1.000', '0.0', '0.07'), { nil: null }),
  expires: fc.option(fc.oneof(fc.integer({ min: 0, max: 7200 }), fc.constant(MAX_UINT32)), { nil: null }),
  ext: genericParams(['q', 'expires']),
}, { noNullPrototype: true }).map((g) => {
  const params: Params = new Map(g.ext);
  if (g.q !== null) params.set('q', g.q);
  if (g.expires !== null) params.set('expires', String(g.expires));
  return { displayName: g.displayName, uri: g.uri, q: g.q, expires: g.expires, text: formatNameAddr({ displayName: g.displayName, uri: g.uri, params }) };
});

const route = sipUri(false).map((u) => {
  const params = new Map(u.params);
  params.set('lr', null);
  return formatUri({ ...u, params });
});

const extensionHeader = fc.tuple(
  token.map((t) => 'X-' + t),
  fc.string({ unit: 'grapheme', maxLength: 30 }).filter((s) => !/[\x00-\x08\x0a-\x1f\x7f]/.test(s)).map((s) => s.trim()),
);

const octets = fc.uint8Array({ maxLength: 200 }).map((a) => String.fromCharCode(...a));

const message: fc.Arbitrary<Gen> = fc.record({
  kind: fc.constantFrom('request' as const, 'response' as const),
  method: fc.oneof(fc.constantFrom(...KNOWN_METHODS), token),
  ruri: fc.oneof({ weight: 4, arbitrary: sipUri(false) }, { weight: 1, arbitrary: telUri }),
  status: fc.integer({ min: 100, max: 699 }),
  reason: fc.oneof(fc.constantFrom('OK', 'Ringing', 'Busy Here', ''), fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => !/[\x00-\x1f\x7f]/.test(s))),
  vias: fc.array(via, { minLength: 1, maxLength: 4 }),
  viaStyle: fc.constantFrom('lines', 'one', 'mixed'),
  from: address(true),
  to: address(false),
  callId: fc.tuple(run(TOKEN_CHARS + '()<>:\\"/[]?{}', 1, 16), fc.option(hostname, { nil: null }))
    .map(([w, h]) => (h === null ? w : `${w}@${h}`)),
  seq: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: MAX_UINT32 }), fc.constant(MAX_UINT32)),
  maxForwards: fc.option(fc.integer({ min: 0, max: 255 }), { nil: null }),
  contacts: fc.oneof({ weight: 6, arbitrary: fc.array(contact, { maxLength: 3 }) }, { weight: 1, arbitrary: fc.constant('*' as const) }),
  contactsOneLine: fc.boolean(),
  routes: fc.array(route, { maxLength: 3 }),
  extensions: fc.array(extensionHeader, { maxLength: 3 }),
  body: fc.option(fc.tuple(fc.constantFrom('application/sdp', 'application/octet-stream', 'text/plain;charset=utf-8', 'multipart/mixed;boundary="x y"'), octets), { nil: null }),
}, { noNullPrototype: true }).map((g): Gen => {
  const msg = g.kind === 'request' ? SipMessage.request(g.method, formatUri(g.ruri)) : SipMessage.response(g.status, g.reason);
  const lines = g.vias.map((v) => v.line);
  if (g.viaStyle === 'lines') for (const l of lines) msg.add('Via', l);
  else if (g.viaStyle === 'one') msg.add('Via', lines.join(', '));
  else {
    msg.add('Via', lines.slice(0, 1).join(', '));
    if (lines.length > 1) msg.add('Via', lines.slice(1).join(' ,  '));
  }
  if (g.maxForwards !== null) msg.add('Max-Forwards', String(g.maxForwards));
  if (g.routes.length) msg.add('Route', g.routes.map((r) => `<${r}>`).join(', '));
  msg.add('From', g.from.text);
  msg.add('To', g.to.text);
  msg.add('Call-ID', g.callId);
  // A request's CSeq carries its own method; a response's, the method it answers.
  const method = g.method;
  msg.add('CSeq', `${g.seq} ${method}`);
  if (g.contacts === '*') msg.add('Contact', '*');
  else if (g.contacts.length) {
    if (g.contactsOneLine) msg.add('Contact', g.contacts.map((c) => c.text).join(', '));
    else for (const c of g.contacts) msg.add('m', c.text); // the compact name, canonicalised
  }
  for (const [k, v] of g.extensions) msg.add(k, v);
  if (g.body !== null) {
    msg.add('Content-Type', g.body[0]);
    msg.body = g.body[1];
  }
  return {
    msg,
    vias: g.vias,
    from: g.from,
    to: g.to,
    callId: g.callId,
    cseq: { seq: g.seq, method },
    maxForwards: g.maxForwards,
    contacts: g.contacts,
    routes: g.routes,
    body: g.body === null ? '' : g.body[1],
    contentType: g.body === null ? null : g.body[0],
  };
});

// ---- 1. round trip ----------------------------------------------------------------------

const strip = (m: SipMessage) => m.headers.filter((h) => h.name !== 'Content-Length');
const expectName = (dn: string | null) => (dn === null || dn.length === 0 ? null : dn);

test('generated requests and responses survive serialize → parse with the same headers, body and typed views', (t) => {
  fc.assert(
    fc.property(message, (g) => {
      const wire = serializeMessage(g.msg);
      const m = parseMessage(wire);
      m.validate();
      assert.strictEqual(m.kind, g.msg.kind);
      assert.strictEqual(m.method, g.msg.method);
      assert.strictEqual(m.uri, g.msg.uri);
      assert.strictEqual(m.status, g.msg.status);
      assert.strictEqual(m.reason, g.msg.reason);
      assert.deepStrictEqual(strip(m), g.msg.headers);
      assert.strictEqual(m.body, g.body);
      assert.strictEqual(m.contentLength(), g.body.length);
      assert.deepStrictEqual(m.problems(), []);
      if (m.kind === 'request') assert.deepStrictEqual(m.requestUri(), parseUri(g.msg.uri));

      assert.deepStrictEqual(m.vias(), g.vias.map((v) => v.via));
      assert.strictEqual(m.topVia()?.branch, g.vias[0]!.via.branch);
      for (const [got, want] of [[m.from(), g.from], [m.to(), g.to]] as const) {
        assert.strictEqual(got?.tag, want.tag);
        assert.strictEqual(got?.displayName, expectName(want.displayName));
        assert.strictEqual(got?.uriText, formatUri(want.uri));
        assert.deepStrictEqual(got?.uri, want.uri);
      }
      assert.strictEqual(m.callId(), g.callId);
      assert.deepStrictEqual(m.cseq(), g.cseq);
      assert.strictEqual(m.maxForwards(), g.maxForwards ?? undefined);
      if (g.contacts === '*') {
        assert.ok(m.contactIsWildcard());
        assert.deepStrictEqual(m.contacts(), []);
      } else {
        assert.ok(!m.contactIsWildcard());
        assert.deepStrictEqual(
          m.contacts().map((c) => [c.displayName, c.uriText, c.uri, c.q, c.expires]),
          g.contacts.map((c) => [expectName(c.displayName), formatUri(c.uri), c.uri, c.q === null ? null : Number(c.q), c.expires]),
        );
      }
      assert.deepStrictEqual(m.routes().map((r) => r.uriText), g.routes);
      if (g.contentType === null) assert.strictEqual(m.contentType(), undefined);
      else assert.strictEqual(`${m.contentType()!.type}/${m.contentType()!.subtype}`, g.contentType.split(';')[0]);

      // Compact form: the same message.
      const c = parseMessage(serializeMessage(g.msg, { compact: true }));
      assert.deepStrictEqual(strip(c), g.msg.headers);
      assert.strictEqual(c.body, g.body);
    }),
    { numRuns: runs(500), includeErrorInReport: true },
  );
  t.pass();
});

test('SIP, SIPS and tel URIs survive formatUri → parseUri', (t) => {
  fc.assert(
    fc.property(anyUri(true), (u) => {
      assert.deepStrictEqual(parseUri(formatUri(u)), u);
    }),
    { numRuns: runs(1000), includeErrorInReport: true },
  );
  t.pass();
});

test('display names survive formatNameAddr → From header → from()', (t) => {
  fc.assert(
    fc.property(displayName, sipUri(false), (dn, uri) => {
      const m = SipMessage.request('OPTIONS', 'sip:x@example.com');
      m.add('From', formatNameAddr({ displayName: dn, uri, params: new Map([['tag', '1']]) }));
      assert.strictEqual(m.from()?.displayName, expectName(dn));
    }),
    { numRuns: runs(500), includeErrorInReport: true },
  );
  t.pass();
});

test('a URI header with an empty hvalue parses (RFC 3261 §25.1: hvalue = *( ... ))', (t) => {
  // header = hname "=" hvalue; hvalue = *( hnv-unreserved / unreserved / escaped )
  for (const text of ['sip:aa?a=', 'sip:bob@example.com?subject=&priority=urgent', 'sips:example.com;lr?x=']) {
    t.notThrows(() => parseUri(text), text);
  }
  const m = SipMessage.request('OPTIONS', 'sip:x@example.com');
  m.add('Contact', '<sip:bob@example.com?subject=>');
  t.notThrows(() => m.contacts());
});

test('a bare CR inside a folded continuation line is handled like one inside a header line', (t) => {
  // "stray CR" is refused in a header line; the same octet in a continuation line was let
  // through into the value, so the message could not be parsed again once serialized.
  const head = 'OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n'
    + 'Max-Forwards: 70\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n';
  const inline = head + 'Subject: first second\rthird\r\nContent-Length: 0\r\n\r\n';
  const folded = head + 'Subject: first\r\n second\rthird\r\nContent-Length: 0\r\n\r\n';
  const verdict = (bin: string) => {
    try {
      return { ok: true, value: parseMessage(bin).get('Subject') };
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
      return { ok: false };
    }
  };
  t.is(verdict(folded).ok, verdict(inline).ok, 'folded and unfolded forms get the same verdict');
  if (verdict(folded).ok) {
    const m = parseMessage(folded);
    t.notThrows(() => parseMessage(serializeMessage(m)), 'an accepted message can be parsed again after serialization');
  }
});

test('a header value does not depend on whether another header line is folded', (t) => {
  // The all-simple fast path trims values with String.prototype.trim() (VT, FF, NBSP...),
  // the general path (taken when any line is folded) trims only SP and HTAB.
  const head = 'OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n'
    + 'Max-Forwards: 70\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n';
  for (const line of ['Subject: \vhello\f', 'Contact:\v *', 'X-Tail: value\f']) {
    const name = line.slice(0, line.indexOf(':'));
    const plain = head + line + '\r\nContent-Length: 0\r\n\r\n';
    const withFold = head + line + '\r\nX-Fold: a\r\n b\r\nContent-Length: 0\r\n\r\n';
    t.is(parseMessage(withFold).get(name), parseMessage(plain).get(name), JSON.stringify(line));
  }
});

test('formatNameAddr keeps a display name with a run of spaces', (t) => {
  // Written unquoted, "Alice  Smith" reads back as "Alice Smith" (LWS collapses).
  for (const dn of ['Alice  Smith', 'A   B C']) {
    const m = SipMessage.request('OPTIONS', 'sip:x@example.com');
    m.add('From', formatNameAddr({ displayName: dn, uri: parseUri('sip:alice@example.com'), params: new Map([['tag', '1']]) }));
    t.is(m.from()?.displayName, dn, m.get('From'));
  }
});

// ---- 2. mutations ------------------------------------------------------------------

function validSeeds(): string[] {
  const seeds: string[] = [];
  for (const e of tortureIndex()) if (e.expect !== 'invalid') seeds.push(tortureBytes(e.file));
  for (const d of ['rfc3665', 'rfc3666']) {
    const dir = join(ROOT, 'test', 'fixtures', d);
    for (const e of JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Array<{ file: string }>) {
      seeds.push(readFileSync(join(dir, e.file)).toString('latin1'));
    }
  }
  return seeds;
}
const SEEDS = validSeeds();

const SPECIAL = ['\r', '\n', '\r\n', '\r\n ', '\0', '"', '<', '>', ',', ';', ':', '=', '\\', '%', '@', '[', ']', ' ', '\t', '\x80', '\xc3', '\xff', '\xfe\xff', '\xe2\x80'];
const HUGE = ['4294967296', '99999999999', '18446744073709551616', '0000000000000000000001', '9'.repeat(40), '65536', '256', '-1', '1e9', '0x10'];

type Mutation = (s: string) => string;
const at = (s: string, p: number) => (s.length === 0 ? 0 : p % (s.length + 1));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([p, x]): Mutation => (s) => {
    const i = at(s, p) % Math.max(1, s.length);
    return s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ x) + s.slice(i + 1);
  }),
  fc.tuple(fc.nat(), fc.oneof(fc.constantFrom(...SPECIAL), fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)))).map(
    ([p, ins]): Mutation => (s) => s.slice(0, at(s, p)) + ins + s.slice(at(s, p)),
  ),
  fc.nat().map((p): Mutation => (s) => s.slice(0, at(s, p))),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 20 })).map(([p, n]): Mutation => (s) => s.slice(0, at(s, p)) + s.slice(at(s, p) + n)),
  fc.tuple(fc.nat(), fc.nat()).map(([a, b]): Mutation => (s) => {
    const lines = s.split('\r\n');
    const i = a % lines.length;
    lines.splice(b % (lines.length + 1), 0, lines[i]!);
    return lines.join('\r\n');
  }),
  fc.tuple(fc.nat(), fc.constantFrom(...HUGE)).map(([p, big]): Mutation => (s) => {
    const runs = [...s.matchAll(/[0-9]+/g)];
    if (runs.length === 0) return s;
    const r = runs[p % runs.length]!;
    return s.slice(0, r.index) + big + s.slice(r.index! + r[0].length);
  }),
);

/** Calls every typed accessor; each must return or throw SipParseError. */
function exercise(m: SipMessage): string[] {
  const calls: Array<[string, () => unknown]> = [
    ['validate', () => m.validate()],
    ['requestUri', () => m.requestUri()],
    ['vias', () => m.vias()],
    ['topVia', () => m.topVia()],
    ['from', () => m.from()],
    ['to', () => m.to()],
    ['callId', () => m.callId()],
    ['cseq', () => m.cseq()],
    ['maxForwards', () => m.maxForwards()],
    ['expires', () => m.expires()],
    ['minExpires', () => m.minExpires()],
    ['contentLength', () => m.contentLength()],
    ['rseq', () => m.rseq()],
    ['retryAfter', () => m.retryAfter()],
    ['rack', () => m.rack()],
    ['date', () => m.date()],
    ['contacts', () => m.contacts()],
    ['contactIsWildcard', () => m.contactIsWildcard()],
    ['routes', () => m.routes()],
    ['recordRoutes', () => m.recordRoutes()],
    ['contentType', () => m.contentType()],
    ['WWW-Authenticate', () => m.auth('WWW-Authenticate')],
    ['Proxy-Authenticate', () => m.auth('Proxy-Authenticate')],
    ['Authorization', () => m.auth('Authorization')],
    ['Proxy-Authorization', () => m.auth('Proxy-Authorization')],
    ['allow', () => m.allow()],
    ['supported', () => m.supported()],
    ['require', () => m.require()],
    ['proxyRequire', () => m.proxyRequire()],
    ['unsupported', () => m.unsupported()],
    ['event', () => m.event()],
    ['subscriptionState', () => m.subscriptionState()],
    ['problems', () => m.problems()],
    ['bodyText', () => m.bodyText()],
    ['getAll Via', () => m.getAll('Via')],
    ['getAll Contact', () => m.getAll('Contact')],
    ['serialize', () => serializeMessage(m)],
    ['serialize compact', () => serializeMessage(m, { compact: true })],
  ];
  const wrong: string[] = [];
  for (const [name, call] of calls) {
    try {
      call();
    } catch (e) {
      if (!(e instanceof SipParseError)) wrong.push(`${name}: ${String(e)}`);
    }
  }
  return wrong;
}

function checkMutant(bin: string): void {
  const show = JSON.stringify(bin.length > 600 ? bin.slice(0, 600) + '…' : bin);
  let m: SipMessage;
  try {
    m = parseMessage(bin);
  } catch (e) {
    if (!(e instanceof SipParseError)) throw new Error(`parseMessage threw ${String(e)} for ${show}`);
    if (e.message.startsWith('internal parser error')) throw new Error(`parseMessage hid an internal error: ${e.message} for ${show}`);
    return;
  }
  const wrong = exercise(m);
  if (wrong.length) throw new Error(`${wrong.join('; ')} for ${show}`);
}

const corpusSeed = fc.constantFrom(...SEEDS);
const generatedSeed = message.map((g) => serializeMessage(g.msg));

test('mutated RFC 4475 / call-flow messages only ever fail with SipParseError', (t) => {
  fc.assert(
    fc.property(corpusSeed, fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, ms) => {
      checkMutant(ms.reduce((s, f) => f(s), seed));
    }),
    { numRuns: runs(2000), includeErrorInReport: true },
  );
  t.pass();
});

test('mutated generated messages only ever fail with SipParseError', (t) => {
  fc.assert(
    fc.property(generatedSeed, fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, ms) => {
      checkMutant(ms.reduce((s, f) => f(s), seed));
    }),
    { numRuns: runs(1000), includeErrorInReport: true },
  );
  t.pass();
});

test('a mutant that is accepted and validates survives serialize → parse unchanged', (t) => {
  fc.assert(
    fc.property(fc.oneof(corpusSeed, generatedSeed), fc.array(mutation, { minLength: 1, maxLength: 3 }), (seed, ms) => {
      const bin = ms.reduce((s, f) => f(s), seed);
      let m: SipMessage;
      try {
        m = parseMessage(bin);
        m.validate();
      } catch {
        return; // rejected: covered above
      }
      if (m.framingProblems.length) return; // conflicting lengths are rewritten from the body
      let again: SipMessage;
      try {
        again = parseMessage(serializeMessage(m));
        again.validate();
      } catch (e) {
        throw new Error(`re-parse failed: ${String(e)} for ${JSON.stringify(bin)}`);
      }
      assert.deepStrictEqual(strip(again), strip(m), JSON.stringify(bin));
      assert.strictEqual(again.body, m.body);
      assert.strictEqual(again.uri, m.uri);
      assert.strictEqual(again.reason, m.reason);
    }),
    { numRuns: runs(1000), includeErrorInReport: true },
  );
  t.pass();
});

// ---- 3. stream framing --------------------------------------------------------------

const CORPUS_FRAMES = SEEDS.flatMap((s) => {
  try {
    const m = parseMessage(s);
    return m.framingProblems.length ? [] : [serializeMessage(m)];
  } catch {
    return [];
  }
});

test('StreamFramer: any chunking of N messages (with CRLFCRLF keep-alives) yields those N messages in order', (t) => {
  const frame = fc.oneof(fc.constantFrom(...CORPUS_FRAMES), generatedSeed);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(frame, fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      fc.boolean(),
      (items, cutsRaw, asBytes) => {
        const stream = items.map(([msg, pings]) => '\r\n\r\n'.repeat(pings) + msg).join('');
        const cuts = [...new Set(cutsRaw.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const framer = new StreamFramer();
        const got: string[] = [];
        let pings = 0;
        let prev = 0;
        for (const c of [...cuts, stream.length]) {
          const chunk = stream.slice(prev, c);
          prev = c;
          const out = framer.push(asBytes ? Uint8Array.from(chunk, (ch) => ch.charCodeAt(0)) : chunk);
          got.push(...out.messages);
          pings += out.pings;
        }
        assert.deepStrictEqual(got, items.map(([msg]) => msg));
        assert.strictEqual(pings, items.reduce((n, [, p]) => n + p, 0));
        assert.strictEqual(framer.pending, 0);
      },
    ),
    { numRuns: runs(300), includeErrorInReport: true },
  );
  t.pass();
});
