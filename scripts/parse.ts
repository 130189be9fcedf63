// `quip parse [file|-]`: one SIP message in, JSON out; exit 1 with a one-line error if malformed.

import { readFileSync } from 'node:fs';
import type { Command } from './command.ts';
import { usageError } from './command.ts';
import { describeMessage } from './describe-message.ts';
import type { Json } from './describe-message.ts';
import { SipParseError, parseMessage } from '../firmware/sip/index.ts';
import { describeSdp } from './describe-sdp.ts';

const help = `Usage: quip parse [file|-] [--compact]

Reads one SIP message (RFC 3261) from a file, or from standard input when the file is
'-' or absent, and prints it as JSON: kind (request/response), method or status, the
Request-URI, every header under its long canonical name in arrival order, the key typed
values (Via, From, To, Call-ID, CSeq, Contact, ...), the body, and the SDP parsed when the
body is application/sdp. Semantic defects that are not syntax errors (missing or repeated
mandatory headers, conflicting Content-Length) are listed under "problems".

A malformed message prints one line to stderr:
  error: <what> (would answer <status> <reason>)
and exits with status 1.

Options:
  --compact   print the JSON on one line
  -h, --help  show this help
`;

export const parseCommand: Command = {
  name: 'parse',
  summary: 'parse one SIP message and print it as JSON',
  help,
  async run(args) {
    const files = args.filter((a) => a !== '--compact');
    const unknown = files.filter((a) => a.startsWith('--'));
    if (unknown.length) return usageError('parse', `unknown option ${unknown[0]}`);
    if (files.length > 1) return usageError('parse', 'expects one file');
    const file = files[0] ?? '-';
    let data: Buffer;
    try {
      data = file === '-' ? readFileSync(0) : readFileSync(file);
    } catch (e) {
      process.stderr.write(`error: cannot read ${file}: ${(e as Error).message}\n`);
      return 1;
    }
    const result = parseToJson(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    if ('error' in result) {
      process.stderr.write(`error: ${result.error}\n`);
      return 1;
    }
    process.stdout.write(JSON.stringify(result.json, null, args.includes('--compact') ? undefined : 2) + '\n');
    return 0;
  },
};

/** Parses and fully validates a message; the JSON, or a one-line error. */
export function parseToJson(data: Uint8Array | string): { json: Record<string, Json> } | { error: string } {
  try {
    const msg = parseMessage(data);
    msg.validate();
    return { json: describeMessage(msg, describeSdp) };
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
    const answer = e.status === 0 ? 'would discard it' : `would answer ${e.status} ${e.reason}`;
    return { error: `${e.message.replace(/[\r\n]+/g, ' ')} (${answer})` };
  }
}
