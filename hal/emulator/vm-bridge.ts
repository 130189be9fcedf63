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

/** Calls `op` on the Hal with decoded arguments; the result encoded for the VM. */
export function callHost(hal: Hal, op: string, args: Primitive[]): Primitive {
  const kind = (HOST_CALLS as Record<string, string | undefined>)[op];
  if (kind === undefined) throw new Error(`unknown HAL call '${op}'`);
  const dot = op.indexOf('.');
  const group = (hal as unknown as Record<string, Record<string, unknown>>)[op.slice(0, dot)];
  const fn = group?.[op.slice(dot + 1)];
  if (typeof fn !== 'function') return undefined; // optional function the host lacks (audio.tone)
  let decoded: unknown[] = args.map((a) => (a instanceof Uint8Array ? Buffer.from(a).toString('latin1') : a));
  if (JSON_ARGS[op as HostCall] === true) decoded = [parseJson(args[0] as Primitive)];
  const r = (fn as (...a: unknown[]) => unknown).apply(group, decoded);
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

/** Positional arguments for quip.event(type, ...). */
export function encodeEvent(ev: HalEvent): Primitive[] {
  const fields = EVENT_FIELDS[ev.type];
  const out: Primitive[] = [ev.type];
  const rec = ev as unknown as Record<string, unknown>;
  for (const f of fields) {
    const colon = f.indexOf(':');
    if (colon === -1) out.push(rec[f] as Primitive);
    else if (f.endsWith(':bin')) out.push(Buffer.from(String(rec[f.slice(0, colon)]), 'latin1'));
    else out.push(JSON.stringify(rec[f.slice(0, colon)]));
  }
  return out;
}

export type { HostCall };
