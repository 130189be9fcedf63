// The far end of the whole-firmware call bench: a scripted PBX that is registrar, proxy and the
// called party at once (200 to REGISTER, 200 with a PCMU SDP to the INVITE, 200 to the rest),
// plus the G.711 RTP stream it sends back — every packet built before the timed run, so the
// stub's own work during the call is a lookup.

import { createResponse, parseMessage, serializeMessage } from '../../firmware/sip/index.ts';
import { encodeUlaw } from '../../firmware/codec/g711.ts';
import type { SentDatagram } from './call-host.ts';

export const PBX = { address: '10.0.0.1', port: 5060 };
/** Where the peer receives RTP (RTCP on the next port). */
export const PEER_RTP_PORT = 30000;
const SAMPLES = 160;

/** The counts the bench checks the call against. */
export interface PeerCounts {
  rtp: number;
  rtcp: number;
  sip: number;
}

export class CallPeer {
  readonly counts: PeerCounts = { rtp: 0, rtcp: 0, sip: 0 };
  /** The phone's RTP port, from its INVITE's SDP. */
  phoneRtpPort: number | null = null;

  /** `reply` hands a SIP datagram to the phone's port it came from. */
  constructor(private readonly reply: (data: string, toPort: number) => void) {}

  /** Every datagram the phone sends arrives here. */
  readonly receive = (d: SentDatagram, fromPort: number): void => {
    if (d.port === PEER_RTP_PORT) this.counts.rtp++;
    else if (d.port === PEER_RTP_PORT + 1) this.counts.rtcp++;
    else if (d.address === PBX.address && d.port === PBX.port) this.onSip(d.data, fromPort);
  };

  private onSip(data: string, fromPort: number): void {
    if (data.trim() === '') return; // keep-alive
    this.counts.sip++;
    const m = parseMessage(data);
    if (m.kind !== 'request' || m.method === 'ACK') return;
    const res = createResponse(m, 200, undefined, 'pbx-tag');
    if (m.method === 'REGISTER') res.add('Contact', `${m.get('Contact')!};expires=3600`);
    if (m.method === 'INVITE') {
      const port = /^m=audio (\d+)/m.exec(m.bodyText());
      if (port !== null) this.phoneRtpPort = Number(port[1]);
      res.add('Contact', `<sip:2002@${PBX.address}:${PBX.port}>`);
      res.add('Content-Type', 'application/sdp');
      res.body = answerSdp();
    }
    this.reply(serializeMessage(res), fromPort);
  }
}

function answerSdp(): string {
  return [
    'v=0', `o=pbx 1 1 IN IP4 ${PBX.address}`, 's=-', `c=IN IP4 ${PBX.address}`, 't=0 0',
    `m=audio ${PEER_RTP_PORT} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=ptime:20', 'a=sendrecv', '',
  ].join('\r\n');
}

/** `count` consecutive 20 ms PCMU RTP packets (byte strings), sequence and timestamp advancing. */
export function rtpPackets(count: number, ssrc = 0x5eed1234): string[] {
  const frames = [0, 1, 2, 3].map((k) => {
    const pcm = new Int16Array(SAMPLES);
    for (let i = 0; i < SAMPLES; i++) pcm[i] = Math.round(6000 * Math.sin((2 * Math.PI * 600 * (k * SAMPLES + i)) / 8000));
    const out = new Uint8Array(SAMPLES);
    encodeUlaw(pcm, out);
    return String.fromCharCode(...out);
  });
  const packets: string[] = [];
  const seq0 = 1000;
  const ts0 = 160_000;
  for (let n = 0; n < count; n++) {
    const seq = (seq0 + n) & 0xffff;
    const ts = (ts0 + n * SAMPLES) >>> 0;
    const header = [0x80, n === 0 ? 0x80 : 0x00, seq >> 8, seq & 0xff, ts >>> 24, (ts >> 16) & 0xff, (ts >> 8) & 0xff, ts & 0xff,
      ssrc >>> 24, (ssrc >> 16) & 0xff, (ssrc >> 8) & 0xff, ssrc & 0xff];
    packets.push(String.fromCharCode(...header) + frames[n % frames.length]!);
  }
  return packets;
}

/** A few 20 ms microphone frames (16-bit LE byte strings) of a 1 kHz tone, cycled by the bench. */
export function micFrames(): string[] {
  return [0, 1, 2, 3].map((k) => {
    let s = '';
    for (let i = 0; i < SAMPLES; i++) {
      const v = Math.round(8000 * Math.sin((2 * Math.PI * 1000 * (k * SAMPLES + i)) / 8000)) & 0xffff;
      s += String.fromCharCode(v & 0xff, v >> 8);
    }
    return s;
  });
}
