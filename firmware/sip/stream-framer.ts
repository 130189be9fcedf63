// Cuts a TCP/TLS byte stream into SIP messages (RFC 3261 §18.3): each message ends
// Content-Length octets after its header section. Also recognises RFC 5626 keep-alives.
// A framing error cannot be recovered from on a stream: the caller closes the connection.

import { bytesToBinary } from '../util/utf8.ts';
import { trimLws } from './chars.ts';
import { SipParseError } from './errors.ts';
import { MAX_MESSAGE_BYTES } from './limits.ts';

export interface Frames {
  /** Complete messages, each as a byte string ready for parseMessage(). */
  messages: string[];
  /** CRLFCRLF "pings" seen; each should be answered with a CRLF "pong". */
  pings: number;
}

/** The value is trimmed in code: a lazy group next to [ \t]* would backtrack quadratically. */
const CONTENT_LENGTH = /^(?:content-length|l)[ \t]*:([^\r\n]*)/gim;

export class StreamFramer {
  private buf = '';

  constructor(private readonly maxBytes: number = MAX_MESSAGE_BYTES) {}

  /** Octets waiting for the rest of their message. */
  get pending(): number {
    return this.buf.length;
  }

  /** Adds received octets; returns the messages they complete. Throws SipParseError on bad framing. */
  push(chunk: string | Uint8Array): Frames {
    this.buf += typeof chunk === 'string' ? chunk : bytesToBinary(chunk);
    try {
      return this.cut();
    } catch (e) {
      this.buf = ''; // the stream is unusable from here on
      throw e;
    }
  }

  private cut(): Frames {
    const out: Frames = { messages: [], pings: 0 };
    for (;;) {
      // Between messages only CRLF keep-alives may appear.
      let i = 0;
      const b = this.buf;
      while (i < b.length && (b.charCodeAt(i) === 0x0d || b.charCodeAt(i) === 0x0a)) {
        if (b.startsWith('\r\n\r\n', i)) {
          out.pings++;
          i += 4;
        } else if (b.length - i < 4 && '\r\n\r\n'.startsWith(b.slice(i))) {
          break; // maybe the start of a ping: wait for the rest
        } else {
          i += b.startsWith('\r\n', i) ? 2 : 1; // a CRLF "pong", or a stray CR/LF
        }
      }
      if (i > 0) this.buf = b.slice(i);
      const end = this.buf.indexOf('\r\n\r\n');
      if (end === -1) {
        if (this.buf.length > this.maxBytes) throw this.fail('header section too large');
        return out;
      }
      const length = contentLength(this.buf.slice(0, end + 2));
      const total = end + 4 + length;
      if (total > this.maxBytes) throw this.fail(`message of ${total} octets exceeds ${this.maxBytes}`);
      if (this.buf.length < total) return out;
      out.messages.push(this.buf.slice(0, total));
      this.buf = this.buf.slice(total);
    }
  }

  private fail(what: string): SipParseError {
    return framing(what);
  }
}

/** The one Content-Length of a header section; on a stream it is mandatory. */
function contentLength(section: string): number {
  let found = -1;
  CONTENT_LENGTH.lastIndex = 0;
  for (let m = CONTENT_LENGTH.exec(section); m !== null; m = CONTENT_LENGTH.exec(section)) {
    const v = trimLws(m[1]!);
    if (!/^[0-9]{1,10}$/.test(v)) throw framing(`bad Content-Length '${v}'`);
    const n = Number(v);
    if (found !== -1 && found !== n) throw framing('conflicting Content-Length values');
    found = n;
  }
  if (found === -1) throw framing('Content-Length is required on a stream');
  return found;
}

function framing(what: string): SipParseError {
  return new SipParseError('content-length', `stream framing: ${what}`, { header: 'Content-Length' });
}
