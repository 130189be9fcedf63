// SIP transport (RFC 3261 §18): datagrams and streams to and from peers, Via stamping.
export type { Peer, TransportName } from './peer.ts';
export { peerKey, isReliable, transportOf } from './peer.ts';
export { SipTransport } from './sip-transport.ts';
export type { Transport, TransportOptions, TransportEvents } from './sip-transport.ts';
export { stampVia, responseDestination } from './via-stamp.ts';
