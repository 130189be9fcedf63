// Every RFC 4475 torture message: valid ones parse to the values the RFC states, invalid
// ones are rejected with the response the RFC recommends.
import test from 'ava';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SipParseError, isSipUri, parseMessage, parseMultipart, serializeMessage, unescapeOnce } from '../../firmware/sip/index.ts';
import type { SipMessage, SipUri } from '../../firmware/sip/index.ts';
import { CORPUS_DIR, tortureBytes, tortureIndex } from '../helpers/corpus.ts';

const entries = tortureIndex();

function parseAll(bin: string): SipMessage {
  const m = parseMessage(bin);
  m.validate();
  return m;
}

function sipUri(u: unknown): SipUri {
  if (!isSipUri(u as SipUri)) throw new Error('not a SIP URI');
  return u as SipUri;
}

/** One extractor per fact key in index.json; a fact without one fails the test. */
const facts: Record<string, (m: SipMessage, bin: string) => unknown> = {
  kind: (m) => m.kind,
  method: (m) => m.method,
  request_uri: (m) => m.uri,
  status: (m) => m.status,
  reason: (m) => m.reason,
  call_id: (m) => m.callId(),
  cseq_num: (m) => m.cseq()?.seq,
  cseq_method: (m) => m.cseq()?.method,
  max_forwards: (m) => m.maxForwards(),
  via_count: (m) => m.vias().length,
  top_via_branch: (m) => m.topVia()?.branch,
  to_tag: (m) => m.to()?.tag,
  from_tag: (m) => m.from()?.tag,
  subject: (m) => m.get('s'),
  content_type: (m) => m.get('Content-Type'),
  content_length: (m) => m.contentLength(),
  body_length: (m) => m.body.length,
  unknown_header_with_unusual_value: (m) => m.get('UnknownHeaderWithUnusualValue'),
  from_display_name: (m) => m.from()?.displayName,
  extension_header_name: (m) => m.headers.find((h) => h.name.startsWith('extensionHeader'))?.name,
  extension_header_value: (m) => m.get("extensionHeader-!.%*+_`'~"),
  contains_nul_byte: (_m, bin) => bin.includes('\0'),
  request_uri_user_unescaped: (m) => unescapeOnce(sipUri(m.requestUri()).user!),
  to_user_unescaped: (m) => unescapeOnce(sipUri(m.to()!.uri).user!),
  from_user_unescaped: (m) => unescapeOnce(sipUri(m.from()!.uri).user!),
  contact_user_unescaped: (m) => unescapeOnce(sipUri(m.contacts()[0]!.uri).user!),
  contact_uri_params_unescaped: (m) => {
    const out: Record<string, string | null> = {};
    for (const [k, v] of sipUri(m.contacts()[0]!.uri).params) out[unescapeOnce(k)] = v === null ? null : unescapeOnce(v);
    return out;
  },
  to_uri: (m) => m.to()?.uriText,
  from_uri: (m) => m.from()?.uriText,
  aor_user_unescaped: (m) => unescapeOnce(sipUri(m.to()!.uri).user!),
  contact_count: (m) => m.contacts().length,
  contact_uris: (m) => m.contacts().map((c) => c.uriText),
  contact_uri: (m) => m.contacts()[0]?.uriText,
  contact_params: (m) => [...m.contacts()[0]!.params.keys()],
  display_name: (m) => m.to()?.displayName,
  unknown_header_name: (m) => m.headers.find((h) => h.name.toLowerCase() === 'c%6fntact')?.name,
  trailing_octets: (m) => m.trailingBytes,
  request_uri_host: (m) => sipUri(m.requestUri()).host,
  accept_count: (m) => m.getAll('Accept').length,
  via_transports: (m) => m.vias().map((v) => v.transport),
  body_part_count: (m) => parts(m).length,
  body_part_types: (m) => parts(m).map((p) => p.headers.get('content-type')),
  request_uri_scheme: (m) => m.uri.slice(0, m.uri.indexOf(':')),
  require: (m) => m.require(),
  proxy_require: (m) => m.proxyRequire(),
  authorization_scheme: (m) => m.auth('Authorization')[0]?.scheme,
  call_id_count: (m) => m.count('Call-ID'),
  cseq_count: (m) => m.count('CSeq'),
  to_count: (m) => m.count('To'),
  from_count: (m) => m.count('From'),
  max_forwards_count: (m) => m.count('Max-Forwards'),
  content_length_values: (m) => m.headers.filter((h) => h.name === 'Content-Length').map((h) => Number(h.value)),
  second_via_host: (m) => m.vias()[1]?.host,
  accept: (m) => m.get('Accept'),
  missing_headers: (m) => ['Call-ID', 'From', 'To', 'Content-Length', 'Max-Forwards'].filter((h) => !m.has(h)),
};

