// The Contact header (RFC 3261 §20.10): name-addrs with expires and q parameters, or the lone
// `*` of a REGISTER that removes every binding (§10.2.2).

import { badHeader } from './errors.ts';
import { MAX_UINT32 } from './limits.ts';
import { parseNameAddr } from './name-addr.ts';
import { boundedInt, unquote } from './scanner.ts';
import type { Contact } from './types.ts';

/** Whether the Contact list items are the wildcard `*`. */
export function isContactWildcard(items: readonly string[]): boolean {
  return items.length === 1 && items[0] === '*';
}

/** Contact list items (already split) as bindings; `*` alone gives none, `*` among others throws. */
export function parseContacts(items: readonly string[]): Contact[] {
  if (isContactWildcard(items)) return [];
  return items.map((v) => {
    if (v === '*') throw badHeader('Contact', "'*' must be the only Contact");
    const na = parseNameAddr(v, 'Contact');
    const e = na.params.get('expires');
    const q = na.params.get('q');
    // Fields spelled out, not {...na}: an object spread is slow in QuickJS.
    return {
      displayName: na.displayName,
      uri: na.uri,
      uriText: na.uriText,
      params: na.params,
      expires: e === undefined || e === null ? null : boundedInt(unquote(e), MAX_UINT32, 'Contact', 'expires'),
      q: q === undefined || q === null ? null : parseQ(q),
    };
  });
}

/** qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
function parseQ(v: string): number {
  if (!/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(v)) throw badHeader('Contact', `bad q value '${v}'`);
  return Number(v);
}
