// Bounds that keep hostile input from eating a phone's memory. Sized for real traffic:
// a big INVITE with SDP is ~2-4 KiB; RFC 3261 §18.1.1 moves anything near the MTU to TCP.
export const MAX_MESSAGE_BYTES = 65535;
export const MAX_HEADERS = 256;
export const MAX_LIST_ITEMS = 128;
export const MAX_PARAMS = 64;
/** Largest value of a 32-bit unsigned field (CSeq, Expires, RSeq). */
export const MAX_UINT32 = 4294967295;
