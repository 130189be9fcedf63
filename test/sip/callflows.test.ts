// RFC 3665 (SIP Basic Call Flow Examples) and RFC 3666 (SIP PSTN Call Flows) messages:
// each parses, validates, shows the facts index.json states, has no problems, and
// survives serialize → parse unchanged.
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSipUri, parseMessage, serializeMessage } from '../../firmware/sip/index.ts';
import type { AuthHeaderName, SipMessage } from '../../firmware/sip/index.ts';
import { parseSdp } from '../../firmware/sdp/index.ts';
import { ROOT } from '../helpers/corpus.ts';

interface AuthFacts {
  header: AuthHeaderName;
  scheme: string;
  realm: string;
  nonce: string;
  username?: string;
  response?: string;
  uri?: string;
}

interface FlowEntry {
  file: string;
  rfc: string;
  section: string;
  step: string;
  title: string;
  provenance: 'checked' | 'recalled';
  corrections?: string[];
  facts: Record<string, unknown> & { auth?: AuthFacts };
}

const DIRS = ['rfc3665', 'rfc3666'].map((d) => join(ROOT, 'test', 'fixtures', d));

function load(dir: string): FlowEntry[] {
  return JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as FlowEntry[];
}

function bytes(dir: string, file: string): string {
  return readFileSync(join(dir, file)).toString('latin1');
}

function parseAll(bin: string): SipMessage {
  const m = parseMessage(bin);
  m.validate();
  return m;
}

/** One extractor per fact key in index.json; a fact without one fails the test. */
const facts: Record<string, (m: SipMessage) => unknown> = {
  kind: (m) => m.kind,
  method: (m) => m.method,
  request_uri: (m) => m.uri,
  status: (m) => m.status,
  reason: (m) => m.reason,
  call_id: (m) => m.callId(),
  cseq_num: (m) => m.cseq()?.seq,
  cseq_method: (m) => m.cseq()?.method,
  via_count: (m) => m.vias().length,
  top_via_branch: (m) => m.topVia()?.branch,
  via_received: (m) => m.vias().map((v) => v.received),
  from_tag: (m) => m.from()?.tag,
  to_tag: (m) => m.to()?.tag,
  from_uri: (m) => m.from()?.uriText,
  to_uri: (m) => m.to()?.uriText,
  contact_wildcard: (m) => m.contactIsWildcard(),
  contact_uris: (m) => m.contacts().map((c) => c.uriText),
  contact_expires: (m) => m.contacts().map((c) => c.expires),
  route_uris: (m) => m.routes().map((r) => r.uriText),
  record_route_uris: (m) => m.recordRoutes().map((r) => r.uriText),
  max_forwards: (m) => m.maxForwards() ?? null,
  expires: (m) => m.expires() ?? null,
  content_type: (m) => m.get('Content-Type') ?? null,
  content_length: (m) => m.contentLength(),
  body_length: (m) => m.body.length,
};

function checkAuth(t: import('ava').ExecutionContext, m: SipMessage, a: AuthFacts): void {
  const all = m.auth(a.header);
  t.is(all.length, 1, `one ${a.header}`);
  const c = all[0]!;
  t.is(c.scheme, a.scheme, `${a.header} scheme`);
  t.is(c.params.get('realm'), a.realm, `${a.header} realm`);
  t.is(c.params.get('nonce'), a.nonce, `${a.header} nonce`);
  t.is(c.params.get('username'), a.username, `${a.header} username`);
  t.is(c.params.get('response'), a.response, `${a.header} response`);
  t.is(c.params.get('uri'), a.uri, `${a.header} uri`);
}

const strip = (x: SipMessage) => x.headers.filter((h) => h.name !== 'Content-Length');

