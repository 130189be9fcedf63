// Types for the JsSIP internal the bench bundles (JsSIP ships no declarations for lib/Parser.js).
declare module 'jssip/lib/Parser.js' {
  /** Parses a SIP message; returns undefined (after logging a warning) when it is malformed. */
  export function parseMessage(data: string, ua: unknown): unknown;
}
