// Turns the one native function a host provides (`__hal`, see HOST_CALLS in the contract)
// into the typed Hal the firmware uses, and the host's positional event arguments (see
// EVENT_FIELDS) into HalEvent objects.

import { BINARY_ARGS, EVENT_FIELDS, HOST_CALLS, JSON_ARGS } from '../hal/contract.ts';
import { binaryToBytes, bytesToBinary } from './util/utf8.ts';
import type { Hal, HalEvent, HostCall } from '../hal/contract.ts';

export type NativeHal = (op: string, a?: unknown, b?: unknown, c?: unknown, d?: unknown) => unknown;

export function bindHal(native: NativeHal): Hal {
  const groups: Record<string, Record<string, (...args: unknown[]) => unknown>> = {};
  for (const op of Object.keys(HOST_CALLS) as HostCall[]) {
    const dot = op.indexOf('.');
    const group = op.slice(0, dot);
    const name = op.slice(dot + 1);
    const result = HOST_CALLS[op];
    const jsonArg = JSON_ARGS[op] === true;
    const bin = BINARY_ARGS[op];
    (groups[group] ??= {})[name] = (a?: unknown, b?: unknown, c?: unknown, d?: unknown) => {
      if (bin === 0) a = toBuffer(a);
      else if (bin === 1) b = toBuffer(b);
      const r = native(op, jsonArg ? JSON.stringify(a) : a, b, c, d);
      if (result === 'json') return typeof r === 'string' ? JSON.parse(r) : r;
      if (result === 'bin') return r instanceof ArrayBuffer ? bytesToBinary(new Uint8Array(r)) : r;
      return result === 'void' ? undefined : r;
    };
  }
  return groups as unknown as Hal;
}

/** A byte string as the ArrayBuffer the host reads octets from. */
function toBuffer(v: unknown): unknown {
  return typeof v === 'string' ? binaryToBytes(v).buffer : v;
}

/** Rebuilds a HalEvent from quip.event(type, a, b, c, d); null for an unknown type. */
export function decodeEvent(type: string, args: unknown[]): HalEvent | null {
  const fields = (EVENT_FIELDS as Record<string, readonly string[] | undefined>)[type];
  if (fields === undefined) return null;
  const ev: Record<string, unknown> = { type };
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const colon = f.indexOf(':');
    const v = args[i];
    if (colon === -1) ev[f] = v;
    else if (f.endsWith(':bin')) ev[f.slice(0, colon)] = v instanceof ArrayBuffer ? bytesToBinary(new Uint8Array(v)) : v;
    else ev[f.slice(0, colon)] = typeof v === 'string' ? JSON.parse(v) : v;
  }
  return ev as unknown as HalEvent;
}
