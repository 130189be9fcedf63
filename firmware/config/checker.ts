// The generic part of checking a config (a board config file, a provisioning file): typed reads
// of JSON values that throw at the first problem, with a message that names the source, the
// field path and what was expected. Hand-written rather than a JSON Schema engine so every
// message says exactly what to fix; the rules built on it are in this folder.

/** A config that cannot be used. */
export class ConfigError extends Error {
  constructor(
    /** The file (or other source, e.g. `--account`) the problem is in; '' when the caller says it. */
    readonly source: string,
    /** Dotted field path, e.g. `display.rows` or `keymap[" "]`; '' when the whole file is at fault. */
    readonly field: string,
    readonly problem: string,
  ) {
    const where = field ? `${field}: ${problem}` : problem;
    super(source ? `${source}: ${where}` : where);
    this.name = 'ConfigError';
  }
}

/** The error class a checker throws (board configs and provisioning files name theirs). */
export type ConfigErrorClass = new (source: string, field: string, problem: string) => ConfigError;

/** An integer field's bounds: the checks and the JSON Schema both read them. */
export interface IntRange {
  readonly min: number;
  readonly max: number;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** `parent.key`, `parent[0]` or `parent["odd key"]`. */
export function fieldPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (!IDENTIFIER.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent ? `${parent}.${key}` : key;
}

/** A value as an error message shows it (long strings cut). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return value.length > 40 ? JSON.stringify(value.slice(0, 40)) + '…' : JSON.stringify(value);
  return String(value);
}

/** For secrets: the type only, never the value. */
function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** Reads one source's values; every method throws its error class at the first problem. */
export class Checker {
  constructor(
    readonly source: string,
    private readonly errorClass: ConfigErrorClass = ConfigError,
  ) {}

  fail(field: string, problem: string): never {
    throw new this.errorClass(this.source, field, problem);
  }

  expected(field: string, what: string, value: unknown, secret = false): never {
    if (value === undefined) this.fail(field, `missing, expected ${what}`);
    this.fail(field, `expected ${what}, got ${secret ? describeType(value) : describe(value)}`);
  }

  /** A JSON object with any fields. */
  record(value: unknown, field: string, what = 'an object'): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.expected(field || '(top level)', what, value);
    return value as Record<string, unknown>;
  }

  /** A JSON object with only the listed fields (typos must not pass silently). */
  object(value: unknown, field: string, fields: readonly string[], what = 'an object'): Record<string, unknown> {
    const obj = this.record(value, field, what);
    for (const key of Object.keys(obj)) {
      if (fields.includes(key)) continue;
      const near = fields.find((f) => editDistance(f, key) <= (key.length > 4 ? 2 : 1));
      const hint = near ? ` (did you mean "${near}"?)` : ` (known fields: ${fields.join(', ')})`;
      this.fail(fieldPath(field, key), `unknown field${hint}`);
    }
    return obj;
  }

  int(value: unknown, field: string, range: IntRange): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
      this.expected(field, `an integer from ${range.min} to ${range.max}`, value);
    }
    return value;
  }

  /** Any string up to maxLength, empty included (passwords). */
  string(value: unknown, field: string, maxLength: number, secret = false): string {
    const what = `a string of at most ${maxLength} characters`;
    if (typeof value !== 'string' || value.length > maxLength) this.expected(field, what, value, secret);
    return value;
  }

  /** A non-empty one-line string up to maxLength. */
  text(value: unknown, field: string, maxLength: number): string {
    const what = `a non-empty string of at most ${maxLength} characters`;
    if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) this.expected(field, what, value);
    if (CONTROL.test(value)) this.expected(field, 'text without control characters', value);
    return value;
  }

  /** true, false, or absent (undefined). */
  flag(value: unknown, field: string): boolean | undefined {
    if (value !== undefined && typeof value !== 'boolean') this.expected(field, 'true or false', value);
    return value;
  }

  oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
    if (typeof value !== 'string' || !allowed.includes(value as T)) {
      this.expected(field, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, value);
    }
    return value as T;
  }

  /** An array of distinct members of `allowed`. */
  setOf<T extends string>(value: unknown, field: string, allowed: readonly T[], minItems = 0): T[] {
    if (!Array.isArray(value) || value.length < minItems) {
      this.expected(field, minItems > 0 ? `an array of at least ${minItems} item(s)` : 'an array', value);
    }
    const items = value.map((item, i) => this.oneOf(item, fieldPath(field, i), allowed));
    items.forEach((item, i) => {
      if (items.indexOf(item) !== i) this.fail(fieldPath(field, i), `${JSON.stringify(item)} is listed twice`);
    });
    return items;
  }
}
