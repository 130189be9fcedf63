// The SDP data model (RFC 4566). Plain data so tests can compare it and
// serialize.ts can write it back. Line order inside a section follows RFC 4566 §5;
// attributes and unknown lines keep the order they arrived in.

/** Media direction (RFC 3264 §5.1). */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address> */
export interface SdpOrigin {
  username: string;
  /** Decimal digits kept as text: values often exceed 2^53. */
  sessionId: string;
  /** Decimal digits kept as text; see incrementDecimal(). */
  sessionVersion: string;
  netType: string;
  addrType: string;
  address: string;
}

/** c=<nettype> <addrtype> <address>[/<ttl>][/<number of addresses>] */
export interface SdpConnection {
  netType: string;
  addrType: string;
  address: string;
  /** IP4 multicast TTL; null when absent (always null for IP6). */
  ttl: number | null;
  /** Number of consecutive multicast addresses; null when absent. */
  addressCount: number | null;
}

/** b=<bwtype>:<bandwidth> */
export interface SdpBandwidth {
  type: string;
  /** Usually kbit/s. */
  value: number;
}

/** r=<repeat interval> <active duration> <offsets...>; typed times kept as text ("7d", "3600"). */
export interface SdpRepeat {
  interval: string;
  duration: string;
  offsets: string[];
}

/** t=<start-time> <stop-time> plus the r= lines that follow it. NTP seconds as text. */
export interface SdpTiming {
  start: string;
  stop: string;
  repeats: SdpRepeat[];
}

/** One <adjustment time> <offset> pair of a z= line. */
export interface SdpTimeZone {
  time: string;
  offset: string;
}

/** a=<name> or a=<name>:<value>. value is null for property attributes. */
export interface SdpAttribute {
  name: string;
  value: string | null;
}

/** A line whose type letter this parser does not know; kept so it round-trips. */
export interface SdpLine {
  type: string;
  value: string;
}

/** m=<media> <port>[/<number of ports>] <proto> <fmt> ... and the lines after it. */
export interface SdpMedia {
  type: string;
  /** 0 means the stream is rejected or disabled (RFC 3264 §5.1, §6). */
  port: number;
  portCount: number | null;
  protocol: string;
  /** RTP payload type numbers as text, or other format tokens. */
  formats: string[];
  information: string | null;
  /** Media-level c= lines (more than one only for layered multicast). */
  connections: SdpConnection[];
  bandwidths: SdpBandwidth[];
  encryptionKey: string | null;
  attributes: SdpAttribute[];
  otherLines: SdpLine[];
}

/** A whole session description. */
export interface SdpSession {
  origin: SdpOrigin;
  sessionName: string;
  information: string | null;
  uri: string | null;
  emails: string[];
  phones: string[];
  connection: SdpConnection | null;
  bandwidths: SdpBandwidth[];
  timings: SdpTiming[];
  timeZones: SdpTimeZone[];
  encryptionKey: string | null;
  attributes: SdpAttribute[];
  otherLines: SdpLine[];
  media: SdpMedia[];
}

/** Anything that carries a= lines: the session or one media section. */
export interface SdpAttributeHolder {
  attributes: SdpAttribute[];
}
