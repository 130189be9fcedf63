// The host half of the VM boundary: implements the native `__hal(op, ...)` function on
// top of a typed Hal object, and encodes HalEvents as quip.event(type, ...) arguments.
// Mirrors firmware/hal-binding.ts through the same HOST_CALLS / BINARY_ARGS / JSON_ARGS /
// EVENT_FIELDS tables.

import { BINARY_ARGS, EVENT_FIELDS, HOST_CALLS, JSON_ARGS } from '../contract.ts';
import type { Hal, HalEvent, HostCall } from '../contract.ts';

/** What crosses the VM boundary; Uint8Array stands for an ArrayBuffer of octets. */
export type Primitive = string | number | boolean | null | undefined | Uint8Array;

/** Which argument of a host call is octets (the runtime reads it as an ArrayBuffer). */
export function binaryArgument(op: string): number | undefined {
  return (BINARY_ARGS as Record<string, number | undefined>)[op];
}

/** A host call's name split once and its contract looked up once (callHost runs per frame). */
interface CallShape {
  group: string;
  name: string;
  kind: string;
  json: boolean;
}

const CALL_SHAPES = new Map<string, CallShape>();
for (const [op, kind] of Object.entries(HOST_CALLS)) {
  const dot = op.indexOf('.');
  CALL_SHAPES.set(op, { group: op.slice(0, dot), name: op.slice(dot + 1), kind, json: JSON_ARGS[op as HostCall] === true });
}

/** Calls `op` on the Hal with decoded arguments; the result encoded for the VM. */
export function callHost(hal: Hal, op: string, args: Primitive[]): Primitive {
  const shape = CALL_SHAPES.get(op);
  if (shape === undefined) throw new Error(`unknown HAL call '${op}'`);
  const group = (hal as unknown as Record<string, Record<string, unknown>>)[shape.group];
  const fn = group?.[shape.name];
  if (typeof fn !== 'function') return undefined; // optional function the host lacks (audio.tone)
  let decoded: unknown[] = args;
  for (let i = 0; i < args.length; i++) {
    if (!(args[i] instanceof Uint8Array)) continue;
    decoded = args.map((a) => (a instanceof Uint8Array ? Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('latin1') : a));
    break;
  }
  if (shape.json) decoded = [parseJson(args[0] as Primitive)];
  const r = (fn as (...a: unknown[]) => unknown).apply(group, decoded);
  const kind = shape.kind;
  if (kind === 'void') return undefined;
  if (kind === 'json') return JSON.stringify(r);
  if (kind === 'bin') return typeof r === 'string' ? Buffer.from(r, 'latin1') : (r as Primitive);
  return r as Primitive;
}

function parseJson(v: Primitive): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** EVENT_FIELDS parsed once: each field's name and whether it is octets, JSON or as is. */
const EVENT_SHAPES = new Map<string, Array<{ name: string; kind: 'plain' | 'bin' | 'json' }>>();
for (const [type, fields] of Object.entries(EVENT_FIELDS) as Array<[string, readonly string[]]>) {
  EVENT_SHAPES.set(type, fields.map((f) => {
    const colon = f.indexOf(':');
    if (colon === -1) return { name: f, kind: 'plain' as const };
    return { name: f.slice(0, colon), kind: f.endsWith(':bin') ? ('bin' as const) : ('json' as const) };
  }));
}

/** A byte string's octets in a buffer of their own (not a slice of Buffer's shared pool). */
function octetsOf(bin: string): Uint8Array {
  const b = Buffer.allocUnsafeSlow(bin.length);
  b.write(bin, 'latin1');
  return b;
}

/** Positional arguments for quip.event(type, ...). */
export function encodeEvent(ev: HalEvent): Primitive[] {
  const fields = EVENT_SHAPES.get(ev.type)!;
  const out: Primitive[] = [ev.type];
  const rec = ev as unknown as Record<string, unknown>;
  for (const f of fields) {
    const v = rec[f.name];
    if (f.kind === 'plain') out.push(v as Primitive);
    else if (f.kind === 'bin') out.push(octetsOf(String(v)));
    else out.push(JSON.stringify(v));
  }
  return out;
}

export type { HostCall };
