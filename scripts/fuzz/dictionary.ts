// Tokens the mutator inserts: separators the grammars split on, and fragments of each
// protocol that steer a mutant into deeper parser code than random octets reach.

import type { FuzzKind } from './kinds.ts';

const HIGH_OCTETS = ['\x80', '\xbf', '\xc0', '\xc3\xa9', '\xe2\x82', '\xed\xa0\x80', '\xf0\x9f\x98\x80', '\xf4\x90\x80\x80', '\xfe', '\xff'];

/** What splits fields in text protocols: line ends, quotes, brackets, escapes. */
const SEPARATORS = [
  '\r\n', '\r', '\n', '\r\n\r\n', '\r\n ', '\r\n\t', '\0', ' ', '\t', '"', '\\', '\\"', '<', '>', ',', ';', ':',
  '=', '/', '?', '&', '@', '[', ']', '(', ')', '%', '%00', '%0D%0A', '%zz', '%4', '%25', '%C3%A9', '*', '.', '-',
  '+', '#', '!', '~', "'", ...HIGH_OCTETS,
];

const SIP_TOKENS = [
  'SIP/2.0', 'SIP/2.0/UDP ', 'SIP/3.0', 'sip:', 'sips:', 'tel:', 'urn:', 'sip:user:pass@', '[2001:db8::1]', '[::ffff:1.2.3.4]',
  ':5060', ':65536', ';branch=z9hG4bK', ';received=', ';rport', ';rport=', ';maddr=', ';ttl=', ';tag=', ';lr', ';transport=tcp',
  ';expires=', ';q=', ';q=1.0001', '?Subject=x&Priority=urgent', 'Via: ', 'v: ', 'From: ', 'f: ', 'To: ', 't: ', 'Call-ID: ',
  'i: ', 'CSeq: ', 'Max-Forwards: ', 'Content-Length: ', 'l: ', 'Content-Type: ', 'c: ', 'Contact: ', 'm: *', 'Route: ',
  'Record-Route: ', 'Expires: ', 'RSeq: ', 'RAck: ', 'Event: ', 'o: ', 'Subscription-State: ', 'Date: ', 'Retry-After: ',
  'Authorization: Digest ', 'WWW-Authenticate: Digest ', 'realm=', 'nonce=', 'qop="auth,auth-int"', 'algorithm=SHA-256-sess',
  'algorithm=', 'nc=', 'opaque=""', 'stale=true', 'multipart/mixed;boundary=', 'application/sdp', '--', 'INVITE', 'ACK',
  'REGISTER', 'NOTIFY', '"Display \\" Name" ', '<sip:a@b>', 'Messages-Waiting: yes', 'Voice-Message: ', 'Signal=',
  'REFER', 'Refer-To: ', 'r: ', 'Referred-By: ', 'b: ', '?Replaces=', ';method=INVITE', 'message/sipfrag;version=2.0', 'refer;id=',
];

const SDP_TOKENS = [
  'v=0', 'o=- 1 1 IN IP4 ', 's=-', 'c=IN IP4 ', 'c=IN IP6 ', 'IN IP4 0.0.0.0', '224.2.1.1/127/3', 't=0 0', 'r=', 'z=', 'k=', 'b=AS:',
  'm=audio ', 'm=video ', 'm=audio 0 ', ' RTP/AVP ', ' RTP/SAVP ', ' UDP/TLS/RTP/SAVPF ', 'a=rtpmap:', 'a=fmtp:', 'a=ptime:',
  'a=maxptime:', 'a=rtcp:', 'a=sendonly', 'a=recvonly', 'a=inactive', 'a=sendrecv', 'PCMU/8000', 'PCMA/8000', '/8000/2',
  'telephone-event/8000', 'telephone-event/16000', '0-15', '0-16,66', '255-0', 'CN/8000', 'G729/8000', ' 101', ' 127', ' 128',
];

const BINARY_TOKENS = [
  '\x80', '\x90', '\xa0', '\xbf', '\x00\x00', '\xff\xff', '\x7f\xff', '\x80\x00', '\xff\xff\xff\xff', '\x00\x00\x00\x00',
  '\x80\xc8', '\x80\xc9', '\x81\xca', '\x81\xcb', '\x80\xcc', '\x80\xcd', '\x80\xcf', '\xbe\xde', '\x01\x05alice', '\x00',
];

export function dictionaryFor(kind: FuzzKind): readonly string[] {
  switch (kind) {
    case 'sip':
    case 'stream':
      return [...SEPARATORS, ...SIP_TOKENS];
    case 'sdp':
      return [...SEPARATORS, ...SDP_TOKENS];
    case 'rtp':
    case 'rtcp':
      return BINARY_TOKENS;
  }
}

/** Numbers that sit on limits: zero, negative, 16/31/32/53-bit edges, leading zeros, exponents. */
export const INTERESTING_NUMBERS = [
  '0', '-1', '-0', '1', '+1', '00000000000000000001', '255', '256', '65535', '65536', '2147483647', '2147483648', '4294967295',
  '4294967296', '9007199254740993', '1e9', '0x10', '1.5', '.5', '99999999999999999999', 'NaN', 'Infinity',
];

/** Octets chosen for byte overwrites: control characters, delimiters, UTF-8 lead bytes. */
export const INTERESTING_OCTETS = [0x00, 0x09, 0x0a, 0x0d, 0x20, 0x22, 0x25, 0x2c, 0x3a, 0x3b, 0x3c, 0x3e, 0x5c, 0x7f, 0x80, 0xc0, 0xff];
