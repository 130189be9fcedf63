// The dial plan: a digit map says whether the keys typed so far are a number to dial now,
// after the inter-digit timeout, not yet, or never. The map is compiled once into a Thompson
// NFA and run as a state-set simulation, so matching costs at most keys × states steps
// whatever the map says: no backtracking, so a hostile map cannot hang the phone.
//
// Syntax, all of it:
//   a|b|c          alternatives, in priority order (see DigitMap.match)
//   0-9  *  #      that key. '*' is ALWAYS the star key, never "repeat": write {0,} for that
//   \0-\9 \* \#    the same keys escaped, for people used to regular expressions
//   x  X           any digit 0-9
//   .              any key 0-9 * #
//   [...]          one key of a class: keys, escaped keys, digit ranges like 2-9; no negation
//   ( ... )        a group, which may hold alternatives; nested at most 8 deep
//   ?              after an atom: optional
//   {n} {n,} {n,m} after an atom: repeat, with n, m ≤ 64
// Nothing else (no spaces, '+', anchors or other letters). At most 512 characters and 2048
// NFA states. The shipped boards use only keys, '|', classes, {n} and {n,}.

export type DigitMatch = 'complete' | 'complete-but-longer-possible' | 'partial' | 'none';

export interface DigitMap {
  readonly source: string;
  /** Size of the compiled automaton (each key typed costs at most this many steps). */
  readonly stateCount: number;
  /**
   * Alternatives are in priority order: the first one that matches `dialed` fully decides.
   * - 'complete': it (and no earlier alternative) can't take another key: dial now.
   * - 'complete-but-longer-possible': it or an earlier alternative could go on: dial when the
   *   inter-digit timer runs out. Later alternatives never delay an earlier full match, so a
   *   trailing catch-all like [0-9*#]{3,} doesn't hold up 911.
   * - 'partial': nothing matches fully yet but more keys could.
   * - 'none': no more keys can help (play reorder). Also for characters that aren't dial keys
   *   and for more than 64 keys.
   */
  match(dialed: string): DigitMatch;
  /** When the inter-digit timer runs out: dial a full match, otherwise the number is invalid. */
  onTimeout(dialed: string): 'dial' | 'invalid';
}

export class DigitMapError extends Error {
  override readonly name = 'DigitMapError';

  /** `position` is the index in the map text where the problem is. */
  constructor(
    readonly reason: string,
    readonly position: number,
  ) {
    super(`digit map: ${reason} at position ${position}`);
  }
}

export const DIGIT_MAP_MAX_LENGTH = 512;
export const DIGIT_MAP_MAX_STATES = 2048;
export const DIGIT_MAP_MAX_DIALED = 64;
const MAX_REPEAT = 64;
const MAX_DEPTH = 8;
/** Compile steps: bounds maps whose repeats expand to nothing, e.g. ((x{0}){64}){64}. */
const MAX_WORK = 8 * DIGIT_MAP_MAX_STATES;

// Keys as bits: 0-9 are bits 0-9, '*' bit 10, '#' bit 11.
const DIGITS = 0x3ff;
const STAR = 1 << 10;
const HASH = 1 << 11;
const ALL_KEYS = DIGITS | STAR | HASH;

function keyBit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return 1 << (c - 0x30);
  return c === 0x2a ? STAR : c === 0x23 ? HASH : 0;
}

export function compileDigitMap(text: string): DigitMap {
  if (text.length > DIGIT_MAP_MAX_LENGTH) {
    throw new DigitMapError(`longer than ${DIGIT_MAP_MAX_LENGTH} characters`, DIGIT_MAP_MAX_LENGTH);
  }
  const alternatives = new Parser(text).map();
  const nfa = new Builder();
  const entries: number[] = [];
  for (let i = 0; i < alternatives.length; i++) {
    nfa.currentAlt = i;
    entries.push(nfa.compile(alternatives[i]!, nfa.add(MATCH, 0, -1, 0)));
  }
  nfa.currentAlt = -1;
  let start = entries[entries.length - 1]!;
  for (let i = entries.length - 2; i >= 0; i--) start = nfa.add(SPLIT, entries[i]!, start, 0);
  return new CompiledDigitMap(text, nfa, start);
}

