// Runs INSIDE QuickJS. Every parser bundle (scripts/bench/adapters/*) includes this same harness, so
// the timed loops are identical code for all parsers; only the adapter's parse/readKeys differ.
// The host talks to it through a few calls that exchange JSON strings, never once per message.

/** Host clock in milliseconds (performance.now on the host), installed as a global before the bundle. */
declare const __now: () => number;

/** Transaction keys, same shape as TxKeys in ../workload.ts (kept separate: this file runs in QuickJS). */
export interface Keys {
  branch: string | null;
  cseq_seq: number | null;
  cseq_method: string | null;
  call_id: string | null;
  from_tag: string | null;
  to_tag: string | null;
}

/**
 * The values of the headers SIP.js and JsSIP parse eagerly, in a shape neutral to every parser.
 * "matched" work = parse the message and fill this from the parser's own parsed objects, so quip
 * does the work the peers do. URIs are compared as text; absent headers are null / empty.
 */
export interface Matched {
  /** Every Contact binding (all lines, all list elements): URI and the expires param. */
  contacts: Array<{ uri: string; expires: number | null }>;
  /** Every Record-Route element's URI, in order. */
  record_routes: string[];
  /** "type/subtype", lower case. */
  content_type: string | null;
  content_length: number | null;
  max_forwards: number | null;
  /** The first WWW-Authenticate, else Proxy-Authenticate, challenge. */
  challenge: { realm: string | null; nonce: string | null; algorithm: string | null } | null;
  /** Session-Expires delta-seconds and refresher (RFC 4028). */
  session_expires: number | null;
  session_refresher: string | null;
  /** Event package (RFC 6665). */
  event: string | null;
  /** Refer-To URI (RFC 3515). */
  refer_to: string | null;
}

export type MatchedField = keyof Matched;

/** What a parser plugs into the harness. */
export interface Adapter<M> {
  /** Parses one whole message; throws (with a useful message) when the parser rejects it. */
  parse(input: string): M;
  /** Reads the transaction keys of a parsed message into `out` (absent -> null). */
  readKeys(msg: M, out: Keys): void;
  /** The Matched fields this parser parses (eagerly, for the peers): the only ones compared. */
  matchedFields: readonly MatchedField[];
  /** Fills the matchedFields of `out` from the parsed message (absent -> null / []). */
  readMatched(msg: M, out: Matched): void;
  /** Parses every header the parser knows, throwing on the first bad one (quip: validate()). */
  validate?: (msg: M) => void;
  /** Serializes a parsed message back to wire text, when the parser has a real serializer. */
  serialize?: (msg: M) => string;
}

/** keys: transaction keys only; full: keys + Matched; validate: keys + every header parsed. */
export type LoopMode = 'keys' | 'full' | 'validate';

export interface Bench {
  /** Stores the workload inputs (JSON array of strings, in the form this parser takes). */
  load(inputsJson: string): number;
  /** Parses input `i` and returns its keys as JSON. */
  keys(i: number): string;
  /** Parses input `i` and returns its Matched values as JSON. */
  matched(i: number): string;
  /** The Matched fields this parser fills (see Adapter.matchedFields). */
  readonly matchedFields: readonly MatchedField[];
  /** Whether this parser has a validate-everything mode. */
  readonly canValidate: boolean;
  /** Parses input `i`, serializes, parses the result again and returns its keys as JSON. */
  roundTripKeys(i: number): string;
  readonly canSerialize: boolean;
  /**
   * Parses `n` messages (cycling through the workload) and reads their keys, plus the Matched
   * values ('full') or every header ('validate'); returns {ms, sink} JSON. Default 'keys'.
   */
  parseLoop(n: number, mode?: LoopMode): string;
  /** Parses the workload once, then serializes `n` messages; returns {ms, sink} JSON. */
  serializeLoop(n: number): string;
}

export function emptyKeys(): Keys {
  return { branch: null, cseq_seq: null, cseq_method: null, call_id: null, from_tag: null, to_tag: null };
}

export function emptyMatched(): Matched {
  return {
    contacts: [], record_routes: [], content_type: null, content_length: null, max_forwards: null,
    challenge: null, session_expires: null, session_refresher: null, event: null, refer_to: null,
  };
}