function parts(m: SipMessage) {
  const boundary = m.contentType()!.params.get('boundary')!;
  return parseMultipart(m.body, boundary);
}

test('the corpus copy is byte-exact', (t) => {
  const sums = readFileSync(join(CORPUS_DIR, 'SHA256SUMS'), 'utf8').trim().split('\n');
  t.is(sums.length, 49);
  for (const line of sums) {
    const [sum, file] = line.split(/\s+/);
    t.is(createHash('sha256').update(readFileSync(join(CORPUS_DIR, file!))).digest('hex'), sum, file);
  }
});

for (const e of entries) {
  if (e.expect === 'invalid') continue;
  test(`${e.section} ${e.file} (${e.expect}) parses to the stated facts`, (t) => {
    const bin = tortureBytes(e.file);
    const m = parseAll(bin);
    for (const [key, expected] of Object.entries(e.facts ?? {})) {
      const get = facts[key];
      if (!get) return t.fail(`no extractor for fact '${key}'`);
      const actual = get(m, bin);
      if (key === 'missing_headers') {
        t.deepEqual((actual as string[]).filter((h) => (expected as string[]).includes(h)).sort(), (expected as string[]).slice().sort(), key);
      } else {
        t.deepEqual(actual, expected, key);
      }
    }
  });
}

// What the RFC says an element does with each invalid message: the status we answer
// (0 = discard silently, as for broken responses).
const expectedStatus: Record<string, number> = {
  'badvers.dat': 505,
  'mismatch02.dat': 501,
  'bigcode.dat': 0,
  'scalarlg.dat': 0,
};

for (const e of entries) {
  if (e.expect !== 'invalid') continue;
  test(`${e.section} ${e.file} is rejected`, (t) => {
    const err = t.throws(() => parseAll(tortureBytes(e.file)), { instanceOf: SipParseError });
    t.is(err!.status, expectedStatus[e.file] ?? 400, err!.message);
    t.regex(err!.message, /\S/);
  });
}

test('semantic defects of "valid with care" messages are reported as problems', (t) => {
  t.deepEqual(parseAll(tortureBytes('insuf.dat')).problems(), ['missing To', 'missing From', 'missing Call-ID']);
  t.true(parseAll(tortureBytes('multi01.dat')).problems().includes('more than one CSeq'));
  t.deepEqual(parseAll(tortureBytes('mcl01.dat')).problems(), ['conflicting Content-Length values']);
  for (const f of ['wsinv.dat', 'esc01.dat', 'badbranch.dat', 'inv2543.dat']) {
    t.deepEqual(parseAll(tortureBytes(f)).problems(), [], f);
  }
});

test('scalar02 is rejected for its CSeq first, as the RFC expects', (t) => {
  const err = t.throws(() => parseMessage(tortureBytes('scalar02.dat')), { instanceOf: SipParseError });
  t.is(err!.header, 'CSeq');
});

test('baddn is rejected for its display name even when its header section is terminated', (t) => {
  const err = t.throws(() => parseMessage(tortureBytes('baddn.dat') + '\r\n'), { instanceOf: SipParseError });
  t.regex(err!.message, /^(To|From):/);
});

test('a rejected request keeps its parsed start line and headers for the 400 response', (t) => {
  const err = t.throws(() => parseMessage(tortureBytes('mismatch01.dat')), { instanceOf: SipParseError });
  t.is(err!.partial?.method, 'OPTIONS');
  t.truthy(err!.partial?.get('Via'));
});

test('every accepted message survives serialize → parse with the same headers and body', (t) => {
  for (const e of entries) {
    if (e.expect === 'invalid') continue;
    const m = parseAll(tortureBytes(e.file));
    if (m.framingProblems.length) continue; // conflicting lengths are rewritten from the body
    const again = parseAll(serializeMessage(m));
    const strip = (x: SipMessage) => x.headers.filter((h) => h.name !== 'Content-Length');
    t.deepEqual(strip(again), strip(m), e.file);
    t.is(again.body, m.body, e.file);
    t.is(again.method, m.method);
    t.is(again.uri, m.uri);
    t.is(again.status, m.status);
    t.is(again.reason, m.reason);
  }
});
