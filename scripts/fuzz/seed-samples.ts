// Hand-made seeds the RFC fixtures lack: SIP messages whose bodies and headers reach other
// parsers (message summary, dtmf-relay, multipart, digest, reliable provisionals), typical
// and odd SDP, and RTP/RTCP packets built with the firmware's own writers.

import { writeRtpBinary } from '../../firmware/rtp/packet.ts';
import type { RtpHeader } from '../../firmware/rtp/packet.ts';
import { RTCP_APP, sdesCname, writeRtcpBinary } from '../../firmware/rtp/rtcp.ts';
import type { ReportBlock, RtcpPacket } from '../../firmware/rtp/rtcp.ts';

const crlf = (text: string): string => text.replace(/\r?\n/g, '\r\n');

/** A SIP message from header lines and a body; Content-Length is computed. */
function sip(head: string, body = ''): string {
  return crlf(head.trim()) + `\r\nContent-Length: ${body.length}\r\n\r\n` + body;
}

const DIALOG = `Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bK776asdhds;rport
Max-Forwards: 70
From: "Alice" <sip:alice@example.com>;tag=1928301774
To: <sip:bob@example.com>;tag=a6c85cf
Call-ID: a84b4c76e66710@pc33.example.com`;

export const SIP_SAMPLES: readonly string[] = [
  sip(`NOTIFY sip:alice@192.0.2.4:5060 SIP/2.0
${DIALOG}
CSeq: 4 NOTIFY
Event: message-summary
Subscription-State: active;expires=3600
Content-Type: application/simple-message-summary`, crlf('Messages-Waiting: yes\nMessage-Account: sip:alice@example.com\nVoice-Message: 2/8 (0/2)\n')),
  sip(`REFER sip:bob@192.0.2.5 SIP/2.0
${DIALOG}
CSeq: 6 REFER
Refer-To: <sip:carol@example.com;method=INVITE>
Referred-By: <sip:alice@example.com>
Contact: <sip:alice@192.0.2.4:5060>`, ''),
  sip(`NOTIFY sip:alice@192.0.2.4:5060 SIP/2.0
${DIALOG}
CSeq: 7 NOTIFY
Event: refer;id=6
Subscription-State: terminated;reason=noresource
Content-Type: message/sipfrag;version=2.0`, 'SIP/2.0 200 OK\r\n'),
  sip(`INFO sip:bob@192.0.2.5 SIP/2.0
${DIALOG}
CSeq: 5 INFO
Content-Type: application/dtmf-relay`, crlf('Signal=5\nDuration=160\n')),
  sip(`INVITE sip:bob@example.com SIP/2.0
${DIALOG.replace(';tag=a6c85cf', '')}
CSeq: 1 INVITE
Contact: <sip:alice@192.0.2.4:5060;transport=udp>;expires=60;q=0.5
Supported: 100rel, timer
Allow: INVITE, ACK, CANCEL, BYE, PRACK, INFO, NOTIFY
Content-Type: multipart/mixed;boundary=unique-boundary-1`,
    crlf(`--unique-boundary-1
Content-Type: application/sdp

v=0
o=- 1 1 IN IP4 192.0.2.4
s=-
c=IN IP4 192.0.2.4
t=0 0
m=audio 49170 RTP/AVP 0 101
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15

--unique-boundary-1
Content-Type: application/isup;version=itu-t92+
Content-Disposition: signal;handling=optional

\x01\x00\x49\x00\x00\x03\x02\x00\x07\x04\x10\x00\x33\x63\x21\x43\x00\x00\x03
--unique-boundary-1--
`)),
  sip(`SIP/2.0 401 Unauthorized
Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKnashds7;received=198.51.100.1;rport=5062
From: <sip:alice@example.com>;tag=a73kszlfl
To: <sip:alice@example.com>;tag=1410948204
Call-ID: 1j9FpLxk3uxtm8tn@192.0.2.4
CSeq: 1 REGISTER
WWW-Authenticate: Digest realm="example.com", qop="auth,auth-int", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", opaque="", stale=FALSE, algorithm=SHA-256
WWW-Authenticate: Digest realm="example.com", qop="auth", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", algorithm=MD5-sess
Proxy-Authenticate: Digest realm="proxy.example.com", nonce="zz1", algorithm=MD5`),
  sip(`REGISTER sip:example.com SIP/2.0
Via: SIP/2.0/TCP [2001:db8::9]:5061;branch=z9hG4bKnashd92;received=2001:db8::9
Max-Forwards: 70
From: <sip:alice@example.com>;tag=ja743ks76zlflH
To: <sip:alice@example.com>
Call-ID: 1j9FpLxk3uxtm8tn@[2001:db8::9]
CSeq: 2 REGISTER
Contact: <sips:alice@[2001:db8::9]:5061>;expires=3600;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>", *
Expires: 3600
Authorization: Digest username="alice", realm="example.com", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", uri="sip:example.com", response="dfe56131d1958046689d83306477ecc0", algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001, opaque=""`),
  sip(`SIP/2.0 183 Session Progress
${DIALOG}
CSeq: 1 INVITE
RSeq: 4294967295
Require: 100rel
Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr;transport=tcp>
Contact: <sip:bob@192.0.2.5>`),
  sip(`PRACK sip:bob@192.0.2.5 SIP/2.0
${DIALOG}
CSeq: 2 PRACK
RAck: 4294967295 1 INVITE
Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr;transport=tcp>`),
  sip(`SUBSCRIBE sips:voicemail@example.com;user=phone?Subject=x SIP/2.0
${DIALOG.replace(';tag=a6c85cf', '')}
CSeq: 7 SUBSCRIBE
Event: message-summary;id=1
Expires: 3600
Accept: application/simple-message-summary
Date: Sat, 13 Nov 2010 23:29:00 GMT
Retry-After: 120 (busy);duration=60
Min-Expires: 60
Proxy-Require: foo
Unsupported: bar`),
  sip(`SIP/2.0 503 Service Unavailable
${DIALOG}
CSeq: 9 OPTIONS
Retry-After: 30
Subscription-State: terminated;reason=timeout;retry-after=10
Warning: 399 example.com "Overloaded"`),
  sip(`CANCEL tel:+1-201-555-0123;phone-context=example.com SIP/2.0
${DIALOG.replace(';tag=a6c85cf', '')}
CSeq: 1 CANCEL`),
];

