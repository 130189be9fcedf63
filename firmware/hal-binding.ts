// Turns the one native function a host provides (`__hal`, see HOST_CALLS in the contract)
// into the typed Hal the firmware uses, and the host's positional event arguments (see
// EVENT_FIELDS) into HalEvent objects.

import { BINARY_ARGS, EVENT_FIELDS, HOST_CALLS, JSON_ARGS } from '../hal/contract.ts';
import { binaryToBytes, bytesToBinary } from './util/utf8.ts';
import { recallOctets, rememberOctets } from './util/octet-memo.ts';
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
  if (typeof v !== 'string') return v;
  // A frame or packet the firmware just made from octets: hand those over (the host only reads them).
  const known = recallOctets(v);
  if (known !== null && known.byteOffset === 0 && known.byteLength === known.buffer.byteLength) return known.buffer;
  return binaryToBytes(v).buffer;
}

/**
 * An ArrayBuffer argument as a byte string that remembers its octets (the media path reads them
 * back). Safe without a copy: an event's ArrayBuffer is the VM's own (both hosts copy into it)
 * and nothing else holds it.
 */
function binaryOf(buffer: ArrayBuffer): string {
  const bytes = new Uint8Array(buffer);
  const bin = bytesToBinary(bytes);
  rememberOctets(bin, bytes);
  return bin;
}

/** How one positional event argument is decoded: as is, as octets, as JSON. */
const PLAIN = 0;
const OCTETS = 1;
const JSON_TEXT = 2;

interface EventShape {
  names: string[];
  kinds: number[];
}

/** EVENT_FIELDS parsed once ('data:bin' → name 'data', kind OCTETS): no string work per event. */
const SHAPES = new Map<string, EventShape>();
for (const [type, fields] of Object.entries(EVENT_FIELDS) as Array<[string, readonly string[]]>) {
  const names: string[] = [];
  const kinds: number[] = [];
  for (const f of fields) {
    const colon = f.indexOf(':');
    names.push(colon === -1 ? f : f.slice(0, colon));
    kinds.push(colon === -1 ? PLAIN : f.endsWith(':bin') ? OCTETS : JSON_TEXT);
  }
  SHAPES.set(type, { names, kinds });
}

/** Rebuilds a HalEvent from quip.event(type, a, b, c, d); null for an unknown type. */
export function decodeEvent(type: string, args: unknown[]): HalEvent | null {
  const shape = SHAPES.get(type);
  if (shape === undefined) return null;
  const ev: Record<string, unknown> = { type };
  const { names, kinds } = shape;
  for (let i = 0; i < names.length; i++) {
    const v = args[i];
    const kind = kinds[i];
    if (kind === PLAIN) ev[names[i]!] = v;
    else if (kind === OCTETS) ev[names[i]!] = v instanceof ArrayBuffer ? binaryOf(v) : v;
    else ev[names[i]!] = typeof v === 'string' ? JSON.parse(v) : v;
  }
  return ev as unknown as HalEvent;
}
