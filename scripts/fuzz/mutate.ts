// The mutation engine: turns seeds into hostile inputs, deterministically from a Random.
// Each input is a seed with a stack of mutations applied (AFL "havoc" style). Text kinds get
// grammar-aware mutations (separators, numbers, lines, folding); binary kinds get field
// overwrites at header offsets. Everything works on byte strings.

import type { FuzzKind } from './kinds.ts';
import type { Random } from './random.ts';
import { weighted } from './random.ts';
import { INTERESTING_NUMBERS, INTERESTING_OCTETS, dictionaryFor } from './dictionary.ts';

/** Largest input produced: above the SIP and SDP 64 KiB limits, so those checks get hit. */
export const MAX_INPUT_BYTES = 70 * 1024;

interface Context {
  rng: Random;
  seeds: readonly string[];
  dictionary: readonly string[];
}

type Mutation = (s: string, c: Context) => string;

const octet = (n: number): string => String.fromCharCode(n & 0xff);

function insertAt(s: string, at: number, text: string): string {
  return s.slice(0, at) + text + s.slice(at);
}

/** A position in [0, s.length]. */
function pos(s: string, c: Context): number {
  return c.rng.int(s.length + 1);
}

/** A range [start, end) of a skewed length (mostly short). */
function range(s: string, c: Context, max = 64): [number, number] {
  const start = c.rng.int(Math.max(1, s.length));
  const len = c.rng.skewed(Math.max(2, Math.min(max, s.length - start + 1)));
  return [start, Math.min(s.length, start + len)];
}

const flipBit: Mutation = (s, c) => {
  if (s.length === 0) return s;
  const i = c.rng.int(s.length);
  return s.slice(0, i) + octet(s.charCodeAt(i) ^ (1 << c.rng.int(8))) + s.slice(i + 1);
};

const setOctet: Mutation = (s, c) => {
  if (s.length === 0) return octet(c.rng.int(256));
  const i = c.rng.int(s.length);
  const v = c.rng.chance(0.6) ? c.rng.pick(INTERESTING_OCTETS) : c.rng.int(256);
  return s.slice(0, i) + octet(v) + s.slice(i + 1);
};

const insertOctets: Mutation = (s, c) => {
  let text = '';
  for (let n = c.rng.skewed(16); n > 0; n--) text += octet(c.rng.int(256));
  return insertAt(s, pos(s, c), text);
};

const insertToken: Mutation = (s, c) => insertAt(s, pos(s, c), c.rng.pick(c.dictionary));

/** Swaps a token for another at a place the same token already is, or anywhere. */
const replaceSeparator: Mutation = (s, c) => {
  const from = c.rng.pick(c.dictionary);
  const at = s.indexOf(from, c.rng.int(Math.max(1, s.length)));
  if (at === -1) return insertToken(s, c);
  return s.slice(0, at) + c.rng.pick(c.dictionary) + s.slice(at + from.length);
};

const deleteRange: Mutation = (s, c) => {
  const [a, b] = range(s, c, c.rng.chance(0.1) ? s.length : 64);
  return s.slice(0, a) + s.slice(b);
};

const duplicateRange: Mutation = (s, c) => {
  const [a, b] = range(s, c);
  return insertAt(s, pos(s, c), s.slice(a, b).repeat(c.rng.skewed(8)));
};

/** The head of this input and the tail of another seed, or another seed's piece inside. */
const splice: Mutation = (s, c) => {
  const other = c.rng.pick(c.seeds);
  if (c.rng.chance(0.5)) return s.slice(0, pos(s, c)) + other.slice(c.rng.int(other.length + 1));
  const [a, b] = range(other, c, 256);
  return insertAt(s, pos(s, c), other.slice(a, b));
};

const truncate: Mutation = (s, c) => s.slice(0, pos(s, c));

