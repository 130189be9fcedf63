// A call's requests inside its dialog (RFC 3261 §12.2): ours go to the dialog's next hop — the
// first Route, else the remote target — or, without a dialog, to the hop the caller names; the
// peer's that change nothing in the call are answered here.

import { createResponse } from '../sip/index.ts';
import type { SipMessage } from '../sip/index.ts';
import type { Peer } from '../sip/transport/index.ts';
import type { ClientTransaction, ServerTransaction } from '../sip/transaction/index.ts';
import type { Dialog } from '../sip/dialog/dialog.ts';
import { parseDtmfRelay } from '../media/dtmf.ts';
import type { CallHost } from './call.ts';
import { isDtmfRelay } from './call-messages.ts';

/** Finds where the dialog's next request goes; `hint` when it cannot be resolved (or no dialog). */
export function routeInDialog(host: CallHost, dialog: Dialog | null, hint: Peer | null, cb: (peer: Peer) => void): void {
  const next = dialog?.nextHop() ?? null;
  if (next === null) {
    if (hint !== null) cb(hint);
    return;
  }
  host.route(next, true, (peer) => {
    const p = peer ?? hint;
    if (p !== null) cb(p);
  });
}

/**
 * Sends `req` along the dialog's route; `onFinal` gets the final response (408 or 503 made up
 * when none comes) and the hop, `onTx` the transaction once there is one.
 */
export function sendInDialog(
  host: CallHost,
  dialog: Dialog | null,
  req: SipMessage,
  hint: Peer | null,
  onFinal: (res: SipMessage, peer: Peer) => void,
  onTx?: (tx: ClientTransaction) => void,
): void {
  routeInDialog(host, dialog, hint, (peer) => {
    const tx = host.ctx.stack.layer.request(req, peer, {
      onFinal: (res) => onFinal(res, peer),
      onTimeout: () => onFinal(createResponse(req, 408), peer),
      onTransportError: () => onFinal(createResponse(req, 503), peer),
    });
    if (tx !== null) onTx?.(tx);
  });
}

/**
 * Answers a peer's request that leaves the call as it is: INFO, OPTIONS and NOTIFY (a refer
 * subscription's progress, which we need not follow) 200, anything else 405. Returns the DTMF
 * digit an INFO carried, else null.
 */
export function answerPlainRequest(host: CallHost, req: SipMessage, tx: ServerTransaction): string | null {
  switch (req.method) {
    case 'INFO': {
      const digit = isDtmfRelay(req) ? parseDtmfRelay(req.bodyText()) : null;
      tx.respond(createResponse(req, 200));
      return digit;
    }
    case 'OPTIONS':
    case 'NOTIFY': {
      const res = createResponse(req, 200);
      if (req.method === 'OPTIONS') res.add('Allow', host.allow);
      tx.respond(res);
      return null;
    }
    default: {
      const res = createResponse(req, 405);
      res.add('Allow', host.allow);
      tx.respond(res);
      return null;
    }
  }
}
