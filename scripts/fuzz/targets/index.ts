// The firmware entry points the fuzzer drives, one per input kind.

import type { TargetTable } from '../protocol.ts';
import { fuzzRtcp } from './rtcp.ts';
import { fuzzRtp } from './rtp.ts';
import { fuzzSdp } from './sdp.ts';
import { fuzzSip } from './sip.ts';
import { fuzzStream } from './stream.ts';

export const FIRMWARE_TARGETS: TargetTable = {
  sip: fuzzSip,
  stream: fuzzStream,
  sdp: fuzzSdp,
  rtp: fuzzRtp,
  rtcp: fuzzRtcp,
};