// ---- parsing ------------------------------------------------------------------------

type Node =
  | { kind: 'keys'; pos: number; mask: number }
  | { kind: 'seq'; pos: number; items: Node[] }
  | { kind: 'alt'; pos: number; items: Node[] }
  /** max -1 = unbounded */
  | { kind: 'repeat'; pos: number; body: Node; min: number; max: number };

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  /** The top-level alternatives. */
  map(): Node[] {
    const alts = this.alternatives();
    // alternatives() stops early only at a ')'
    if (this.pos < this.text.length) throw new DigitMapError("unmatched ')'", this.pos);
    return alts;
  }

  private peek(): number {
    return this.pos < this.text.length ? this.text.charCodeAt(this.pos) : -1;
  }

  private alternatives(): Node[] {
    const alts = [this.sequence()];
    while (this.peek() === 0x7c /* | */) {
      this.pos++;
      alts.push(this.sequence());
    }
    return alts;
  }

  private sequence(): Node {
    const start = this.pos;
    const items: Node[] = [];
    for (let c = this.peek(); c !== -1 && c !== 0x7c /* | */ && c !== 0x29 /* ) */; c = this.peek()) {
      items.push(this.piece());
    }
    if (items.length === 0) throw new DigitMapError('empty alternative', start);
    return items.length === 1 ? items[0]! : { kind: 'seq', pos: start, items };
  }

  private piece(): Node {
    const atom = this.atom();
    const c = this.peek();
    if (c === 0x3f /* ? */) return { kind: 'repeat', pos: this.pos++, body: atom, min: 0, max: 1 };
    if (c === 0x7b /* { */) return this.counted(atom);
    return atom;
  }

  private atom(): Node {
    const pos = this.pos;
    const c = this.peek();
    const bit = keyBit(c);
    if (bit !== 0) {
      this.pos++;
      return { kind: 'keys', pos, mask: bit };
    }
    switch (c) {
      case 0x5c /* \ */:
        return { kind: 'keys', pos, mask: this.escaped() };
      case 0x78 /* x */:
      case 0x58 /* X */:
        this.pos++;
        return { kind: 'keys', pos, mask: DIGITS };
      case 0x2e /* . */:
        this.pos++;
        return { kind: 'keys', pos, mask: ALL_KEYS };
      case 0x5b /* [ */:
        return this.keyClass();
      case 0x28 /* ( */:
        return this.group();
      case 0x3f /* ? */:
      case 0x7b /* { */:
        throw new DigitMapError(`'${this.text[pos]}' has nothing to repeat`, pos);
    }
    throw new DigitMapError(`unexpected '${this.text[pos]}'`, pos);
  }

  /** A dial key, bare or escaped (inside classes). */
  private key(): number {
    if (this.peek() === 0x5c) return this.escaped();
    const bit = keyBit(this.peek());
    if (bit === 0) {
      throw new DigitMapError(this.pos < this.text.length ? `'${this.text[this.pos]}' is not a dial key` : "unterminated '['", this.pos);
    }
    this.pos++;
    return bit;
  }

  private escaped(): number {
    const at = this.pos++;
    const bit = keyBit(this.peek());
    if (bit === 0) throw new DigitMapError("'\\' must be followed by a dial key", at);
    this.pos++;
    return bit;
  }

  private keyClass(): Node {
    const start = this.pos++;
    let mask = 0;
    for (;;) {
      const c = this.peek();
      if (c === -1) throw new DigitMapError("unterminated '['", start);
      if (c === 0x5d /* ] */) break;
      const at = this.pos;
      const lo = this.key();
      if (this.peek() !== 0x2d /* - */) {
        mask |= lo;
        continue;
      }
      this.pos++;
      const hi = this.key();
      // only digit ranges, low to high: bit order is digit order
      if ((lo | hi) & ~DIGITS || hi < lo) throw new DigitMapError('bad range', at);
      mask |= hi | (hi - lo);
    }
    this.pos++;
    if (mask === 0) throw new DigitMapError('empty class', start);
    return { kind: 'keys', pos: start, mask };
  }

  private group(): Node {
    const start = this.pos++;
    if (++this.depth > MAX_DEPTH) throw new DigitMapError('groups nested too deeply', start);
    const alts = this.alternatives();
    if (this.peek() !== 0x29 /* ) */) throw new DigitMapError("missing ')'", start);
    this.pos++;
    this.depth--;
    return alts.length === 1 ? alts[0]! : { kind: 'alt', pos: start, items: alts };
  }

  private counted(body: Node): Node {
    const start = this.pos++;
    const min = this.count(start);
    let max = min;
    if (this.peek() === 0x2c /* , */) {
      this.pos++;
      max = this.peek() === 0x7d ? -1 : this.count(start);
    }
    if (this.peek() !== 0x7d /* } */) throw new DigitMapError("bad repeat: expected '}'", this.pos);
    this.pos++;
    if (max !== -1 && max < min) throw new DigitMapError('bad repeat: {n,m} needs n ≤ m', start);
    return { kind: 'repeat', pos: start, body, min, max };
  }

  private count(start: number): number {
    const first = this.pos;
    let n = 0;
    for (let c = this.peek(); c >= 0x30 && c <= 0x39; c = this.peek()) {
      n = n * 10 + (c - 0x30);
      if (n > MAX_REPEAT) throw new DigitMapError(`repeat count over ${MAX_REPEAT}`, start);
      this.pos++;
    }
    if (this.pos === first) throw new DigitMapError('bad repeat: expected a count', this.pos);
    return n;
  }
}

