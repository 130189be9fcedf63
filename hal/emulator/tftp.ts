// TFTP packets (RFC 1350) with option negotiation (RFC 2347) — the codec shared by the phone's
// update endpoint (tftp-server.ts) and the `quip flash --to udp://` client (scripts/flash-net.ts).
// Only what a firmware upload needs: WRQ/RRQ, DATA, ACK, ERROR, OACK; octet mode.

export const OP = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;

/** RFC 1350 §5 error codes, plus RFC 2347's option refusal. */
export const TFTP_ERROR = {
  undefined: 0,
  notFound: 1,
  accessViolation: 2,
  diskFull: 3,
  illegalOperation: 4,
  unknownTid: 5,
  fileExists: 6,
  noSuchUser: 7,
  badOptions: 8,
} as const;

export const DEFAULT_BLKSIZE = 512;
/** RFC 2348's range. */
export const MIN_BLKSIZE = 8;
export const MAX_BLKSIZE = 65464;

export type TftpPacket =
  | { op: typeof OP.RRQ | typeof OP.WRQ; filename: string; mode: string; options: Record<string, string> }
  | { op: typeof OP.DATA; block: number; data: Uint8Array }
  | { op: typeof OP.ACK; block: number }
  | { op: typeof OP.ERROR; code: number; message: string }
  | { op: typeof OP.OACK; options: Record<string, string> };

/** A datagram that is not a TFTP packet; the message says why. */
export class TftpPacketError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TftpPacketError';
  }
}

const latin1 = new TextDecoder('latin1');

/** NUL-terminated strings from `bytes`; every one must be terminated. */
function strings(bytes: Uint8Array, what: string): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < bytes.byteLength) {
    const nul = bytes.indexOf(0, start);
    if (nul < 0) throw new TftpPacketError(`${what}: a string is not NUL-terminated`);
    out.push(latin1.decode(bytes.subarray(start, nul)));
    start = nul + 1;
  }
  return out;
}

/** Option name/value pairs; names are case-insensitive (RFC 2347), so they are lower-cased. */
function optionsFrom(list: string[], what: string): Record<string, string> {
  if (list.length % 2 !== 0) throw new TftpPacketError(`${what}: option "${list[list.length - 1]}" has no value`);
  const options: Record<string, string> = {};
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i]!.toLowerCase();
    if (name === '' || name in options) throw new TftpPacketError(`${what}: empty or repeated option "${name}"`);
    options[name] = list[i + 1]!;
  }
  return options;
}

export function decodePacket(bytes: Uint8Array): TftpPacket {
  if (bytes.byteLength < 4) throw new TftpPacketError(`packet too short (${bytes.byteLength} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const op = view.getUint16(0);
  const rest = bytes.subarray(2);
  switch (op) {
    case OP.RRQ:
    case OP.WRQ: {
      const what = op === OP.WRQ ? 'write request' : 'read request';
      const [filename, mode, ...opts] = strings(rest, what);
      if (!filename || mode === undefined) throw new TftpPacketError(`${what}: expected a file name and a mode`);
      return { op, filename, mode: mode.toLowerCase(), options: optionsFrom(opts, what) };
    }
    case OP.DATA:
      return { op, block: view.getUint16(2), data: bytes.subarray(4) };
    case OP.ACK:
      if (bytes.byteLength !== 4) throw new TftpPacketError(`ACK of ${bytes.byteLength} bytes, expected 4`);
      return { op, block: view.getUint16(2) };
    case OP.ERROR: {
      const text = bytes.subarray(4);
      const nul = text.indexOf(0);
      // Lenient: a missing NUL still carries a readable message.
      return { op, code: view.getUint16(2), message: new TextDecoder().decode(nul < 0 ? text : text.subarray(0, nul)) };
    }
    case OP.OACK:
      return { op, options: optionsFrom(strings(rest, 'option acknowledgement'), 'option acknowledgement') };
    default:
      throw new TftpPacketError(`unknown opcode ${op}`);
  }
}

function withOp(op: number, body: Uint8Array): Uint8Array {
  const packet = new Uint8Array(2 + body.byteLength);
  new DataView(packet.buffer).setUint16(0, op);
  packet.set(body, 2);
  return packet;
}

function nulStrings(list: string[]): Uint8Array {
  return new TextEncoder().encode(list.map((s) => `${s}\0`).join(''));
}

export function encodeRequest(op: typeof OP.RRQ | typeof OP.WRQ, filename: string, mode: string, options: Record<string, string> = {}): Uint8Array {
  return withOp(op, nulStrings([filename, mode, ...Object.entries(options).flat()]));
}

export function encodeData(block: number, data: Uint8Array): Uint8Array {
  const packet = new Uint8Array(4 + data.byteLength);
  const view = new DataView(packet.buffer);
  view.setUint16(0, OP.DATA);
  view.setUint16(2, block & 0xffff);
  packet.set(data, 4);
  return packet;
}

export function encodeAck(block: number): Uint8Array {
  const packet = new Uint8Array(4);
  const view = new DataView(packet.buffer);
  view.setUint16(0, OP.ACK);
  view.setUint16(2, block & 0xffff);
  return packet;
}

/** Longest error text sent: the packet stays well under the 512-byte default block. */
const MAX_ERROR_TEXT = 400;

export function encodeError(code: number, message: string): Uint8Array {
  let text = new TextEncoder().encode(message);
  for (let keep = MAX_ERROR_TEXT - 3; text.byteLength > MAX_ERROR_TEXT; keep -= 16) {
    text = new TextEncoder().encode(message.slice(0, keep) + '...');
  }
  const packet = new Uint8Array(4 + text.byteLength + 1);
  const view = new DataView(packet.buffer);
  view.setUint16(0, OP.ERROR);
  view.setUint16(2, code);
  packet.set(text, 4);
  return packet;
}

export function encodeOack(options: Record<string, string>): Uint8Array {
  return withOp(OP.OACK, nulStrings(Object.entries(options).flat()));
}