export const SDP_SAMPLES: readonly string[] = [
  `v=0
o=asterisk 1700000000 1700000000 IN IP4 198.51.100.7
s=Asterisk
c=IN IP4 198.51.100.7
t=0 0
m=audio 12000 RTP/AVP 8 0 18 97 101
a=rtpmap:8 PCMA/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:18 G729/8000
a=fmtp:18 annexb=no
a=rtpmap:97 iLBC/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:30
a=maxptime:150
a=rtcp:12001
a=sendrecv
`,
  `v=0
o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5
s=SDP Seminar
i=A Seminar on the session description protocol
u=http://www.example.com/seminars/sdp.pdf
e=j.doe@example.com (Jane Doe)
p=+1 617 555-6011
c=IN IP4 224.2.17.12/127
b=AS:256
t=2873397496 2873404696
r=7d 1h 0 25h
z=2882844526 -1h 2898848070 0
k=clear:secret
a=recvonly
m=audio 49170 RTP/AVP 0
m=video 51372 RTP/AVP 99
a=rtpmap:99 h263-1998/90000
`,
  `v=0
o=bob 2890844730 2890844731 IN IP6 2001:db8::2
s=
c=IN IP6 2001:db8::2
t=0 0
m=audio 65422 RTP/AVP 0 13
a=rtpmap:0 PCMU/8000
a=rtpmap:13 CN/8000
m=video 0 RTP/AVP 31
m=audio 51434 RTP/AVP 110
a=rtpmap:110 telephone-event/16000
a=fmtp:110 0-11,16
a=rtcp:53020 IN IP6 2001:db8::2
a=recvonly
`,
  `v=0
o=- 20518 0 IN IP4 0.0.0.0
s=-
c=IN IP4 0.0.0.0
t=0 0
m=audio 5004 RTP/AVP 8 101
a=rtpmap:101 Telephone-Event/8000
a=sendonly
a=ptime:20
m=application 9 UDP/BFCP *
`,
  `v=0
o=alice 2890844526 2890844526 IN IP4 host.anywhere.com
s=
c=IN IP4 host.anywhere.com
t=0 0
m=audio 49170 RTP/AVP 0
a=rtpmap:0 PCMU/8000
m=video 51372 RTP/AVP 31
a=rtpmap:31 H261/90000
m=video 53000 RTP/AVP 32
a=rtpmap:32 MPV/90000
`,
].map(crlf);

