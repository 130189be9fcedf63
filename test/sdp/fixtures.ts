// Shared SDP examples for the SDP tests. Written with \n and converted with crlf().
import type { Codec } from '../../firmware/sdp/index.ts';

/** Joins lines with CRLF and ends with CRLF, as SDP goes on the wire. */
export function crlf(lines: string): string {
  return lines.replace(/\n/g, '\r\n');
}

/** RFC 4566 §5 example session description. */
export const RFC4566_EXAMPLE = `v=0
o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5
s=SDP Seminar
i=A Seminar on the session description protocol
u=http://www.example.com/seminars/sdp.pdf
e=j.doe@example.com (Jane Doe)
c=IN IP4 224.2.17.12/127
t=2873397496 2873404696
a=recvonly
m=audio 49170 RTP/AVP 0
m=video 51372 RTP/AVP 99
a=rtpmap:99 h263-1998/90000
`;

/** RFC 3264 §10.1: Alice's offer (audio + two video streams). */
export const RFC3264_ALICE_OFFER = `v=0
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
`;

/** RFC 3264 §10.1: Bob's answer, rejecting the first video stream. */
export const RFC3264_BOB_ANSWER = `v=0
o=bob 2890844730 2890844730 IN IP4 host.example.com
s=
c=IN IP4 host.example.com
t=0 0
m=audio 49920 RTP/AVP 0
a=rtpmap:0 PCMU/8000
m=video 0 RTP/AVP 31
m=video 53000 RTP/AVP 32
a=rtpmap:32 MPV/90000
`;

/** RFC 3264 §10.1: Bob's re-offer (new audio port, extra recvonly event stream). */
export const RFC3264_BOB_REOFFER = `v=0
o=bob 2890844730 2890844731 IN IP4 host.example.com
s=
c=IN IP4 host.example.com
t=0 0
m=audio 65422 RTP/AVP 0
a=rtpmap:0 PCMU/8000
m=video 0 RTP/AVP 31
m=video 53000 RTP/AVP 32
a=rtpmap:32 MPV/90000
m=audio 51434 RTP/AVP 110
a=rtpmap:110 telephone-events/8000
a=recvonly
`;

/** RFC 3264 §10.1: Alice's answer to the re-offer. */
export const RFC3264_ALICE_ANSWER = `v=0
o=alice 2890844526 2890844527 IN IP4 host.anywhere.com
s=
c=IN IP4 host.anywhere.com
t=0 0
m=audio 49170 RTP/AVP 0
a=rtpmap:0 PCMU/8000
m=video 0 RTP/AVP 31
a=rtpmap:31 H261/90000
m=video 53000 RTP/AVP 32
a=rtpmap:32 MPV/90000
m=audio 53122 RTP/AVP 110
a=rtpmap:110 telephone-events/8000
a=sendonly
`;

/** A typical PBX offer: G.711 both laws, G.729, RFC 4733 events on a dynamic type. */
export const PBX_OFFER = `v=0
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
`;

/** The phone's codecs, as in the firmware configuration. */
export const PHONE_CODECS: Codec[] = [
  { name: 'PCMU', clockRate: 8000, payloadType: 0 },
  { name: 'PCMA', clockRate: 8000, payloadType: 8 },
  { name: 'telephone-event', clockRate: 8000, payloadType: 101, fmtp: '0-16' },
];

export const PHONE = {
  address: '192.0.2.10',
  port: 40000,
  sessionId: '3724394400',
};
