// RtpStream with a recording HAL: packet sizes follow the peer's ptime, mute sends G.711
// silence, and the peer's telephone-events become digits.
import test from 'ava';
import type { Hal } from '../../hal/contract.ts';
import { readRtpBinary, writeRtpBinary } from '../../firmware/rtp/packet.ts';
import { RtpStream } from '../../firmware/media/rtp-stream.ts';
import { pcmToBinary } from '../../firmware/codec/g711.ts';
import type { CallMediaParameters } from '../../firmware/sdp/index.ts';

function fakeHal(sent: Array<{ data: string; port: number }>): Hal {
  return {
    net: { udpSend: (_s: number, data: string, _a: string, port: number) => (sent.push({ data, port }), true) },
    clock: { now: () => Date.now(), monotonic: () => 0, setTimer: () => 1, clearTimer: () => {} },
    crypto: { randomBytes: (n: number) => '\x01'.repeat(n) },
  } as unknown as Hal;
}

const timers = { after: () => 1, cancel: () => {} };

function params(ptime: number): CallMediaParameters {
  return {
    mediaType: 'audio', codecName: 'PCMU', payloadType: 0, clockRate: 8000, channels: 1, fmtp: null, ptime,
    remoteAddress: '192.0.2.9', remotePort: 40000, remoteRtcpAddress: '192.0.2.9', remoteRtcpPort: 40001,
    direction: 'sendrecv', remoteHold: false, dtmfPayloadType: 101,
  } as CallMediaParameters;
}

const pair = { port: 16384, rtp: 1, rtcp: 2, bound: true, inUse: true };
const frame = pcmToBinary(new Int16Array(160).fill(1000));

for (const [ptime, perThreeFrames, bytes] of [[10, 6, 80], [20, 3, 160], [30, 2, 240], [60, 1, 480]] as const) {
  test(`a peer asking for ptime ${ptime} ms gets ${bytes}-octet packets`, (t) => {
    const sent: Array<{ data: string; port: number }> = [];
    const s = new RtpStream(fakeHal(sent), pair, params(ptime), timers, () => {}, () => {});
    const out = new Int16Array(160);
    for (let i = 0; i < 3; i++) s.frame(frame, out);
    const rtp = sent.filter((p) => p.port === 40000).map((p) => readRtpBinary(p.data)!);
    t.is(rtp.length, perThreeFrames);
    for (const p of rtp) t.is(p.payload.length, bytes);
    for (let i = 1; i < rtp.length; i++) t.is((rtp[i]!.timestamp - rtp[i - 1]!.timestamp) >>> 0, bytes); // 1 octet = 1 sample
  });
}

test('muted, the stream sends µ-law silence', (t) => {
  const sent: Array<{ data: string; port: number }> = [];
  const s = new RtpStream(fakeHal(sent), pair, params(20), timers, () => {}, () => {});
  s.muted = true;
  s.frame(frame, new Int16Array(160));
  t.true([...readRtpBinary(sent[0]!.data)!.payload].every((b) => b === 0xff));
});

test('the peer\'s telephone-events are reported once per digit', (t) => {
  const digits: string[] = [];
  const s = new RtpStream(fakeHal([]), pair, params(20), timers, (d) => digits.push(d), () => {});
  for (let i = 0; i < 4; i++) {
    const end = i === 3;
    const payload = new Uint8Array([5, (end ? 0x80 : 0) | 10, 0, 160 * (i + 1)]);
    const pkt = writeRtpBinary({ payloadType: 101, sequence: 100 + i, timestamp: 8000, ssrc: 7, marker: i === 0 }, payload);
    s.handleUdp(pair.rtp, pkt, '192.0.2.9', 40000);
  }
  t.deepEqual(digits, ['5']);
});