/** A cheap checksum of what readMatched produced, so the loop's reads are not dead code. */
function matchedSink(m: Matched): number {
  return (
    m.contacts.length + m.record_routes.length + (m.content_type?.length ?? 0) + (m.content_length ?? 0) +
    (m.max_forwards ?? 0) + (m.challenge?.nonce?.length ?? 0) + (m.session_expires ?? 0) + (m.event?.length ?? 0) +
    (m.refer_to?.length ?? 0)
  );
}

/** Normalizes undefined to null so keys compare and print the same for every parser. */
function normalized(k: Keys): Keys {
  return {
    branch: k.branch ?? null,
    cseq_seq: k.cseq_seq ?? null,
    cseq_method: k.cseq_method ?? null,
    call_id: k.call_id ?? null,
    from_tag: k.from_tag ?? null,
    to_tag: k.to_tag ?? null,
  };
}

export function defineBench<M>(adapter: Adapter<M>): Bench {
  let inputs: string[] = [];

  function input(i: number): string {
    const s = inputs[i];
    if (s === undefined) throw new Error(`no workload message #${i}`);
    return s;
  }

  return {
    load(inputsJson) {
      const parsed: unknown = JSON.parse(inputsJson);
      if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((s) => typeof s === 'string')) {
        throw new Error('workload must be a non-empty array of strings');
      }
      inputs = parsed as string[];
      return inputs.length;
    },

    keys(i) {
      const out = emptyKeys();
      adapter.readKeys(adapter.parse(input(i)), out);
      return JSON.stringify(normalized(out));
    },

    matched(i) {
      const out = emptyMatched();
      adapter.readMatched(adapter.parse(input(i)), out);
      return JSON.stringify(out);
    },

    matchedFields: adapter.matchedFields,
    canValidate: adapter.validate !== undefined,

    roundTripKeys(i) {
      const serialize = adapter.serialize;
      if (!serialize) throw new Error('this parser has no serializer');
      const out = emptyKeys();
      adapter.readKeys(adapter.parse(serialize(adapter.parse(input(i)))), out);
      return JSON.stringify(normalized(out));
    },

    canSerialize: adapter.serialize !== undefined,

    parseLoop(n, mode = 'keys') {
      const msgs = inputs;
      const m = msgs.length;
      const parse = adapter.parse;
      const readKeys = adapter.readKeys;
      const validate = adapter.validate;
      if (mode === 'validate' && validate === undefined) throw new Error('this parser has no validate mode');
      const out = emptyKeys();
      let sink = 0;
      let j = 0;
      const t0 = __now();
      for (let i = 0; i < n; i++) {
        const msg = parse(msgs[j]!);
        readKeys(msg, out);
        if (mode === 'full') {
          // A fresh record per message, as a stack would keep it: every parser pays the same.
          const matched = emptyMatched();
          adapter.readMatched(msg, matched);
          sink += matchedSink(matched);
        } else if (mode === 'validate') {
          validate!(msg);
        }
        // Consume every key so nothing read is dead; cheap and identical for all parsers.
        sink +=
          (out.cseq_seq ?? 0) +
          (out.branch?.length ?? 0) +
          (out.call_id?.length ?? 0) +
          (out.cseq_method?.length ?? 0) +
          (out.from_tag?.length ?? 0) +
          (out.to_tag?.length ?? 0);
        if (++j === m) j = 0;
      }
      const ms = __now() - t0;
      return JSON.stringify({ ms, sink });
    },

    serializeLoop(n) {
      const serialize = adapter.serialize;
      if (!serialize) throw new Error('this parser has no serializer');
      const out = emptyKeys();
      // Parse once and read the keys, so each message is in the state a stack would hold it in.
      const parsed = inputs.map((s) => {
        const msg = adapter.parse(s);
        adapter.readKeys(msg, out);
        return msg;
      });
      const m = parsed.length;
      let sink = 0;
      let j = 0;
      const t0 = __now();
      for (let i = 0; i < n; i++) {
        sink += serialize(parsed[j]!).length;
        if (++j === m) j = 0;
      }
      const ms = __now() - t0;
      return JSON.stringify({ ms, sink });
    },
  };
}
