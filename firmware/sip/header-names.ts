// Header names: compact forms (RFC 3261 §7.3.3 and later RFCs), canonical spelling of the
// headers quip knows, and which headers hold comma-separated lists.

const CANONICAL = [
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Alert-Info', 'Allow',
  'Allow-Events', 'Authentication-Info', 'Authorization', 'Call-ID', 'Call-Info', 'Contact',
  'Content-Disposition', 'Content-Encoding', 'Content-Language', 'Content-Length',
  'Content-Type', 'CSeq', 'Date', 'Error-Info', 'Event', 'Expires', 'From', 'Identity',
  'Identity-Info', 'In-Reply-To', 'Max-Forwards', 'Min-Expires', 'Min-SE', 'MIME-Version',
  'Organization', 'P-Asserted-Identity', 'P-Preferred-Identity', 'Path', 'Priority',
  'Proxy-Authenticate', 'Proxy-Authorization', 'Proxy-Require', 'RAck', 'Reason',
  'Record-Route', 'Refer-To', 'Referred-By', 'Reject-Contact', 'Reply-To',
  'Request-Disposition', 'Require', 'Retry-After', 'Route', 'RSeq', 'Server',
  'Service-Route', 'Session-Expires', 'SIP-ETag', 'SIP-If-Match', 'Subject',
  'Subscription-State', 'Supported', 'Timestamp', 'To', 'Unsupported', 'User-Agent', 'Via',
  'Warning', 'WWW-Authenticate',
];

const COMPACT: Record<string, string> = {
  a: 'Accept-Contact',
  b: 'Referred-By',
  c: 'Content-Type',
  d: 'Request-Disposition',
  e: 'Content-Encoding',
  f: 'From',
  i: 'Call-ID',
  j: 'Reject-Contact',
  k: 'Supported',
  l: 'Content-Length',
  m: 'Contact',
  n: 'Identity-Info',
  o: 'Event',
  r: 'Refer-To',
  s: 'Subject',
  t: 'To',
  u: 'Allow-Events',
  v: 'Via',
  x: 'Session-Expires',
  y: 'Identity',
};

const CANONICAL_SET = new Set(CANONICAL);
const BY_LOWER = new Map<string, string>();
for (const name of CANONICAL) BY_LOWER.set(name.toLowerCase(), name);
for (const short of Object.keys(COMPACT)) BY_LOWER.set(short, COMPACT[short]!);

const SHORT_OF = new Map<string, string>();
for (const short of Object.keys(COMPACT)) SHORT_OF.set(COMPACT[short]!, short);

/**
 * Canonical long name for a header name in any case or compact form. Unknown extension
 * headers keep the spelling they arrived with (names compare case-insensitively).
 */
export function canonicalName(name: string): string {
  if (CANONICAL_SET.has(name)) return name; // the usual case: already canonical
  return BY_LOWER.get(name.toLowerCase()) ?? name;
}

/** Canonical name of a header quip knows (any case, compact form), else undefined. */
export function knownName(name: string): string | undefined {
  if (CANONICAL_SET.has(name)) return name;
  return BY_LOWER.get(name.toLowerCase());
}

/** The compact form of a canonical name, if it has one. */
export function compactName(canonical: string): string | undefined {
  return SHORT_OF.get(canonical);
}

/** Headers whose value is a comma-separated list (RFC 3261 §7.3.1): they may be split and joined. */
const LIST = new Set([
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Alert-Info', 'Allow',
  'Allow-Events', 'Call-Info', 'Contact', 'Content-Encoding', 'Content-Language',
  'Error-Info', 'In-Reply-To', 'P-Asserted-Identity', 'P-Preferred-Identity', 'Path',
  'Proxy-Require', 'Reason', 'Record-Route', 'Reject-Contact', 'Require', 'Route',
  'Service-Route', 'Supported', 'Unsupported', 'Via', 'Warning',
]);

export function isListHeader(canonical: string): boolean {
  return LIST.has(canonical);
}

/** Headers a request or response may carry at most once (RFC 3261 §20, table 2 and 3). */
export const SINGLE_VALUED = [
  'Call-ID', 'CSeq', 'From', 'To', 'Max-Forwards', 'Content-Length', 'Content-Type',
  'Expires', 'Min-Expires', 'RSeq', 'RAck', 'Event', 'Subscription-State', 'Date',
];
