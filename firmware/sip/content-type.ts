// Content-Type (RFC 3261 §20.15): media-type with parameters.

import { SIMPLE_PARAMS_SRC, Scanner, splitSimpleParams } from './scanner.ts';
import type { ContentType } from './types.ts';

/** type/subtype;params with no whitespace and simple params: one regex match, no Scanner. */
const FAST = new RegExp(`^([A-Za-z0-9\\-.!%*_+\`'~]+)\\/([A-Za-z0-9\\-.!%*_+\`'~]+)(${SIMPLE_PARAMS_SRC})$`);

export function parseContentType(value: string): ContentType {
  const m = FAST.exec(value);
  if (m !== null) {
    const params = splitSimpleParams(m[3]!);
    if (params !== null) return { type: m[1]!.toLowerCase(), subtype: m[2]!.toLowerCase(), params };
  }
  const sc = new Scanner(value, 'Content-Type');
  sc.skipWs();
  const type = sc.token('media type').toLowerCase();
  sc.expectSep(0x2f, "'/'");
  const subtype = sc.token('media subtype').toLowerCase();
  const params = sc.params();
  sc.end();
  return { type, subtype, params };
}
