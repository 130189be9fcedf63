// RTCP target: one datagram on the RTCP port, as RtpStream.onRtcp takes it: readRtcpBinary
// (never throws), sender reports into the reception statistics, round-trip times from
// report blocks. What parsed and re-encodes must parse again.

import { ReceptionStats, isRtcpBinary, readRtcp, readRtcpBinary, roundTripMs, writeRtcp } from '../../../firmware/rtp/rtcp.ts';
import type { Outcome } from '../protocol.ts';
import { invariant } from './checks.ts';

/** A wall clock around 2024 in ms, for round-trip times against the reports' LSR. */
const NOW_MS = 1.7e12;

export function fuzzRtcp(input: string): Outcome {
  isRtcpBinary(input);
  const packets = readRtcpBinary(input);
  if (packets === null) return 'rejected';
  const stats = new ReceptionStats();
  for (const p of packets) {
    if (p.type === 'sr') stats.onSenderReport(p.sender.ntpSeconds, p.sender.ntpFraction, 5000);
    if (p.type === 'sr' || p.type === 'rr') for (const block of p.reports) roundTripMs(block, NOW_MS);
  }
  stats.reportBlock(1, 6000);
  let bytes: Uint8Array;
  try {
    bytes = writeRtcp(packets);
  } catch (e) {
    // Documented: values read from the wire may not be writable (e.g. text that grew in UTF-8).
    if (e instanceof RangeError) return 'accepted';
    throw e;
  }
  invariant(readRtcp(bytes) !== null, 'writeRtcp(readRtcp(p)) does not parse');
  return 'accepted';
}
