// Answers 401/407 challenges (RFC 3261 §22.2, §22.3) by adding Authorization or
// Proxy-Authorization to the retried request. A second challenge for the same realm that is
// not marked stale means the password is wrong: the caller must give up then.

import type { Hal } from '../../hal/contract.ts';
import {
  NonceCounter, buildAuthorization, isStale, pickChallenge, toHex,
} from '../sip/digest.ts';
import type { DigestHash } from '../sip/digest.ts';
import { formatCredentials } from '../sip/index.ts';
import type { SipMessage } from '../sip/index.ts';

export class Authenticator {
  private readonly counter = new NonceCounter();
  private readonly hash: DigestHash;

  constructor(private readonly hal: Hal) {
    this.hash = (alg, data) => (alg === 'MD5' ? hal.crypto.md5(data) : hal.crypto.sha256(data));
  }

  /**
   * Adds credentials for the challenge in `res` to `req` (which the caller then resends with a
   * new CSeq). Returns false when there is nothing usable, or the same realm already failed.
   */
  authorize(req: SipMessage, res: SipMessage, username: string, password: string): boolean {
    const proxy = res.status === 407;
    const challengeHeader = proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate';
    const answerHeader = proxy ? 'Proxy-Authorization' : 'Authorization';
    let challenges;
    try {
      challenges = res.auth(challengeHeader);
    } catch {
      return false;
    }
    const challenge = pickChallenge(challenges);
    if (challenge === null) return false;
    const realm = challenge.params.get('realm');
    // Did we already answer this realm in the request that got challenged?
    let answered = false;
    try {
      answered = req.auth(answerHeader).some((c) => c.params.get('realm') === realm);
    } catch {
      answered = false;
    }
    if (answered && !isStale(challenge)) return false;
    req.remove(answerHeader);
    const nonce = challenge.params.get('nonce')!;
    const creds = buildAuthorization({
      challenge,
      method: req.method,
      uri: req.uri,
      username,
      password,
      hash: this.hash,
      cnonce: toHex(this.hal.crypto.randomBytes(8)),
      nc: this.counter.next(nonce),
      body: req.body,
    });
    req.add(answerHeader, formatCredentials(creds, 'credentials'));
    return true;
  }
}
