// Where the location service keeps its bindings across restarts. The service holds the live
// bindings in memory and applies the RFC 3261 §10.3 rules itself; a store only loads a
// snapshot at start and replaces it when the service flushes. JsonFileStore is the lab
// server's file; MemoryStore keeps the snapshot in this process (tests, restarts in-process).

import fs from 'node:fs';
import path from 'node:path';
import { tryUnlink, writeFileAtomically } from '../hal/node/atomic-file.ts';
import { parseUri } from '../firmware/sip/uri.ts';
import type { Uri } from '../firmware/sip/types.ts';
import type { Binding } from './location.ts';

/** What a store restored: its bindings (expired ones too; the service drops them) and what it could not. */
export interface LoadedBindings {
  bindings: Binding[];
  /** One line per problem, each starting with the store's name. */
  warnings: string[];
}

export interface LocationStore {
  /** Names the store in warnings (the file path). */
  readonly name: string;
  /** The saved bindings. Never throws: an unreadable store starts empty, with a warning. */
  load(): LoadedBindings;
  /** Replaces the saved bindings with these. Throws on failure (the service reports it). */
  save(bindings: readonly Binding[]): void;
}

/** A snapshot in memory: survives a new LocationService, not the process. */
export class MemoryStore implements LocationStore {
  readonly name = 'memory';
  private saved: Binding[] = [];

  load(): LoadedBindings {
    return { bindings: this.saved.map(copyBinding), warnings: [] };
  }

  save(bindings: readonly Binding[]): void {
    this.saved = bindings.map(copyBinding);
  }
}

function copyBinding(b: Binding): Binding {
  return { ...b, received: b.received === null ? null : { ...b.received } };
}

const FILE_VERSION = 1;
const TEMP_INFIX = '.tmp-';

/**
 * A JSON file, {"version": 1, "bindings": [...]}, replaced atomically on every save (temp
 * file, fsync, rename), so a crash leaves the old or the new registrations, never a mix.
 */
export class JsonFileStore implements LocationStore {
  private tempCounter = 0;

  constructor(readonly path: string) {}

  get name(): string {
    return this.path;
  }

  /**
   * A missing file starts empty; a corrupt one also starts empty, is set aside as
   * `<path>.corrupt`, and is reported as a warning, so a bad file never keeps the lab server
   * down. A bad record is skipped with a warning; the good ones are kept.
   */
  load(): LoadedBindings {
    const file = this.path;
    const warnings: string[] = [];
    removeTempFiles(file);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        warnings.push(`${file}: cannot read (${(e as Error).message}); starting with no registrations`);
      }
      return { bindings: [], warnings };
    }
    let records: unknown[];
    try {
      const data = JSON.parse(text) as { version?: unknown; bindings?: unknown };
      if (typeof data !== 'object' || data === null || data.version !== FILE_VERSION || !Array.isArray(data.bindings)) {
        throw new Error(`expected {"version": ${FILE_VERSION}, "bindings": [...]}`);
      }
      records = data.bindings;
    } catch (e) {
      const aside = `${file}.corrupt`;
      let kept = '';
      try {
        fs.renameSync(file, aside);
        kept = ` (kept as ${aside})`;
      } catch {
        // leave it where it is; the next save replaces it
      }
      warnings.push(`${file}: corrupt, ${(e as Error).message}; starting with no registrations${kept}`);
      return { bindings: [], warnings };
    }
    const bindings: Binding[] = [];
    records.forEach((r, i) => {
      const b = bindingFromJson(r);
      if (typeof b === 'string') warnings.push(`${file}: bindings[${i}]: ${b}; skipped`);
      else bindings.push(b);
    });
    return { bindings, warnings };
  }

  save(bindings: readonly Binding[]): void {
    const text = JSON.stringify({ version: FILE_VERSION, bindings: bindings.map(bindingToJson) }, null, 1) + '\n';
    fs.mkdirSync(path.dirname(this.path), { recursive: true });
    const temp = `${this.path}${TEMP_INFIX}${process.pid}-${++this.tempCounter}`;
    writeFileAtomically(this.path, Buffer.from(text, 'utf8'), temp);
  }
}

/** Leftovers of writes a crash interrupted. */
function removeTempFiles(file: string): void {
  const prefix = path.basename(file) + TEMP_INFIX;
  let names: string[];
  try {
    names = fs.readdirSync(path.dirname(file));
  } catch {
    return;
  }
  for (const name of names) if (name.startsWith(prefix)) tryUnlink(path.join(path.dirname(file), name));
}

// ---- the records ---------------------------------------------------------------------------

function bindingToJson(b: Binding): Record<string, unknown> {
  const { uri: _uri, ...rest } = b; // the URI is re-parsed from its text on load
  return rest;
}

/** A binding from its saved form, or what is wrong with it. */
function bindingFromJson(r: unknown): Binding | string {
  if (typeof r !== 'object' || r === null) return 'not an object';
  const o = r as Record<string, unknown>;
  const str = (k: string): boolean => typeof o[k] === 'string';
  const strOrNull = (k: string): boolean => o[k] === null || typeof o[k] === 'string';
  const num = (k: string): boolean => typeof o[k] === 'number' && Number.isFinite(o[k]);
  for (const k of ['aor', 'contact', 'callId']) if (!str(k)) return `${k}: expected a string`;
  for (const k of ['expiresAt', 'cseq', 'updatedAt']) if (!num(k)) return `${k}: expected a number`;
  for (const k of ['instance', 'userAgent']) if (!strOrNull(k)) return `${k}: expected a string or null`;
  if (!(o.q === null || num('q'))) return 'q: expected a number or null';
  if (!(o.regId === null || num('regId'))) return 'regId: expected a number or null';
  const rec = o.received as Record<string, unknown> | null;
  const recOk = rec === null
    || (typeof rec === 'object' && typeof rec.transport === 'string' && typeof rec.address === 'string' && typeof rec.port === 'number');
  if (!recOk) {
    return 'received: expected {transport, address, port} or null';
  }
  let uri: Uri;
  try {
    uri = parseUri(o.contact as string);
  } catch (e) {
    return `contact: ${(e as Error).message}`;
  }
  return {
    aor: o.aor as string,
    contact: o.contact as string,
    uri,
    expiresAt: o.expiresAt as number,
    q: o.q as number | null,
    callId: o.callId as string,
    cseq: o.cseq as number,
    received: rec === null
      ? null
      : { transport: rec.transport as string, address: rec.address as string, port: rec.port as number },
    instance: o.instance as string | null,
    regId: o.regId as number | null,
    userAgent: o.userAgent as string | null,
    updatedAt: o.updatedAt as number,
  };
}
