// Digest with hostile challenges and credentials: the UA answers the challenge it picks, and
// its own answer must verify; the registrar checks incoming credentials and must never throw.

import type { SipMessage } from '../../../firmware/sip/message.ts';
import {
  buildAuthorization, isStale, pickChallenge, pickChallenges, qopOptions, verifyAuthorization,
} from '../../../firmware/sip/digest.ts';
import type { DigestAlgorithm } from '../../../firmware/sip/digest.ts';
import { formatCredentials, parseCredentials } from '../../../firmware/sip/auth-header.ts';
import { InvariantError, allowSipError, invariant } from './checks.ts';

const PASSWORD = 'secret';

/** Stands in for MD5/SHA-256: deterministic and cheap; digest logic does not care. */
function fakeHash(algorithm: DigestAlgorithm, data: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data.charCodeAt(i), 0x01000193);
  const hex = ('0000000' + (h >>> 0).toString(16)).slice(-8);
  return hex.repeat(algorithm === 'MD5' ? 4 : 8);
}

export function answerChallenges(msg: SipMessage): void {
  for (const name of ['WWW-Authenticate', 'Proxy-Authenticate'] as const) {
    const challenges = msg.auth(name);
    for (const c of challenges) {
      isStale(c);
      qopOptions(c);
    }
    pickChallenges(challenges);
    const challenge = pickChallenge(challenges);
    if (challenge === null) continue;
    const method = msg.kind === 'request' ? msg.method : msg.cseq()?.method ?? 'REGISTER';
    const uri = 'sip:registrar.example.com';
    const creds = buildAuthorization({
      challenge, method, uri, username: 'alice', password: PASSWORD, hash: fakeHash, cnonce: '0a4f113b', nc: 1,
    });
    const text = formatCredentials(creds, 'credentials');
    let back;
    try {
      back = parseCredentials(text, 'Authorization');
    } catch (e) {
      throw new InvariantError(`our Authorization does not parse: ${allowSipError(e).message}`);
    }
    const ok = verifyAuthorization({ credentials: back, method, hash: fakeHash, password: PASSWORD, requestUri: uri });
    invariant(ok, `our answer to a challenge does not verify: ${text.slice(0, 160)}`);
  }
}

export function checkCredentialsOf(msg: SipMessage): void {
  if (msg.kind !== 'request') return;
  for (const name of ['Authorization', 'Proxy-Authorization'] as const) {
    for (const credentials of msg.auth(name)) {
      verifyAuthorization({ credentials, method: msg.method, hash: fakeHash, password: PASSWORD, requestUri: msg.uri });
      verifyAuthorization({ credentials, method: msg.method, hash: fakeHash, ha1: 'ab'.repeat(16), realm: 'example.com' });
    }
  }
}
