// The host half of the VM boundary: implements the native `__hal(op, ...)` function on
// top of a typed Hal object, and encodes HalEvents as quip.event(type, ...) arguments.
// Mirrors firmware/hal-binding.ts through the same HOST_CALLS / EVENT_FIELDS tables.

import { EVENT_FIELDS, HOST_CALLS } from '../contract.ts';
import type { Hal, HalEvent, HostCall } from '../contract.ts';

export type Primitive = string | number | boolean | null | undefined;

/** Calls `op` on the Hal with decoded arguments; the result encoded for the VM. */
export function callHost(hal: Hal, op: string, args: Primitive[]): Primitive {
  const kind = (HOST_CALLS as Record<string, string | undefined>)[op];
  if (kind === undefined) throw new Error(`unknown HAL call '${op}'`);
  const dot = op.indexOf('.');
  const group = (hal as unknown as Record<string, Record<string, unknown>>)[op.slice(0, dot)];
  const fn = group?.[op.slice(dot + 1)];
  if (typeof fn !== 'function') return undefined; // optional function the host lacks (audio.tone)
  let decoded: unknown[] = args;
  if (op === 'system.emit' || op === 'audio.tone') decoded = [parseJson(args[0])];
  const r = (fn as (...a: unknown[]) => unknown).apply(group, decoded);
  if (kind === 'void') return undefined;
  if (kind === 'json') return JSON.stringify(r);
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
    out.push(colon === -1 ? (rec[f] as Primitive) : JSON.stringify(rec[f.slice(0, colon)]));
  }
  return out;
}

export type { HostCall };
