// Content-Type (RFC 3261 §20.15): media-type with parameters.

import { Scanner } from './scanner.ts';
import type { ContentType } from './types.ts';

export function parseContentType(value: string): ContentType {
  const sc = new Scanner(value, 'Content-Type');
  sc.skipWs();
  const type = sc.token('media type').toLowerCase();
  sc.expectSep(0x2f, "'/'");
  const subtype = sc.token('media subtype').toLowerCase();
  const params = sc.params();
  sc.end();
  return { type, subtype, params };
}
