// Value types for the parsed SIP headers a phone uses. Plain data: cheap to build,
// easy to compare in tests, and serializable back to the wire by serializer.ts.

/** URI parameters and header parameters keep their order; a valueless param maps to null. */
export type Params = Map<string, string | null>;

/** A SIP or SIPS URI (RFC 3261 §19.1). Components are kept as on the wire (still %-escaped). */
export interface SipUri {
  scheme: 'sip' | 'sips';
  user: string | null;
  password: string | null;
  /** Host name, IPv4 address, or IPv6 reference including its brackets. */
  host: string;
  port: number | null;
  params: Params;
  /** `?name=value&...` part; empty when absent. */
  headers: Array<[string, string]>;
}

/** A tel URI (RFC 3966). */
export interface TelUri {
  scheme: 'tel';
  number: string;
  params: Params;
}

/** Any other absolute URI: the scheme and the rest, opaque. */
export interface OtherUri {
  scheme: string;
  opaque: string;
}

export type Uri = SipUri | TelUri | OtherUri;

/** name-addr / addr-spec with header params: From, To, Contact, Route, Record-Route, ... */
export interface NameAddr {
  displayName: string | null;
  uri: Uri;
  /** The URI text exactly as it appeared. */
  uriText: string;
  params: Params;
}

/** From and To: a NameAddr with the tag lifted out for convenience. */
export interface AddressHeader extends NameAddr {
  tag: string | null;
}

/** Contact: either `*` or a list of addresses with optional expires and q. */
export interface Contact extends NameAddr {
  expires: number | null;
  q: number | null;
}

export interface Via {
  protocol: string; // "SIP/2.0"
  transport: string; // upper case: UDP, TCP, TLS, SCTP, WS, ...
  host: string;
  port: number | null;
  params: Params;
  branch: string | null;
  received: string | null;
  /** rport: null when absent, true when present without a value, a number when filled in. */
  rport: number | true | null;
  maddr: string | null;
  ttl: number | null;
}

export interface CSeq {
  seq: number;
  method: string;
}

/** WWW-Authenticate / Proxy-Authenticate / Authorization / Proxy-Authorization. */
export interface Credentials {
  scheme: string; // "Digest" for the digest scheme; other schemes are kept opaque
  params: Map<string, string>; // keys lower case, quoted values unquoted
}

export interface ContentType {
  type: string; // lower case, e.g. "application"
  subtype: string; // lower case, e.g. "sdp"
  params: Params;
}

export interface RAck {
  rseq: number;
  cseq: number;
  method: string;
}

export interface EventHeader {
  event: string;
  params: Params;
}

export interface SubscriptionState {
  state: string; // active, pending, terminated
  expires: number | null;
  reason: string | null;
  retryAfter: number | null;
  params: Params;
}

/** Session-Expires (RFC 4028): refresher is null when the header leaves it open. */
export interface SessionExpires {
  delta: number;
  refresher: 'uac' | 'uas' | null;
  params: Params;
}