for (const dir of DIRS) {
  for (const e of load(dir)) {
    test(`${e.rfc} §${e.section} ${e.step} ${e.title}`, (t) => {
      const bin = bytes(dir, e.file);
      t.false(/[^\r]\n/.test(bin.slice(0, bin.indexOf('\r\n\r\n') + 4)), 'header section uses CRLF only');
      const m = parseAll(bin);
      for (const [key, expected] of Object.entries(e.facts)) {
        if (key === 'auth') {
          checkAuth(t, m, expected as AuthFacts);
          continue;
        }
        const get = facts[key];
        if (!get) return t.fail(`no extractor for fact '${key}'`);
        t.deepEqual(get(m), expected, key);
      }
      t.is(m.contentLength(), m.body.length, 'Content-Length matches the body');
      t.is(m.trailingBytes, 0);
      t.deepEqual(m.problems(), []);
      if (m.kind === 'request') t.true(isSipUri(m.requestUri()), 'Request-URI is a SIP or SIPS URI');

      const again = parseAll(serializeMessage(m));
      t.deepEqual(strip(again), strip(m), 'same headers after serialize → parse');
      t.is(again.body, m.body);
      t.is(again.kind, m.kind);
      t.is(again.method, m.method);
      t.is(again.uri, m.uri);
      t.is(again.status, m.status);
      t.is(again.reason, m.reason);
      // The compact form must carry the same message too.
      const compact = parseAll(serializeMessage(m, { compact: true }));
      t.deepEqual(strip(compact), strip(m), 'same headers after compact serialize → parse');
      t.is(compact.body, m.body);
    });
  }
}

test('the fixture sets have the size the brief asks for', (t) => {
  const [a, b] = DIRS.map((d) => load(d));
  t.true(a!.length >= 30, `RFC 3665: ${a!.length}`);
  t.true(b!.length >= 3, `RFC 3666: ${b!.length}`);
  for (const dir of DIRS) {
    for (const e of load(dir)) t.true(existsSync(join(dir, e.file)), e.file);
  }
});

test('RFC 3666 gateway Request-URIs keep the telephone-number user and user=phone', (t) => {
  const dir = DIRS[1]!;
  for (const e of load(dir)) {
    const m = parseAll(bytes(dir, e.file));
    const to = m.to()!.uri;
    if (!isSipUri(to)) return t.fail('To is not a SIP URI');
    t.is(to.user, '+19725552222', e.file);
    t.is(to.params.get('user'), 'phone', e.file);
    if (m.kind === 'request') {
      const r = m.requestUri();
      if (!isSipUri(r)) return t.fail('Request-URI is not a SIP URI');
      t.is(r.user, '+19725552222');
      t.is(r.params.get('user'), 'phone');
    }
  }
});

test('the folded Via and auth lines unfold to single values', (t) => {
  const dir = DIRS[0]!;
  const m = parseAll(bytes(dir, '3.2-F8.sip'));
  t.deepEqual(m.vias().map((v) => [v.host, v.port, v.branch, v.received]), [
    ['ss2.biloxi.example.com', 5060, 'z9hG4bK721e4.1', null],
    ['ss1.atlanta.example.com', 5060, 'z9hG4bK2d4790.1', '192.0.2.111'],
    ['client.atlanta.example.com', 5060, 'z9hG4bK74bf9', '192.0.2.101'],
  ]);
  const ch = parseAll(bytes(dir, '3.2-F2.sip')).auth('Proxy-Authenticate')[0]!;
  t.is(ch.params.get('qop'), 'auth');
  t.is(ch.params.get('opaque'), '');
  t.is(ch.params.get('stale'), 'FALSE');
  t.is(ch.params.get('algorithm'), 'MD5');
});

// SDP bodies: parsed by firmware/sdp, imported statically so a moved module fails the file.
test('every application/sdp body parses with firmware/sdp', (t) => {
  let n = 0;
  for (const dir of DIRS) {
    for (const e of load(dir)) {
      const m = parseAll(bytes(dir, e.file));
      if (m.contentType()?.subtype !== 'sdp') continue;
      t.notThrows(() => parseSdp(m.bodyText()), e.file);
      n++;
    }
  }
  t.true(n > 0);
});
