// The input kinds the fuzzer knows, shared by the host (mutation, reports) and the in-VM targets.

export type FuzzKind = 'sip' | 'stream' | 'sdp' | 'rtp' | 'rtcp';

export const FUZZ_KINDS: readonly FuzzKind[] = ['sip', 'stream', 'sdp', 'rtp', 'rtcp'];

/** What each kind exercises, for --help and reports. */
export const KIND_DESCRIPTIONS: Readonly<Record<FuzzKind, string>> = {
  sip: 'a SIP datagram: parse, validate, typed headers, 400/200 answers, round trip, digest, bodies',
  stream: 'a TCP stream: StreamFramer in random chunks, then each framed message as for sip',
  sdp: 'SDP: parse, accessors, createAnswer (PCMU/PCMA/telephone-event), applyAnswer, round trip',
  rtp: 'an RTP datagram: readRtpBinary, reception stats, jitter buffer, G.711, DtmfReceiver',
  rtcp: 'an RTCP datagram: readRtcpBinary, sender reports, round-trip times, re-encoding',
};

/** Share of the inputs each kind gets when several run: SIP has the most grammar to cover. */
export const KIND_WEIGHTS: Readonly<Record<FuzzKind, number>> = { sip: 4, stream: 2, sdp: 2, rtp: 1, rtcp: 1 };

export function isFuzzKind(name: string): name is FuzzKind {
  return (FUZZ_KINDS as readonly string[]).includes(name);
}
