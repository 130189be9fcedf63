// The input kinds the fuzzer knows, shared by the host (mutation, reports) and the in-VM targets.

export type FuzzKind = 'sip' | 'stream' | 'sdp' | 'rtp' | 'rtcp';

export const FUZZ_KINDS: readonly FuzzKind[] = ['sip', 'stream', 'sdp', 'rtp', 'rtcp'];

/** What each kind exercises, for --help and reports. */
export const KIND_DESCRIPTIONS: Readonly<Record<FuzzKind, string>> = {
  sip: 'one SIP datagram: parseMessage, validate, every typed header, 400 answer, serialize + reparse, digest, bodies',
  stream: 'a TCP byte stream: StreamFramer in random chunks, then every framed message as for sip',
  sdp: 'SDP text: parseSdp, attribute accessors, createAnswer (PCMU/PCMA/telephone-event), applyAnswer, serialize + reparse',
  rtp: 'one RTP datagram: readRtpBinary, reception stats, jitter buffer, G.711 decode, RFC 4733 DtmfReceiver',
  rtcp: 'one RTCP datagram: readRtcpBinary, round-trip time, sender reports',
};

/** Share of the inputs each kind gets when several run: SIP has the most grammar to cover. */
export const KIND_WEIGHTS: Readonly<Record<FuzzKind, number>> = { sip: 4, stream: 2, sdp: 2, rtp: 1, rtcp: 1 };

export function isFuzzKind(name: string): name is FuzzKind {
  return (FUZZ_KINDS as readonly string[]).includes(name);
}