/** A run of digits becomes an edge value or a very long digit string. */
const replaceNumber: Mutation = (s, c) => {
  const start = c.rng.int(Math.max(1, s.length));
  let i = start;
  while (i < s.length && !isDigit(s.charCodeAt(i))) i++;
  if (i >= s.length) return insertAt(s, pos(s, c), c.rng.pick(INTERESTING_NUMBERS));
  let j = i;
  while (j < s.length && isDigit(s.charCodeAt(j))) j++;
  const value = c.rng.chance(0.15) ? '9'.repeat(c.rng.range(11, 400)) : c.rng.pick(INTERESTING_NUMBERS);
  return s.slice(0, i) + value + s.slice(j);
};

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** Line boundaries (after each LF) of a text input. */
function lineStarts(s: string): number[] {
  const out = [0];
  for (let i = s.indexOf('\n'); i !== -1 && i + 1 < s.length; i = s.indexOf('\n', i + 1)) out.push(i + 1);
  return out;
}

function pickLine(s: string, c: Context): [number, number] {
  const starts = lineStarts(s);
  const k = c.rng.int(starts.length);
  return [starts[k]!, k + 1 < starts.length ? starts[k + 1]! : s.length];
}

/** A header (or SDP line) repeated, in place or elsewhere. */
const duplicateLine: Mutation = (s, c) => {
  const [a, b] = pickLine(s, c);
  const at = c.rng.chance(0.5) ? b : pickLine(s, c)[0];
  return insertAt(s, at, s.slice(a, b).repeat(c.rng.skewed(4)));
};

const deleteLine: Mutation = (s, c) => {
  const [a, b] = pickLine(s, c);
  return s.slice(0, a) + s.slice(b);
};

const swapLines: Mutation = (s, c) => {
  const [a1, b1] = pickLine(s, c);
  const [a2, b2] = pickLine(s, c);
  if (a1 === a2) return s;
  const [x1, y1, x2, y2] = a1 < a2 ? [a1, b1, a2, b2] : [a2, b2, a1, b1];
  if (x2 < y1) return s;
  return s.slice(0, x1) + s.slice(x2, y2) + s.slice(y1, x2) + s.slice(x1, y1) + s.slice(y2);
};

/** Line folding (LWS with a line break) injected after a space, colon, semicolon or comma. */
const foldLine: Mutation = (s, c) => {
  const marks = [' ', ':', ';', ',', '=', '<'];
  const at = s.indexOf(c.rng.pick(marks), c.rng.int(Math.max(1, s.length)));
  const fold = c.rng.pick(['\r\n ', '\r\n\t', '\r\n  \t', '\n ', '\r\n\r\n ', '\r ']);
  return at === -1 ? insertAt(s, pos(s, c), fold) : insertAt(s, at + 1, fold);
};

/** ASCII letters only: toUpperCase would turn some Latin-1 octets into chars above 0xFF. */
const flipCase: Mutation = (s, c) => {
  const [a, b] = range(s, c, 16);
  let out = '';
  for (let i = a; i < b; i++) {
    const code = s.charCodeAt(i);
    const letter = (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
    out += octet(letter ? code ^ 0x20 : code);
  }
  return s.slice(0, a) + out + s.slice(b);
};

/** Inputs near the size limits: long runs of one separator, a huge line, many headers. */
const oversize: Mutation = (s, c) => {
  const target = c.rng.range(4 * 1024, MAX_INPUT_BYTES);
  const r = c.rng.float();
  if (r < 0.5) {
    const unit = c.rng.pick([' ', '\t', ';', ',', '<', '"', '%', 'a', '0', '\r\n', '\n', '\\', '\r\n ', ';a', ',<sip:a@b>', '=', '\0']);
    // Often right where a body starts: body parsers see the run, not a header parser.
    const body = s.indexOf('\r\n\r\n');
    const at = body !== -1 && c.rng.chance(0.4) ? body + 4 : pos(s, c);
    return insertAt(s, at, unit.repeat(Math.ceil(Math.max(0, target - s.length) / unit.length)));
  }
  const [a, b] = r < 0.8 ? pickLine(s, c) : range(s, c, 256);
  const unit = s.slice(a, b) || 'x';
  return insertAt(s, b, unit.repeat(Math.ceil(Math.max(0, target - s.length) / unit.length)));
};

/** A 16- or 32-bit field at a header offset set to an edge value (RTP/RTCP lengths, counts). */
const setWord: Mutation = (s, c) => {
  if (s.length < 2) return s;
  const bytes = c.rng.chance(0.5) ? 2 : 4;
  // Mostly the fixed headers, or a packet boundary inside a compound.
  const at = Math.min(s.length - 1, c.rng.chance(0.7) ? c.rng.int(16) : c.rng.int(s.length));
  const edges = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];
  const v = c.rng.chance(0.7) ? c.rng.pick(edges) : c.rng.next();
  let word = '';
  for (let k = bytes - 1; k >= 0; k--) word += octet(Math.floor(v / 2 ** (8 * k)));
  return s.slice(0, at) + word + s.slice(at + bytes);
};

