// Self-consistency of the typed header views: a URI, Via or name-addr the SIP core parsed
// must format (formatUri, formatVia, formatNameAddr) into text that parses again, to an equal
// URI: the transport rewrites the top Via, and the data model is documented as writable.

import type { SipParseError } from '../../../firmware/sip/errors.ts';
import { formatNameAddr, parseNameAddr } from '../../../firmware/sip/name-addr.ts';
import { formatUri, parseUri } from '../../../firmware/sip/uri.ts';
import { uriEquals } from '../../../firmware/sip/uri-compare.ts';
import { formatVia, parseVia } from '../../../firmware/sip/via.ts';
import type { NameAddr, Uri, Via } from '../../../firmware/sip/types.ts';
import { InvariantError, allowSipError, invariant } from './checks.ts';

export function checkUri(uri: Uri, where: string): void {
  invariant(uriEquals(uri, uri), `${where}: uriEquals(u, u) is false`);
  const text = formatUri(uri);
  const again = reread(() => parseUri(text), `${where}: formatUri output '${excerpt(text)}'`);
  invariant(uriEquals(uri, again), `${where}: URI differs after formatUri/parseUri: '${excerpt(text)}'`);
}

export function checkAddress(na: NameAddr | undefined, header: string): void {
  if (na === undefined) return;
  checkUri(na.uri, header);
  const text = formatNameAddr(na);
  const again = reread(() => parseNameAddr(text, header), `${header}: formatNameAddr output '${excerpt(text)}'`);
  invariant(uriEquals(na.uri, again.uri), `${header}: URI differs after formatNameAddr/parseNameAddr`);
}

export function checkVia(via: Via): void {
  const text = formatVia(via);
  const again = reread(() => parseVia(text), `Via: formatVia output '${excerpt(text)}'`);
  invariant(again.host === via.host && again.branch === via.branch, `Via differs after formatVia/parseVia: '${excerpt(text)}'`);
}

/** Parses our own output; a SipParseError there is an invariant failure, not a refusal. */
function reread<T>(parse: () => T, what: string): T {
  try {
    return parse();
  } catch (e) {
    const err: SipParseError = allowSipError(e);
    throw new InvariantError(`${what} does not parse: ${err.message}`);
  }
}

function excerpt(text: string): string {
  return text.length > 120 ? text.slice(0, 120) + '…' : text;
}
