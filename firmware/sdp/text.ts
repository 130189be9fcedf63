// Small text helpers shared by the parser and the offer/answer code. They scan
// char codes instead of using regular expressions: cheaper on a slow CPU.

/** True for a non-empty run of ASCII digits. */
export function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Parses a decimal integer in 0..max; returns -1 when it is not one. */
export function parseUint(text: string, max: number): number {
  // Ten digits already exceed any limit we check; stops absurd inputs early.
  if (text.length > 10 || !isDigits(text)) return -1;
  const value = Number(text);
  return value <= max ? value : -1;
}

/** Parses a positive decimal like "20" or "0.125"; returns -1 when it is not one. */
export function parseDecimal(text: string): number {
  const dot = text.indexOf('.');
  const whole = dot < 0 ? text : text.slice(0, dot);
  if (text.length > 16 || !isDigits(whole)) return -1;
  if (dot >= 0 && !isDigits(text.slice(dot + 1))) return -1;
  return Number(text);
}

/**
 * Splits a field list on spaces. RFC 4566 says exactly one space, but some
 * stacks send runs of spaces or tabs; those are tolerated.
 */
export function splitFields(value: string): string[] {
  if (value.indexOf('\t') >= 0) return value.trim().split(/[ \t]+/).filter(nonEmpty);
  const parts = value.split(' ');
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] === '') return parts.filter(nonEmpty);
  }
  return parts;
}

function nonEmpty(part: string): boolean {
  return part !== '';
}

/** Adds one to a decimal digit string of any length ("999" -> "1000"). */
export function incrementDecimal(digits: string): string {
  let i = digits.length - 1;
  while (i >= 0 && digits.charCodeAt(i) === 57) i--;
  if (i < 0) return '1' + '0'.repeat(digits.length);
  const bumped = String.fromCharCode(digits.charCodeAt(i) + 1);
  return digits.slice(0, i) + bumped + '0'.repeat(digits.length - 1 - i);
}

/** Shortens text quoted in error messages so hostile input can't bloat them. */
export function excerpt(text: string): string {
  return JSON.stringify(text.length > 40 ? text.slice(0, 40) + '…' : text);
}
