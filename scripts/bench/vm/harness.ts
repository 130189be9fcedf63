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

/** What a parser plugs into the harness. */
export interface Adapter<M> {
  /** Parses one whole message; throws (with a useful message) when the parser rejects it. */
  parse(input: string): M;
  /** Reads the transaction keys of a parsed message into `out` (absent -> null). */
  readKeys(msg: M, out: Keys): void;
  /** Serializes a parsed message back to wire text, when the parser has a real serializer. */
  serialize?: (msg: M) => string;
}

export interface Bench {
  /** Stores the workload inputs (JSON array of strings, in the form this parser takes). */
  load(inputsJson: string): number;
  /** Parses input `i` and returns its keys as JSON. */
  keys(i: number): string;
  /** Parses input `i`, serializes, parses the result again and returns its keys as JSON. */
  roundTripKeys(i: number): string;
  readonly canSerialize: boolean;
  /** Parses `n` messages (cycling through the workload) and reads their keys; returns {ms, sink} JSON. */
  parseLoop(n: number): string;
  /** Parses the workload once, then serializes `n` messages; returns {ms, sink} JSON. */
  serializeLoop(n: number): string;
}

function emptyKeys(): Keys {
  return { branch: null, cseq_seq: null, cseq_method: null, call_id: null, from_tag: null, to_tag: null };
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

    roundTripKeys(i) {
      const serialize = adapter.serialize;
      if (!serialize) throw new Error('this parser has no serializer');
      const out = emptyKeys();
      adapter.readKeys(adapter.parse(serialize(adapter.parse(input(i)))), out);
      return JSON.stringify(normalized(out));
    },

    canSerialize: adapter.serialize !== undefined,

    parseLoop(n) {
      const msgs = inputs;
      const m = msgs.length;
      const parse = adapter.parse;
      const readKeys = adapter.readKeys;
      const out = emptyKeys();
      let sink = 0;
      let j = 0;
      const t0 = __now();
      for (let i = 0; i < n; i++) {
        readKeys(parse(msgs[j]!), out);
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
