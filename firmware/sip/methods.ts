// The request methods quip's stack knows (RFC 3261 and the extensions a phone uses).
export const KNOWN_METHODS = [
  'INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'PRACK', 'SUBSCRIBE', 'NOTIFY',
  'PUBLISH', 'INFO', 'REFER', 'MESSAGE', 'UPDATE',
];

export function isKnownMethod(method: string): boolean {
  return KNOWN_METHODS.indexOf(method) !== -1;
}
