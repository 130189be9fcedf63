// SIP transactions (RFC 3261 §17): client and server state machines and the layer that matches them.
export { TransactionLayer, serverKey } from './transaction-layer.ts';
export type { TransactionUser, LayerOptions, RequestOptions } from './transaction-layer.ts';
export { ClientTransaction } from './client-transaction.ts';
export type { ClientHandlers, ClientState } from './client-transaction.ts';
export { ServerTransaction } from './server-transaction.ts';
export type { ServerState } from './server-transaction.ts';
export { DEFAULT_TIMERS } from './timers.ts';
export type { TimerConfig } from './timers.ts';
