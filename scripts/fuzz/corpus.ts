// The seed corpus, per kind: the RFC 4475 torture messages (valid and invalid), the RFC 3665
// and RFC 3666 call-flow messages, the hand-made samples, and streams and SDP bodies made
// from them. Everything is a byte string (one char per octet).

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FuzzKind } from './kinds.ts';
import { RTCP_SAMPLES, RTP_SAMPLES, SDP_SAMPLES, SIP_SAMPLES } from './seed-samples.ts';

export type Corpus = Readonly<Record<FuzzKind, readonly string[]>>;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURE_DIRS: ReadonlyArray<readonly [string, string]> = [
  ['test/fixtures/rfc4475', '.dat'],
  ['test/fixtures/rfc3665', '.sip'],
  ['test/fixtures/rfc3666', '.sip'],
];

function readFixtures(dir: string, ext: string): string[] {
  const abs = path.join(repoRoot, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs)
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => readFileSync(path.join(abs, f)).toString('latin1'));
}

/** The body of a SIP message that carries SDP (by its first line, to include broken ones). */
function sdpBody(message: string): string | null {
  const end = message.indexOf('\r\n\r\n');
  const body = end === -1 ? '' : message.slice(end + 4);
  return body.startsWith('v=0') ? body : null;
}

/** TCP streams: a message alone, behind keep-alives, and two or three back to back. */
function streams(messages: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < messages.length; i++) {
    const a = messages[i]!;
    const b = messages[(i + 1) % messages.length]!;
    const c = messages[(i + 7) % messages.length]!;
    out.push(a, '\r\n\r\n' + a + '\r\n', a + b, a + '\r\n\r\n' + b + c);
  }
  return out;
}

export function loadCorpus(): Corpus {
  const sip = [...FIXTURE_DIRS.flatMap(([dir, ext]) => readFixtures(dir, ext)), ...SIP_SAMPLES];
  const bodies = sip.map(sdpBody).filter((b): b is string => b !== null);
  return {
    sip,
    stream: streams(sip),
    sdp: [...SDP_SAMPLES, ...new Set(bodies)],
    rtp: RTP_SAMPLES,
    rtcp: RTCP_SAMPLES,
  };
}
