// Access to the RFC 4475 torture messages in ../shared/corpus/rfc4475.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// A copy of ../shared/corpus/rfc4475 (data, bytes exact: see .gitattributes and SHA256SUMS).
export const CORPUS_DIR = join(ROOT, 'test', 'fixtures', 'rfc4475');

export interface TortureEntry {
  file: string;
  section: string;
  title: string;
  expect: 'valid' | 'valid-with-care' | 'invalid';
  note: string;
  facts?: Record<string, unknown>;
}

export function tortureIndex(): TortureEntry[] {
  return JSON.parse(readFileSync(join(CORPUS_DIR, 'index.json'), 'utf8')) as TortureEntry[];
}

/** The message as a byte string (one char per octet), exactly as published. */
export function tortureBytes(file: string): string {
  return readFileSync(join(CORPUS_DIR, file)).toString('latin1');
}
