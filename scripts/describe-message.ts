// Turns a parsed SIP message into the JSON shape `quip parse` prints.

import { SipMessage } from '../firmware/sip/index.ts';
import type { Params, Uri } from '../firmware/sip/index.ts';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function params(p: Params): Json {
  const o: Record<string, Json> = {};
  for (const [k, v] of p) o[k] = v;
  return o;
}

function uri(u: Uri): Json {
  const o: Record<string, Json> = {};
  for (const [k, v] of Object.entries(u)) {
    if (v instanceof Map) o[k] = params(v);
    else o[k] = v as Json;
  }
  return o;
}

/** JSON view of a message: start line, headers in order, body, and key typed values. */
export function describeMessage(msg: SipMessage, sdp?: (text: string) => Json): Record<string, Json> {
  const out: Record<string, Json> = { kind: msg.kind };
  if (msg.kind === 'request') {
    out.method = msg.method;
    out.request_uri = msg.uri;
  } else {
    out.status = msg.status;
    out.reason = msg.reason;
  }
  out.headers = msg.headers.map((h) => ({ name: h.name, value: h.value }));
  const top = msg.topVia();
  const from = msg.from();
  const to = msg.to();
  const cseq = msg.cseq();
  out.parsed = {
    call_id: msg.callId() ?? null,
    cseq: cseq ? { seq: cseq.seq, method: cseq.method } : null,
    from: from ? { display_name: from.displayName, uri: uri(from.uri), tag: from.tag } : null,
    to: to ? { display_name: to.displayName, uri: uri(to.uri), tag: to.tag } : null,
    via: msg.vias().map((v) => ({
      transport: v.transport, host: v.host, port: v.port, branch: v.branch, params: params(v.params),
    })),
    top_via_branch: top?.branch ?? null,
    max_forwards: msg.maxForwards() ?? null,
    contacts: msg.contactIsWildcard() ? '*' : msg.contacts().map((c) => ({
      display_name: c.displayName, uri: uri(c.uri), expires: c.expires, q: c.q, params: params(c.params),
    })),
    ...(msg.kind === 'request' ? { request_uri: uri(msg.requestUri()) } : {}),
  };
  out.body = msg.bodyText();
  out.body_bytes = msg.body.length;
  if (msg.trailingBytes) out.trailing_bytes = msg.trailingBytes;
  const problems = msg.problems();
  if (problems.length) out.problems = problems;
  const ct = msg.contentType();
  if (sdp && ct && ct.type === 'application' && ct.subtype === 'sdp' && msg.body.length) {
    out.sdp = sdp(msg.bodyText());
  }
  return out;
}