// ---- the automaton -------------------------------------------------------------------

/** Consumes one key in `a` (a key mask) and goes to `b`. */
const KEYS = 0;
/** Epsilon moves to `a` and `b` (-1 = none). */
const SPLIT = 1;
/** A full match of alternative alt[state]. */
const MATCH = 2;

class Builder {
  readonly kind: number[] = [];
  readonly a: number[] = [];
  readonly b: number[] = [];
  /** The top-level alternative each state belongs to. */
  readonly alt: number[] = [];
  currentAlt = -1;
  private work = 0;

  add(kind: number, a: number, b: number, pos: number): number {
    if (this.kind.length >= DIGIT_MAP_MAX_STATES) throw new DigitMapError('map too complex', pos);
    this.kind.push(kind);
    this.a.push(a);
    this.b.push(b);
    this.alt.push(this.currentAlt);
    return this.kind.length - 1;
  }

  /** Builds `node` continuing at `next` and returns its entry; back to front, so no patch lists. */
  compile(node: Node, next: number): number {
    if (++this.work > MAX_WORK) throw new DigitMapError('map too complex', node.pos);
    switch (node.kind) {
      case 'keys':
        return this.add(KEYS, node.mask, next, node.pos);
      case 'seq':
        for (let i = node.items.length - 1; i >= 0; i--) next = this.compile(node.items[i]!, next);
        return next;
      case 'alt': {
        const last = node.items.length - 1;
        let entry = this.compile(node.items[last]!, next);
        for (let i = last - 1; i >= 0; i--) entry = this.add(SPLIT, this.compile(node.items[i]!, next), entry, node.pos);
        return entry;
      }
      case 'repeat': {
        let entry = next;
        if (node.max === -1) {
          const loop = this.add(SPLIT, -1, next, node.pos);
          this.a[loop] = this.compile(node.body, loop);
          entry = loop;
        } else {
          // optional copies nest, each able to skip straight to `next`: e{0,2} = (e(e)?)?
          for (let i = node.min; i < node.max; i++) entry = this.add(SPLIT, this.compile(node.body, entry), next, node.pos);
        }
        for (let i = 0; i < node.min; i++) entry = this.compile(node.body, entry);
        return entry;
      }
    }
  }
}

