// Answers 401/407 challenges (RFC 3261 §22.2, §22.3) by adding Authorization or
// Proxy-Authorization to the retried request. A second challenge for the same realm that is
// not marked stale means the password is wrong: the caller must give up then.

import type { Hal } from '../../hal/contract.ts';
import {
  NonceCounter, buildAuthorization, isStale, pickChallenge, toHex,
} from '../sip/digest.ts';
import type { DigestHash } from '../sip/digest.ts';
import { formatCredentials } from '../sip/index.ts';
import type { Credentials as Challenge, SipMessage } from '../sip/index.ts';

type AnswerHeader = 'Authorization' | 'Proxy-Authorization';

export class Authenticator {
  private readonly counter = new NonceCounter();
  private readonly hash: DigestHash;
  /** The last challenge of each realm we answered, by answer header and realm. */
  private readonly challenges = new Map<string, Challenge>();

  constructor(private readonly hal: Hal) {
    this.hash = (alg, data) => (alg === 'MD5' ? hal.crypto.md5(data) : hal.crypto.sha256(data));
  }

  /**
   * Adds credentials for the challenge in `res` to `req` (which the caller then resends with a
   * new CSeq). Returns false when there is nothing usable, or the same realm already failed.
   *
   * Credentials the request already carries for other realms are kept, and every one is
   * computed afresh: behind a proxy that challenges (407) a UAS or second proxy may challenge
   * too (401/407, its own realm), and the retry must answer both (RFC 3261 §22.3) — each with a
   * new nonce count, since a repeated nc is a replay the first proxy must refuse (RFC 7616
   * §3.4.5). Found with SIPp behind the lab proxy (test/interop/sipp.test.ts).
   */
  authorize(req: SipMessage, res: SipMessage, username: string, password: string): boolean {
    const proxy = res.status === 407;
    const challengeHeader = proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate';
    const answerHeader: AnswerHeader = proxy ? 'Proxy-Authorization' : 'Authorization';
    let challenges;
    try {
      challenges = res.auth(challengeHeader);
    } catch {
      return false;
    }
    const challenge = pickChallenge(challenges);
    if (challenge === null) return false;
    const realm = challenge.params.get('realm') ?? '';
    // Did we already answer this realm in the request that got challenged?
    const answered = carriedRealms(req, answerHeader).indexOf(realm) !== -1;
    if (answered && !isStale(challenge)) return false;
    this.challenges.set(`${answerHeader} ${realm}`, challenge);
    for (const header of ['Authorization', 'Proxy-Authorization'] as const) {
      const realms = carriedRealms(req, header);
      if (header === answerHeader && !answered) realms.push(realm);
      req.remove(header);
      for (const r of realms) {
        const ch = this.challenges.get(`${header} ${r}`);
        if (ch !== undefined) req.add(header, this.credentials(req, ch, username, password));
      }
    }
    return true;
  }

  private credentials(req: SipMessage, challenge: Challenge, username: string, password: string): string {
    const creds = buildAuthorization({
      challenge,
      method: req.method,
      uri: req.uri,
      username,
      password,
      hash: this.hash,
      cnonce: toHex(this.hal.crypto.randomBytes(8)),
      nc: this.counter.next(challenge.params.get('nonce')!),
      body: req.body,
    });
    return formatCredentials(creds, 'credentials');
  }
}

/** Realms the request carries credentials for in `header` (none when it will not parse). */
function carriedRealms(req: SipMessage, header: AnswerHeader): string[] {
  try {
    return req.auth(header).map((c) => c.params.get('realm') ?? '');
  } catch {
    return [];
  }
}
