// A SIP dialog (RFC 3261 §12): the identifiers, sequence numbers, remote target and route
// set that in-dialog requests are built from.

import { SipMessage, parseUri, isSipUri, uriInBrackets, withoutTag } from '../index.ts';
import type { SipUri } from '../index.ts';

export class Dialog {
  constructor(
    readonly callId: string,
    readonly localTag: string,
    public remoteTag: string,
    /** From of our requests (name-addr, without tag). */
    readonly localUri: string,
    /** To of our requests (name-addr, without tag). */
    readonly remoteUri: string,
    public localSeq: number,
    public remoteSeq: number,
    public remoteTarget: string,
    /** Route header values in the order our requests carry them. */
    readonly routeSet: string[],
  ) {}

  /** A dialog we created with an INVITE, from a response with a To tag (§12.1.2). */
  static asUac(req: SipMessage, res: SipMessage): Dialog | null {
    const to = res.to();
    const from = req.from();
    const contact = res.contacts()[0];
    if (!to?.tag || !from?.tag) return null;
    const routes = res.recordRoutes().map((r) => `<${r.uriText}>`).reverse();
    return new Dialog(
      req.callId()!, from.tag, to.tag, withoutTag(req.get('From')!), withoutTag(req.get('To')!),
      req.cseq()!.seq, 0, contact ? contact.uriText : req.uri, routes,
    );
  }

  /** A dialog created by an INVITE we received (§12.1.1); `localSeq` is our random CSeq start. */
  static asUas(req: SipMessage, localTag: string, localSeq: number): Dialog | null {
    const from = req.from();
    const contact = req.contacts()[0];
    if (!from?.tag || contact === undefined) return null;
    const routes = req.recordRoutes().map((r) => `<${r.uriText}>`);
    return new Dialog(
      req.callId()!, localTag, from.tag, withoutTag(req.get('To')!), withoutTag(req.get('From')!),
      localSeq, req.cseq()!.seq, contact.uriText, routes,
    );
  }

  /** Builds an in-dialog request (§12.2.1.1) with the next local CSeq (ACK and CANCEL reuse theirs). */
  request(method: string, cseq?: number): SipMessage {
    const seq = cseq ?? (method === 'ACK' ? this.localSeq : ++this.localSeq);
    let uri = this.remoteTarget;
    const routes = this.routeSet.slice();
    if (routes.length > 0 && !isLoose(routes[0]!)) {
      // Strict routing (RFC 2543 proxies): the first route becomes the Request-URI.
      uri = uriInBrackets(routes.shift()!);
      routes.push(`<${this.remoteTarget}>`);
    }
    const m = SipMessage.request(method, uri);
    for (const r of routes) m.add('Route', r);
    m.add('Max-Forwards', '70');
    m.add('From', `${this.localUri};tag=${this.localTag}`);
    m.add('To', `${this.remoteUri};tag=${this.remoteTag}`);
    m.add('Call-ID', this.callId);
    m.add('CSeq', `${seq} ${method}`);
    return m;
  }

  /** Where an in-dialog request goes first: the first Route, else the remote target. */
  nextHop(): SipUri | null {
    const first = this.routeSet[0];
    try {
      const u = parseUri(first !== undefined ? uriInBrackets(first) : this.remoteTarget);
      return isSipUri(u) ? u : null;
    } catch {
      return null;
    }
  }

  /** A request from the peer in this dialog: false when its CSeq is old (§12.2.2 → 500). */
  acceptRemoteSeq(seq: number): boolean {
    if (this.remoteSeq !== 0 && seq < this.remoteSeq) return false;
    this.remoteSeq = seq;
    return true;
  }
}

function isLoose(route: string): boolean {
  return /;lr(?:[;=>]|$)/i.test(uriInBrackets(route) + '>');
}
