// `quip demo`: parses a sample INVITE
// and shows what the message core sees.
import type { Command } from './command.ts';
import { parseToJson } from './parse.ts';

const SAMPLE = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.example.com>',
  'Content-Type: application/sdp',
  'Content-Length: 151',
  '',
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com',
  's=-',
  'c=IN IP4 192.0.2.101',
  't=0 0',
  'm=audio 49172 RTP/AVP 0 8 101',
  'a=rtpmap:101 telephone-event/8000',
  '',
].join('\r\n');

export const demoCommand: Command = {
  name: 'demo',
  summary: 'parse a sample INVITE and print what the SIP core sees',
  help: `Usage: quip demo

Parses a built-in sample INVITE with an SDP offer through quip's SIP and SDP core and
prints the result as JSON.
`,
  async run(args) {
    if (args.length) {
      process.stderr.write('quip demo: takes no arguments\n');
      return 2;
    }
    const body = SAMPLE.slice(SAMPLE.indexOf('\r\n\r\n') + 4);
    const text = SAMPLE.replace('Content-Length: 151', `Content-Length: ${body.length}`);
    process.stdout.write('quip demo — a sample INVITE through the SIP/SDP message core:\n\n');
    const result = parseToJson(text);
    if ('error' in result) {
      process.stderr.write(`error: ${result.error}\n`);
      return 1;
    }
    process.stdout.write(JSON.stringify(result.json, null, 2) + '\n');
    return 0;
  },
};