/** The first octet of RTP/RTCP: version, padding, extension and count bits. */
const setFlags: Mutation = (s, c) => {
  if (s.length === 0) return s;
  const at = c.rng.chance(0.7) ? 0 : c.rng.int(s.length);
  const field = c.rng.pick([0xc0, 0x20, 0x10, 0x0f, 0x1f, 0x80]);
  const v = (s.charCodeAt(at) & ~field) | (c.rng.int(256) & field);
  return s.slice(0, at) + octet(v) + s.slice(at + 1);
};

const TEXT_MUTATIONS: ReadonlyArray<readonly [Mutation, number]> = [
  [flipBit, 6], [setOctet, 6], [insertOctets, 4], [insertToken, 14], [replaceSeparator, 8], [deleteRange, 8],
  [duplicateRange, 5], [splice, 6], [truncate, 3], [replaceNumber, 10], [duplicateLine, 6], [deleteLine, 4],
  [swapLines, 3], [foldLine, 6], [flipCase, 3], [oversize, 0.6],
];

const BINARY_MUTATIONS: ReadonlyArray<readonly [Mutation, number]> = [
  [flipBit, 12], [setOctet, 8], [insertOctets, 4], [insertToken, 4], [deleteRange, 6], [duplicateRange, 5],
  [splice, 6], [truncate, 5], [setWord, 14], [setFlags, 8], [oversize, 0.3],
];

/**
 * Sets the first message's Content-Length to the octets that follow its header section, so
 * a mutated body reaches the body parsers instead of being cut off or refused by framing.
 */
export function fixContentLength(s: string): string {
  const end = s.indexOf('\r\n\r\n');
  if (end === -1) return s;
  const m = /^(?:content-length|l)[ \t]*:[ \t]*[0-9]*/im.exec(s.slice(0, end));
  if (m === null) return s;
  const field = m[0].replace(/[0-9]*$/, '');
  return s.slice(0, m.index) + field + String(s.length - end - 4) + s.slice(m.index + m[0].length);
}

export interface Mutator {
  /** The next input. */
  next(): string;
}

/** An endless, reproducible stream of inputs of one kind. */
export function createMutator(kind: FuzzKind, seeds: readonly string[], rng: Random): Mutator {
  if (seeds.length === 0) throw new Error(`no seeds for ${kind}`);
  const context: Context = { rng, seeds, dictionary: dictionaryFor(kind) };
  const mutations = kind === 'rtp' || kind === 'rtcp' ? BINARY_MUTATIONS : TEXT_MUTATIONS;
  const fixLength = kind === 'sip' || kind === 'stream';
  return {
    next() {
      let s = rng.pick(seeds);
      if (rng.chance(0.02)) return s; // now and then a seed as is: the accept paths stay covered
      const stack = rng.chance(0.5) ? 1 : rng.skewed(12);
      for (let i = 0; i < stack; i++) s = weighted(rng, mutations)(s, context).slice(0, MAX_INPUT_BYTES);
      if (fixLength && rng.chance(0.5)) s = fixContentLength(s).slice(0, MAX_INPUT_BYTES);
      return s;
    },
  };
}
