// Call history in the HAL's storage: the last calls, newest first, and how many missed calls
// nobody has looked at yet. Storage outlives firmware updates, so a damaged or foreign record
// is dropped with a log line, never trusted and never a crash.

import type { StorageHal } from '../../hal/contract.ts';
import type { Call } from '../ua/call.ts';

export type CallOutcome = 'answered' | 'missed' | 'rejected' | 'cancelled' | 'failed';

export interface HistoryEntry {
  direction: 'in' | 'out';
  /** Who, as shown: the caller's name or address, or the number dialled. */
  remote: string;
  /** What to dial to call back: "alice@lab.example" or the number as dialled. */
  address: string;
  /** Wall-clock start, ms since the epoch. */
  start: number;
  /** Seconds connected (0 when never answered). */
  duration: number;
  outcome: CallOutcome;
  /** The SIP status that ended it (200 for a normal hang-up, 487 cancelled, 486 busy...). */
  status: number;
}

const KEY = 'call-history';
export const HISTORY_MAX = 20;
const OUTCOMES: readonly string[] = ['answered', 'missed', 'rejected', 'cancelled', 'failed'];
const MAX_REMOTE = 128;

/** What one ended call was, from the phone's point of view. */
export function outcomeOf(direction: 'in' | 'out', connected: boolean, status: number): CallOutcome {
  if (connected) return 'answered';
  if (direction === 'in') {
    if (status === 487) return 'missed'; // the caller gave up (or another phone took it)
    if (status === 486 || status === 603 || status === 600) return 'rejected';
    return 'failed';
  }
  if (status === 487) return 'cancelled'; // we hung up before it was answered
  return status === 486 || status === 600 || status === 603 ? 'rejected' : 'failed';
}

/** The entry for a call that just ended; `wallNow`/`monoNow` are the HAL clock's two readings. */
export function historyEntry(call: Call, wallNow: number, monoNow: number): HistoryEntry {
  const connected = call.connectedAt > 0;
  return {
    direction: call.direction,
    remote: call.remote.slice(0, MAX_REMOTE),
    address: callBackAddress(call).slice(0, MAX_REMOTE),
    start: Math.max(0, Math.round(wallNow - (monoNow - call.startedAt))),
    duration: connected ? Math.max(0, Math.round((monoNow - call.connectedAt) / 1000)) : 0,
    outcome: outcomeOf(call.direction, connected, call.status),
    status: call.status,
  };
}

/** An incoming call shows the caller's name; calling back needs the From URI ("user@host"). */
function callBackAddress(call: Call): string {
  if (call.direction === 'out' || call.dialog === null) return call.remote;
  const from = call.dialog.remoteUri;
  const lt = from.indexOf('<');
  const gt = from.indexOf('>', lt + 1);
  const uri = lt !== -1 && gt !== -1 ? from.slice(lt + 1, gt) : from.split(';')[0]!.trim();
  const colon = uri.indexOf(':');
  return colon === -1 ? uri : uri.slice(colon + 1);
}

export class CallHistory {
  entries: HistoryEntry[] = [];
  /** Missed calls since the history was last looked at. */
  missed = 0;

  constructor(
    private readonly storage: StorageHal,
    private readonly log: (message: string) => void,
  ) {}

  load(): void {
    this.entries = [];
    this.missed = 0;
    const raw = this.storage.get(KEY);
    if (raw === null) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      this.log('call history was not valid JSON; cleared');
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as { calls?: unknown }).calls)) {
      this.log('call history had an unknown layout; cleared');
      return;
    }
    const p = parsed as { calls: unknown[]; missed?: unknown };
    let dropped = 0;
    for (const item of p.calls) {
      const e = checkEntry(item);
      if (e === null) dropped++;
      else if (this.entries.length < HISTORY_MAX) this.entries.push(e);
    }
    if (dropped > 0) this.log(`call history: ${dropped} damaged entr${dropped === 1 ? 'y' : 'ies'} dropped`);
    const m = p.missed;
    this.missed = typeof m === 'number' && Number.isInteger(m) && m >= 0 ? Math.min(m, this.entries.length) : 0;
  }

  add(entry: HistoryEntry): void {
    this.entries.unshift(entry);
    if (this.entries.length > HISTORY_MAX) this.entries.length = HISTORY_MAX;
    if (entry.outcome === 'missed') this.missed = Math.min(this.missed + 1, HISTORY_MAX);
    this.save();
  }

  /** The user saw the list: missed calls are no longer news. */
  seen(): void {
    if (this.missed === 0) return;
    this.missed = 0;
    this.save();
  }

  private save(): void {
    if (!this.storage.set(KEY, JSON.stringify({ calls: this.entries, missed: this.missed }))) this.log('call history not saved (storage refused)');
  }
}

function checkEntry(v: unknown): HistoryEntry | null {
  if (typeof v !== 'object' || v === null) return null;
  const e = v as Record<string, unknown>;
  if (e.direction !== 'in' && e.direction !== 'out') return null;
  if (typeof e.remote !== 'string' || e.remote.length > MAX_REMOTE) return null;
  if (typeof e.address !== 'string' || e.address.length > MAX_REMOTE) return null;
  if (!isCount(e.start) || !isCount(e.duration) || !isCount(e.status) || (e.status as number) > 699) return null;
  if (typeof e.outcome !== 'string' || OUTCOMES.indexOf(e.outcome) === -1) return null;
  return { direction: e.direction, remote: e.remote, address: e.address, start: e.start as number, duration: e.duration as number, outcome: e.outcome as CallOutcome, status: e.status as number };
}

function isCount(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && Math.floor(v) === v;
}
