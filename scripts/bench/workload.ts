// The messages `quip bench` parses: one call as a desk phone sees it on the wire — registration
// with a digest challenge, an incoming INVITE through a record-routing proxy, the phone's provisional
// and final answers, the ACK and the BYE. Each message carries the transaction keys every parser
// must extract from it; the bench refuses to time parsers that get any of them wrong.

/** The transaction keys read after parsing. Absent values are null. */
export interface TxKeys {
  branch: string | null;
  cseq_seq: number | null;
  cseq_method: string | null;
  call_id: string | null;
  from_tag: string | null;
  to_tag: string | null;
}

export const TX_KEY_FIELDS = ['branch', 'cseq_seq', 'cseq_method', 'call_id', 'from_tag', 'to_tag'] as const;

export interface WorkloadMessage {
  /** Short label for reports, e.g. "INVITE + SDP". */
  name: string;
  /** The message as text (Unicode string; the wire form is its UTF-8 encoding). CRLF line ends. */
  text: string;
  /** The keys a correct parser extracts. */
  expect: TxKeys;
}

/** Joins a start line, header lines and a body into a message, appending a correct Content-Length. */
export function sipMessage(startLine: string, headers: string[], body = ''): string {
  const length = Buffer.byteLength(body, 'utf8');
  return [startLine, ...headers, `Content-Length: ${length}`, '', body].join('\r\n');
}