class CompiledDigitMap implements DigitMap {
  readonly stateCount: number;
  private readonly kind: Uint8Array;
  private readonly a: Int32Array;
  private readonly b: Int32Array;
  private readonly alt: Int32Array;
  // Work space reused by every match(): two state lists, a stack and visit marks.
  private cur: Int32Array;
  private next: Int32Array;
  private readonly stack: Int32Array;
  private readonly mark: Uint32Array;
  private gen = 0;

  constructor(
    readonly source: string,
    nfa: Builder,
    private readonly start: number,
  ) {
    const n = nfa.kind.length;
    this.stateCount = n;
    this.kind = Uint8Array.from(nfa.kind);
    this.a = Int32Array.from(nfa.a);
    this.b = Int32Array.from(nfa.b);
    this.alt = Int32Array.from(nfa.alt);
    this.cur = new Int32Array(n);
    this.next = new Int32Array(n);
    this.stack = new Int32Array(n);
    this.mark = new Uint32Array(n);
  }

  match(dialed: string): DigitMatch {
    if (dialed.length > DIGIT_MAP_MAX_DIALED) return 'none';
    let count = this.closure(this.start, this.cur, 0, this.nextGen());
    for (let i = 0; i < dialed.length; i++) {
      const bit = keyBit(dialed.charCodeAt(i));
      if (bit === 0) return 'none';
      const cur = this.cur;
      const gen = this.nextGen();
      let n = 0;
      for (let k = 0; k < count; k++) {
        const s = cur[k]!;
        if (this.kind[s] === KEYS && (this.a[s]! & bit) !== 0) n = this.closure(this.b[s]!, this.next, n, gen);
      }
      if (n === 0) return 'none';
      this.cur = this.next;
      this.next = cur;
      count = n;
    }
    // Lowest alternative with a full match, and lowest that can still take a key.
    let full = 0x7fffffff;
    let live = 0x7fffffff;
    for (let k = 0; k < count; k++) {
      const s = this.cur[k]!;
      const alt = this.alt[s]!;
      if (this.kind[s] === MATCH) {
        if (alt < full) full = alt;
      } else if (alt < live) live = alt; // every KEYS state can still reach its MATCH
    }
    if (full === 0x7fffffff) return 'partial';
    return live <= full ? 'complete-but-longer-possible' : 'complete';
  }

  onTimeout(dialed: string): 'dial' | 'invalid' {
    const m = this.match(dialed);
    return m === 'complete' || m === 'complete-but-longer-possible' ? 'dial' : 'invalid';
  }

  /** Adds the KEYS and MATCH states reachable from `s` by epsilon moves to list[n...]; returns the new n. */
  private closure(s: number, list: Int32Array, n: number, gen: number): number {
    const mark = this.mark;
    const stack = this.stack;
    if (mark[s] === gen) return n;
    mark[s] = gen;
    stack[0] = s;
    let top = 1;
    while (top > 0) {
      const t = stack[--top]!;
      if (this.kind[t] !== SPLIT) {
        list[n++] = t;
        continue;
      }
      const x = this.a[t]!;
      const y = this.b[t]!;
      // marking when pushed keeps each state on the stack at most once
      if (x >= 0 && mark[x] !== gen) {
        mark[x] = gen;
        stack[top++] = x;
      }
      if (y >= 0 && mark[y] !== gen) {
        mark[y] = gen;
        stack[top++] = y;
      }
    }
    return n;
  }

  private nextGen(): number {
    if (this.gen === 0xffffffff) {
      this.mark.fill(0);
      this.gen = 0;
    }
    return ++this.gen;
  }
}
