// The SIP message core (RFC 3261 §7, §19, §20, §22, §25): messages, URIs, headers, digest.
// Transport and transactions have their own entries: sip/transport/index.ts, sip/transaction/index.ts.
export { SipParseError, badHeader } from './errors.ts';
export type { SipErrorCode } from './errors.ts';
export { SipMessage } from './message.ts';
export type { HeaderField, AuthHeaderName } from './message.ts';
export { parseMessage } from './parser.ts';
export type { ParseOptions } from './parser.ts';
export { serializeMessage } from './serializer.ts';
export type { SerializeOptions } from './serializer.ts';
export { StreamFramer } from './stream-framer.ts';
export type { Frames } from './stream-framer.ts';
export { createResponse } from './response.ts';
export { reasonPhrase } from './reason-phrases.ts';
export { parseUri, formatUri, isSipUri, isTelUri, isIpv4, isIpv6 } from './uri.ts';
export { uriEquals } from './uri-compare.ts';
export { unescapeOnce } from './escape.ts';
export { parseNameAddr, formatNameAddr, withoutTag, uriInBrackets } from './name-addr.ts';
export { parseVia, formatVia, BRANCH_COOKIE } from './via.ts';
export { parseCredentials, formatCredentials } from './auth-header.ts';
export { canonicalName, compactName, isListHeader } from './header-names.ts';
export { isKnownMethod, KNOWN_METHODS } from './methods.ts';
export { quote, unquote } from './scanner.ts';
export * from './limits.ts';
export type * from './types.ts';
export { parseMultipart } from './multipart.ts';
export type { BodyPart } from './multipart.ts';
export type { SipClock } from './clock.ts';
export { pickChallenge, pickChallenges, isStale, qopOptions, parseAlgorithm, buildAuthorization, computeResponse, verifyAuthorization, ha1, formatNc, parseNc, toHex, constantTimeEqual, NonceCounter, type DigestAlgorithm, type DigestHash, type Qop, type AlgorithmSpec, type Ha1Input, type ResponseInput, type AuthorizationInput, type VerifyInput } from './digest.ts';
