// SDP part of `quip parse` output. Filled in once the SDP core lands.
import type { Json } from './describe-message.ts';

export function describeSdp(text: string): Json {
  return { text };
}
