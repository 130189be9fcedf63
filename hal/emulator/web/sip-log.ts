// Turns the packets a phone's network tap reports into SIP messages for the web page's ladder:
// datagrams that look like SIP (RTP, RTCP and keep-alives do not) and TCP streams cut into
// messages per connection. Keeps the last few hundred, so a page that connects late still
// sees the current call.

import { StreamFramer } from '../../../firmware/sip/stream-framer.ts';
import { parseMessage } from '../../../firmware/sip/parser.ts';
import type { TappedPacket } from '../net-tap.ts';
import type { SipEntry } from './protocol.ts';

const KEEP = 300;
/** A message longer than this is shown cut (the ladder is for people, not for replay). */
const MAX_TEXT = 16 * 1024;
const START_LINE = /^(?:SIP\/2\.0 \d{3}(?: [^\r\n]*)?|[A-Za-z]+ \S+ SIP\/2\.0)\r?\n/;

export class SipLog {
  private readonly entries: SipEntry[] = [];
  private readonly framers = new Map<string, StreamFramer>();
  private seq = 0;

  constructor(private readonly onEntry: (entry: SipEntry) => void = () => {}) {}

  get all(): readonly SipEntry[] {
    return this.entries;
  }

  packet(p: TappedPacket): void {
    if (p.transport === 'udp') {
      if (START_LINE.test(p.data)) this.add(p, p.data);
      return;
    }
    const key = `${p.conn}/${p.direction}`;
    if (p.closed === true) {
      this.framers.delete(`${p.conn}/in`);
      this.framers.delete(`${p.conn}/out`);
      return;
    }
    let framer = this.framers.get(key);
    if (framer === undefined) this.framers.set(key, (framer = new StreamFramer()));
    try {
      for (const m of framer.push(p.data).messages) if (START_LINE.test(m)) this.add(p, m);
    } catch {
      this.framers.delete(key); // broken framing: the firmware drops this stream as well
    }
  }

  private add(p: TappedPacket, octets: string): void {
    const text = utf8(octets.length > MAX_TEXT ? octets.slice(0, MAX_TEXT) + '\r\n[… cut]' : octets);
    const entry: SipEntry = {
      seq: ++this.seq,
      time: Date.now(),
      direction: p.direction,
      transport: p.transport,
      peer: `${p.address}:${p.port}`,
      firstLine: text.slice(0, text.search(/\r?\n/)),
      ...keys(octets),
      text,
    };
    this.entries.push(entry);
    if (this.entries.length > KEEP) this.entries.shift();
    this.onEntry(entry);
  }
}

/** Call-ID and CSeq as the firmware's parser reads them (folding, compact forms); null when malformed. */
function keys(octets: string): { callId: string | null; cseq: string | null } {
  try {
    const m = parseMessage(octets);
    return { callId: m.get('Call-ID') ?? null, cseq: m.get('CSeq') ?? null };
  } catch {
    return { callId: null, cseq: null };
  }
}

function utf8(octets: string): string {
  return Buffer.from(octets, 'latin1').toString('utf8');
}