const PCM_PAYLOAD = new Uint8Array(160).map((_, i) => (i * 37) & 0xff);
const EVENT = (event: number, end: boolean, duration: number): Uint8Array =>
  new Uint8Array([event, (end ? 0x80 : 0) | 10, duration >> 8, duration & 0xff]);

function rtp(header: Partial<RtpHeader>, payload: Uint8Array): string {
  return writeRtpBinary({ payloadType: 0, sequence: 4660, timestamp: 305419896, ssrc: 0xdeadbeef, ...header }, payload);
}

export const RTP_SAMPLES: readonly string[] = [
  rtp({}, PCM_PAYLOAD),
  rtp({ payloadType: 8, marker: true, sequence: 65535, timestamp: 0xffffff60 }, PCM_PAYLOAD),
  rtp({ payloadType: 101, marker: true }, EVENT(5, false, 160)),
  rtp({ payloadType: 101 }, EVENT(11, true, 65535)),
  rtp({ payloadType: 13 }, new Uint8Array([0x40, 1, 2, 3])),
  rtp({ payloadType: 18, csrc: [1, 2, 0xffffffff] }, PCM_PAYLOAD.subarray(0, 20)),
  rtp({ extension: { profile: 0xbede, data: new Uint8Array([0x10, 0xaa, 0x21, 0xbb, 0xcc, 0, 0, 0]) } }, PCM_PAYLOAD),
  rtp({ padding: 4, payloadType: 101 }, EVENT(15, false, 400)),
  rtp({ payloadType: 0 }, new Uint8Array(0)),
];

const BLOCK: ReportBlock = { ssrc: 0xdeadbeef, fractionLost: 12, cumulativeLost: -3, highestSeq: 0x1_0005, jitter: 40, lsr: 0x12345678, dlsr: 65536 };
const SENDER = { ntpSeconds: 3_900_000_000, ntpFraction: 0x80000000, rtpTimestamp: 160, packetCount: 50, octetCount: 8000 };

/** An RTCP packet with the P bit and `pad` octets of padding (writeRtcp never pads). */
function padded(bin: string, pad: number): string {
  const words = ((bin.charCodeAt(2) << 8) | bin.charCodeAt(3)) + pad / 4;
  const head = String.fromCharCode(bin.charCodeAt(0) | 0x20, bin.charCodeAt(1), words >> 8, words & 0xff);
  return head + bin.slice(4) + '\0'.repeat(pad - 1) + String.fromCharCode(pad);
}

const compound = (packets: RtcpPacket[]): string => writeRtcpBinary(packets);

export const RTCP_SAMPLES: readonly string[] = [
  compound([{ type: 'sr', ssrc: 1, sender: SENDER, reports: [BLOCK] }, sdesCname(1, 'alice@192.0.2.4')]),
  compound([{ type: 'rr', ssrc: 2, reports: [BLOCK, { ...BLOCK, ssrc: 7 }] }, sdesCname(2, 'bøb'), { type: 'bye', ssrcs: [2, 3], reason: 'hanging up' }]),
  compound([{ type: 'rr', ssrc: 3, reports: [] }, { type: 'other', packetType: RTCP_APP, count: 1, body: new Uint8Array([0x51, 0x55, 0x49, 0x50, 0, 0, 0, 1]) }]),
  compound([{ type: 'rr', ssrc: 4, reports: [] }, { type: 'other', packetType: 205, count: 1, body: new Uint8Array(8) }, { type: 'other', packetType: 207, count: 0, body: new Uint8Array(12) }]),
  padded(compound([{ type: 'sr', ssrc: 5, sender: SENDER, reports: [] }]), 8),
  compound([{ type: 'sdes', chunks: [{ ssrc: 9, items: [{ type: 1, value: 'x' }, { type: 2, value: 'Alice' }, { type: 8, value: 'priv' }] }, { ssrc: 10, items: [] }] }]),
];