/** The UTF-8 octets of `text` as a binary string (one char per octet), the form quip parses. */
export function toBinaryString(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

const sdp = (lines: string[]): string => lines.map((l) => l + '\r\n').join('');

// --- Registration: the phone's REGISTER and the registrar's digest challenge ------------------------

const REGISTER_CALL_ID = '3c26700a7b5f4e2b9d1e8a4c@10.20.30.45';
const REGISTER_BRANCH = 'z9hG4bK-524287-1---7c1e9a3b5d2f4e60';

const register = sipMessage('REGISTER sip:sip.example.net SIP/2.0', [
  `Via: SIP/2.0/UDP 10.20.30.45:5060;branch=${REGISTER_BRANCH};rport`,
  'Max-Forwards: 70',
  'Contact: <sip:1001@10.20.30.45:5060;transport=udp>;+sip.instance="<urn:uuid:4f6b1c2e-8d3a-4b5f-9e7d-2a1c3b4d5e6f>";reg-id=1;expires=3600',
  'To: "Alice Desk" <sip:1001@sip.example.net>',
  'From: "Alice Desk" <sip:1001@sip.example.net>;tag=8f3a2b1c',
  `Call-ID: ${REGISTER_CALL_ID}`,
  'CSeq: 21 REGISTER',
  'Expires: 3600',
  'Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, OPTIONS, INFO, UPDATE, SUBSCRIBE, MESSAGE',
  'Supported: path, gruu, outbound, replaces',
  'User-Agent: quip/0.1.0',
]);

const unauthorized = sipMessage('SIP/2.0 401 Unauthorized', [
  `Via: SIP/2.0/UDP 10.20.30.45:5060;branch=${REGISTER_BRANCH};rport=5060;received=198.51.100.23`,
  'From: "Alice Desk" <sip:1001@sip.example.net>;tag=8f3a2b1c',
  'To: "Alice Desk" <sip:1001@sip.example.net>;tag=as5e2c7d41',
  `Call-ID: ${REGISTER_CALL_ID}`,
  'CSeq: 21 REGISTER',
  'Server: Asterisk PBX 20.5.2',
  'Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, SUBSCRIBE, NOTIFY, INFO, PUBLISH, MESSAGE',
  'Supported: replaces, timer',
  'WWW-Authenticate: Digest realm="sip.example.net", nonce="1718035142/2f0c5a8e3b9d7e6f1a2b3c4d5e6f7a8b", opaque="5c2d8e1f0a3b4c6d", algorithm=MD5, qop="auth"',
]);

// --- An incoming call through a record-routing proxy ------------------------------------------------

const CALL_ID = '7f1e2d3c4b5a69788796a5b4c3d2e1f0@10.20.30.77';
const CALLER_TAG = 'a73kszlfl';
const CALLEE_TAG = '1928301774';
const PROXY_BRANCH = 'z9hG4bK1a7c.5e2f9b3d0c4a8e61.0';
const CALLER_BRANCH = 'z9hG4bK-d8754z-9b2e4f61c3a7d058-1---d8754z-';
const inviteVias = [
  `Via: SIP/2.0/UDP 203.0.113.10:5060;branch=${PROXY_BRANCH}`,
  `Via: SIP/2.0/UDP 10.20.30.77:5060;received=198.51.100.40;rport=5060;branch=${CALLER_BRANCH}`,
];
const recordRoute = `Record-Route: <sip:203.0.113.10;lr;ftag=${CALLER_TAG};did=2b4.6a31>`;
const callerFrom = `From: "Zoë Martín" <sip:1002@sip.example.net>;tag=${CALLER_TAG}`;
const calleeTo = `To: <sip:1001@sip.example.net>;tag=${CALLEE_TAG}`;
const phoneAllow = 'Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, OPTIONS, INFO, UPDATE, PRACK, MESSAGE';

const invite = sipMessage(
  'INVITE sip:1001@10.20.30.45:5060;transport=udp SIP/2.0',
  [
    ...inviteVias,
    recordRoute,
    'Max-Forwards: 69',
    callerFrom,
    'To: <sip:1001@sip.example.net>',
    `Call-ID: ${CALL_ID}`,
    'CSeq: 102 INVITE',
    'Contact: <sip:1002@10.20.30.77:5060;transport=udp>',
    'Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, OPTIONS, INFO, UPDATE, PRACK, MESSAGE',
    'Supported: replaces, 100rel, timer, norefersub',
    'Session-Expires: 1800;refresher=uac',
    'Min-SE: 90',
    'P-Asserted-Identity: "Zoë Martín" <sip:1002@sip.example.net>',
    'User-Agent: Grandstream GXP2170 1.0.11.23',
    'Content-Type: application/sdp',
  ],
  sdp([
    'v=0',
    'o=- 3912345678 3912345678 IN IP4 10.20.30.77',
    's=-',
    'c=IN IP4 10.20.30.77',
    't=0 0',
    'm=audio 16384 RTP/AVP 9 0 8 18 101',
    'a=rtpmap:9 G722/8000',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:18 G729/8000',
    'a=fmtp:18 annexb=no',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    'a=ptime:20',
    'a=sendrecv',
  ]),
);

const ringing = sipMessage('SIP/2.0 180 Ringing', [
  ...inviteVias,
  recordRoute,
  callerFrom,
  calleeTo,
  `Call-ID: ${CALL_ID}`,
  'CSeq: 102 INVITE',
  'Contact: <sip:1001@10.20.30.45:5060;transport=udp>',
  phoneAllow,
  'User-Agent: quip/0.1.0',
]);

const ok = sipMessage(
  'SIP/2.0 200 OK',
  [
    ...inviteVias,
    recordRoute,
    callerFrom,
    calleeTo,
    `Call-ID: ${CALL_ID}`,
    'CSeq: 102 INVITE',
    'Contact: <sip:1001@10.20.30.45:5060;transport=udp>',
    phoneAllow,
    'Supported: replaces, timer',
    'Session-Expires: 1800;refresher=uac',
    'Require: timer',
    'User-Agent: quip/0.1.0',
    'Content-Type: application/sdp',
  ],
  sdp([
    'v=0',
    'o=quip 1718035187 1718035187 IN IP4 10.20.30.45',
    's=quip',
    'c=IN IP4 10.20.30.45',
    't=0 0',
    'm=audio 40000 RTP/AVP 9 101',
    'a=rtpmap:9 G722/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    'a=ptime:20',
    'a=sendrecv',
    'a=rtcp:40001',
  ]),
);

const ACK_BRANCH = 'z9hG4bK1a7c.8c3e1f0a7b9d2e45.0';
const ack = sipMessage('ACK sip:1001@10.20.30.45:5060;transport=udp SIP/2.0', [
  `Via: SIP/2.0/UDP 203.0.113.10:5060;branch=${ACK_BRANCH}`,
  'Via: SIP/2.0/UDP 10.20.30.77:5060;received=198.51.100.40;rport=5060;branch=z9hG4bK-d8754z-4c1a9e7f2b3d6058-1---d8754z-',
  'Max-Forwards: 69',
  callerFrom,
  calleeTo,
  `Call-ID: ${CALL_ID}`,
  'CSeq: 102 ACK',
  'Contact: <sip:1002@10.20.30.77:5060;transport=udp>',
  'User-Agent: Grandstream GXP2170 1.0.11.23',
]);

const BYE_BRANCH = 'z9hG4bK-524287-1---e3b0c44298fc1c14';
const bye = sipMessage('BYE sip:1002@10.20.30.77:5060;transport=udp SIP/2.0', [
  `Via: SIP/2.0/UDP 10.20.30.45:5060;branch=${BYE_BRANCH};rport`,
  'Max-Forwards: 70',
  `Route: <sip:203.0.113.10;lr;ftag=${CALLER_TAG};did=2b4.6a31>`,
  `From: <sip:1001@sip.example.net>;tag=${CALLEE_TAG}`,
  `To: "Zoë Martín" <sip:1002@sip.example.net>;tag=${CALLER_TAG}`,
  `Call-ID: ${CALL_ID}`,
  'CSeq: 1 BYE',
  'User-Agent: quip/0.1.0',
  'Reason: Q.850;cause=16;text="Normal call clearing"',
]);

/** The 7-message call: registration with a digest challenge, an incoming call, ACK, BYE. */
export const CALL_MIX: readonly WorkloadMessage[] = [
  {
    name: 'REGISTER',
    text: register,
    expect: { branch: REGISTER_BRANCH, cseq_seq: 21, cseq_method: 'REGISTER', call_id: REGISTER_CALL_ID, from_tag: '8f3a2b1c', to_tag: null },
  },
  {
    name: '401 Unauthorized',
    text: unauthorized,
    expect: { branch: REGISTER_BRANCH, cseq_seq: 21, cseq_method: 'REGISTER', call_id: REGISTER_CALL_ID, from_tag: '8f3a2b1c', to_tag: 'as5e2c7d41' },
  },
  {
    name: 'INVITE + SDP',
    text: invite,
    expect: { branch: PROXY_BRANCH, cseq_seq: 102, cseq_method: 'INVITE', call_id: CALL_ID, from_tag: CALLER_TAG, to_tag: null },
  },
  {
    name: '180 Ringing',
    text: ringing,
    expect: { branch: PROXY_BRANCH, cseq_seq: 102, cseq_method: 'INVITE', call_id: CALL_ID, from_tag: CALLER_TAG, to_tag: CALLEE_TAG },
  },
  {
    name: '200 OK + SDP',
    text: ok,
    expect: { branch: PROXY_BRANCH, cseq_seq: 102, cseq_method: 'INVITE', call_id: CALL_ID, from_tag: CALLER_TAG, to_tag: CALLEE_TAG },
  },
  {
    name: 'ACK',
    text: ack,
    expect: { branch: ACK_BRANCH, cseq_seq: 102, cseq_method: 'ACK', call_id: CALL_ID, from_tag: CALLER_TAG, to_tag: CALLEE_TAG },
  },
  {
    name: 'BYE',
    text: bye,
    expect: { branch: BYE_BRANCH, cseq_seq: 1, cseq_method: 'BYE', call_id: CALL_ID, from_tag: CALLEE_TAG, to_tag: CALLER_TAG },
  },
];

// --- Messages beyond the basic call, as a phone meets them from real servers ---------------------

const REGISTERED_BRANCH = 'z9hG4bK-524287-1---0b9d4f7e2a6c1358';
/** A registrar's 200 OK listing every binding of the AOR: this phone and two others. */
const registered = sipMessage('SIP/2.0 200 OK', [
  `Via: SIP/2.0/UDP 10.20.30.45:5060;branch=${REGISTERED_BRANCH};rport=5060;received=198.51.100.23`,
  'From: "Alice Desk" <sip:1001@sip.example.net>;tag=8f3a2b1c',
  'To: "Alice Desk" <sip:1001@sip.example.net>;tag=as5e2c7d41',
  `Call-ID: ${REGISTER_CALL_ID}`,
  'CSeq: 22 REGISTER',
  'Contact: <sip:1001@10.20.30.45:5060;transport=udp>;expires=3600;+sip.instance="<urn:uuid:4f6b1c2e-8d3a-4b5f-9e7d-2a1c3b4d5e6f>";reg-id=1',
  'Contact: <sip:1001@10.20.30.52:5060>;expires=1793, <sip:1001@192.0.2.17:5062;transport=tcp>;expires=118;q=0.5',
  'Date: Mon, 10 Jun 2024 16:00:07 GMT',
  'Server: Asterisk PBX 20.5.2',
  'Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, SUBSCRIBE, NOTIFY, INFO, PUBLISH, MESSAGE',
  'Supported: replaces, timer',
]);

const MWI_CALL_ID = '6e0b3a52-1f7d-4c9e-b2a8-5d4c3b2a1908';
const MWI_BRANCH = 'z9hG4bK2f4e.7a1b9c3d5e6f0a28.0';
/** The voicemail server's message-waiting NOTIFY (RFC 3842), sent through the proxy. */
const notify = sipMessage(
  'NOTIFY sip:1001@10.20.30.45:5060;transport=udp SIP/2.0',
  [
    `Via: SIP/2.0/UDP 203.0.113.10:5060;branch=${MWI_BRANCH}`,
    'Via: SIP/2.0/UDP 203.0.113.25:5060;received=203.0.113.25;rport=5060;branch=z9hG4bK-7d9e1f3a5b',
    'Max-Forwards: 69',
    'From: <sip:1001@sip.example.net>;tag=vm-3a7f19c2',
    'To: "Alice Desk" <sip:1001@sip.example.net>;tag=b62d0e4f',
    `Call-ID: ${MWI_CALL_ID}`,
    'CSeq: 7 NOTIFY',
    'Contact: <sip:voicemail@203.0.113.25:5060>',
    'Event: message-summary',
    'Subscription-State: active;expires=3542',
    'User-Agent: Asterisk PBX 20.5.2',
    'Content-Type: application/simple-message-summary',
  ],
  sdp([
    'Messages-Waiting: yes',
    'Message-Account: sip:*97@sip.example.net',
    'Voice-Message: 2/8 (1/2)',
  ]),
);

const REINVITE_BRANCH = 'z9hG4bK-524287-1---5f2a8c1e9d3b7046';
/** The phone refreshing the session timer with a re-INVITE (RFC 4028) along the route set. */
const reinvite = sipMessage(
  'INVITE sip:1002@10.20.30.77:5060;transport=udp SIP/2.0',
  [
    `Via: SIP/2.0/UDP 10.20.30.45:5060;branch=${REINVITE_BRANCH};rport`,
    'Max-Forwards: 70',
    `Route: <sip:203.0.113.10;lr;ftag=${CALLER_TAG};did=2b4.6a31>`,
    `From: <sip:1001@sip.example.net>;tag=${CALLEE_TAG}`,
    `To: "Zoë Martín" <sip:1002@sip.example.net>;tag=${CALLER_TAG}`,
    `Call-ID: ${CALL_ID}`,
    'CSeq: 2 INVITE',
    'Contact: <sip:1001@10.20.30.45:5060;transport=udp>',
    phoneAllow,
    'Supported: replaces, timer',
    'Session-Expires: 1800;refresher=uac',
    'Min-SE: 90',
    'User-Agent: quip/0.1.0',
    'Content-Type: application/sdp',
  ],
  sdp([
    'v=0',
    'o=quip 1718035187 1718035188 IN IP4 10.20.30.45',
    's=quip',
    'c=IN IP4 10.20.30.45',
    't=0 0',
    'm=audio 40000 RTP/AVP 9 101',
    'a=rtpmap:9 G722/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    'a=ptime:20',
    'a=sendrecv',
  ]),
);

const CHAIN_CALL_ID = 'c4f1d2e3-0a9b-4c8d-97e6-f5a4b3c2d1e0';
const CHAIN_FROM_TAG = '5a9c27e1';
const CHAIN_BRANCH = 'z9hG4bK3e9a.4b7c1d2e8f0a5b63.0';
/**
 * A call from the PSTN through a carrier SBC, a core proxy that double-record-routes (UDP/TCP),
 * and the edge proxy: five Vias and five Record-Routes, as Kamailio/OpenSIPS chains write them.
 */
const chainInvite = sipMessage(
  'INVITE sip:1001@10.20.30.45:5060;transport=udp SIP/2.0',
  [
    `Via: SIP/2.0/UDP 203.0.113.10:5060;branch=${CHAIN_BRANCH}`,
    'Via: SIP/2.0/TCP 10.0.0.20:5060;rport=48721;received=10.0.0.21;branch=z9hG4bK1c8e.93f2a6b04d7e1c58.0;i=3a1',
    'Via: SIP/2.0/UDP 10.0.0.21:5060;branch=z9hG4bK1c8e.93f2a6b04d7e1c58.1',
    'Via: SIP/2.0/UDP 192.0.2.50:5060;received=192.0.2.50;branch=z9hG4bK-sbc-a2f71c3e;rport=5060',
    'Via: SIP/2.0/UDP 198.51.100.200:5060;branch=z9hG4bK7b02d1e4a9c3;rport',
    'Record-Route: <sip:203.0.113.10;lr;ftag=5a9c27e1;did=9c1.4e72>',
    'Record-Route: <sip:10.0.0.20;transport=tcp;r2=on;lr;ftag=5a9c27e1>, <sip:10.0.0.21;r2=on;lr;ftag=5a9c27e1>',
    'Record-Route: <sip:192.0.2.50:5060;lr;transport=udp>',
    'Record-Route: <sip:198.51.100.200;lr>',
    'Max-Forwards: 65',
    `From: "+1 555 0100" <sip:+15550100@carrier.example.com;user=phone>;tag=${CHAIN_FROM_TAG}`,
    'To: <sip:1001@sip.example.net>',
    `Call-ID: ${CHAIN_CALL_ID}`,
    'CSeq: 31174 INVITE',
    'Contact: <sip:+15550100@192.0.2.50:5060;transport=udp>',
    'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, PRACK, INFO',
    'Supported: 100rel, timer',
    'Session-Expires: 900',
    'Min-SE: 90',
    'P-Asserted-Identity: <sip:+15550100@carrier.example.com;user=phone>',
    'Content-Type: application/sdp',
  ],
  sdp([
    'v=0',
    'o=SBC 1718040000 1718040000 IN IP4 192.0.2.50',
    's=SBC',
    'c=IN IP4 192.0.2.50',
    't=0 0',
    'm=audio 30012 RTP/AVP 0 8 101',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=ptime:20',
  ]),
);

/** The call mix plus messages that carry more of what the peers parse eagerly (see run.ts). */
export const REALISTIC: readonly WorkloadMessage[] = [
  ...CALL_MIX,
  {
    name: '200 OK REGISTER, 3 Contacts',
    text: registered,
    expect: { branch: REGISTERED_BRANCH, cseq_seq: 22, cseq_method: 'REGISTER', call_id: REGISTER_CALL_ID, from_tag: '8f3a2b1c', to_tag: 'as5e2c7d41' },
  },
  {
    name: 'NOTIFY message-summary',
    text: notify,
    expect: { branch: MWI_BRANCH, cseq_seq: 7, cseq_method: 'NOTIFY', call_id: MWI_CALL_ID, from_tag: 'vm-3a7f19c2', to_tag: 'b62d0e4f' },
  },
  {
    name: 're-INVITE, Session-Expires',
    text: reinvite,
    expect: { branch: REINVITE_BRANCH, cseq_seq: 2, cseq_method: 'INVITE', call_id: CALL_ID, from_tag: CALLEE_TAG, to_tag: CALLER_TAG },
  },
  {
    name: 'INVITE, 5 Via/Record-Route hops',
    text: chainInvite,
    expect: { branch: CHAIN_BRANCH, cseq_seq: 31174, cseq_method: 'INVITE', call_id: CHAIN_CALL_ID, from_tag: CHAIN_FROM_TAG, to_tag: null },
  },
];

/** The named workloads; the headline figures use `realistic`. */
export const WORKLOADS = { 'call-mix': CALL_MIX, realistic: REALISTIC } as const;
export type WorkloadName = keyof typeof WORKLOADS;

/** The call mix, under its historic name (robustness and native benches, tests). */
export const WORKLOAD: readonly WorkloadMessage[] = CALL_MIX;

