// CallLines without a phone: which call is in front, what waiting, swapping, promoting and
// being transferred do to the two lines, and that the RTP stream follows the front call.
import test from 'ava';
import type { Hal } from '../../hal/contract.ts';
import type { AudioPath, FrameSink } from '../../firmware/media/audio-path.ts';
import type { Call } from '../../firmware/ua/call.ts';
import { CallLines } from '../../firmware/ua/call-lines.ts';
import type { CallMediaParameters } from '../../firmware/sdp/index.ts';
import type { Timers } from '../../firmware/util/timers.ts';

const params = {
  mediaType: 'audio', codecName: 'PCMU', payloadType: 0, clockRate: 8000, channels: 1, fmtp: null, ptime: 20,
  remoteAddress: '192.0.2.9', remotePort: 40000, remoteRtcpAddress: '192.0.2.9', remoteRtcpPort: 40001,
  direction: 'sendrecv', remoteHold: false, dtmfPayloadType: 101,
} as CallMediaParameters;

/** The parts of a Call the lines use; `hold` answers like Call.hold (a re-INVITE went out). */
interface FakeCall {
  callId: string;
  state: Call['state'];
  localHold: boolean;
  muted: boolean;
  media: { params: CallMediaParameters | null };
  rtpPair: { port: number; rtp: number; rtcp: number; bound: boolean; inUse: boolean } | null;
  infoDigits: string[];
  hold(on: boolean): boolean;
  setMuted(on: boolean): void;
  sendInfoDtmf(d: string): void;
}

let nextId = 1;
function call(state: Call['state'], withMedia = state === 'connected'): FakeCall & Call {
  const id = nextId++;
  const c: FakeCall = {
    callId: `c${id}`, state, localHold: false, muted: false,
    media: { params: withMedia ? params : null },
    rtpPair: { port: 16384 + 2 * id, rtp: 100 + id, rtcp: 200 + id, bound: true, inUse: true },
    infoDigits: [],
    hold(on) {
      this.localHold = on;
      this.state = on ? 'held' : 'connected';
      return true;
    },
    setMuted(on) {
      this.muted = on;
    },
    sendInfoDtmf(d) {
      this.infoDigits.push(d);
    },
  };
  return c as FakeCall & Call;
}

function lines(): { lines: CallLines; audio: { sink: FrameSink | null }; stats: number[] } {
  const hal = {
    net: { udpSend: () => true, localAddress: () => '192.0.2.1' },
    clock: { now: () => 0, monotonic: () => 0 },
    crypto: { randomBytes: (n: number) => '\x01'.repeat(n) },
    system: { emit: () => {} },
  } as unknown as Hal;
  const timers = { after: () => 1, cancel: () => {} } as unknown as Timers;
  const audio = { sink: null as FrameSink | null, setSink(s: FrameSink | null) { this.sink = s; } };
  const stats: number[] = [];
  const l = new CallLines(hal, timers, audio as unknown as AudioPath, { frontStats: () => stats.push(1) });
  return { lines: l, audio, stats };
}

test('an incoming call rings in front when the line is free, and waits behind a call that is up', (t) => {
  const { lines: l } = lines();
  const a = call('ringing');
  t.is(l.incoming(a), 'front');
  t.is(l.front, a);
  t.true(l.busy);
  const b = call('ringing');
  t.is(l.incoming(b), 'back');
  t.is(l.front, a);
  t.is(l.back, b);
});

test('a changed call takes a free front line; while one is up, an unknown call is on neither line', (t) => {
  const { lines: l } = lines();
  const a = call('trying');
  t.is(l.changed(a), 'front');
  t.is(l.front, a);
  t.is(l.changed(call('trying')), null);
  t.is(l.front, a);
  a.state = 'ended';
  l.update(a);
  t.is(l.front, null, 'an ended call leaves the front');
  const c = call('trying');
  t.is(l.changed(c), 'front');
  t.is(l.front, c);
});

test('the front call gets the RTP stream when connected, and loses it when it ends', (t) => {
  const { lines: l, audio } = lines();
  const a = call('early', false);
  l.dialed(a);
  l.update(a);
  t.is(l.stream, null, 'no SDP answer yet: no media');
  a.state = 'connected';
  a.media.params = params;
  l.update(a);
  t.not(l.stream, null);
  t.is(audio.sink, l.stream);
  a.state = 'ended';
  l.update(a);
  t.is(l.stream, null);
  t.is(audio.sink, null);
});

test('answering the waiting call holds the first behind it and moves the media to the new one', (t) => {
  const { lines: l, audio } = lines();
  const a = call('connected');
  l.dialed(a);
  l.update(a);
  const first = l.stream;
  const b = call('ringing', false);
  l.incoming(b);
  t.is(l.swap(), b);
  t.is(l.front, b);
  t.is(l.back, a);
  t.true(a.localHold, 'the first call went on hold');
  t.is(l.stream, null, 'its stream stopped');
  t.is(audio.sink, null);
  b.state = 'connected';
  b.media.params = params;
  t.is(l.changed(b), 'front');
  l.update(b);
  t.not(l.stream, null);
  t.not(l.stream, first);
});

test('Swap takes the held call off hold and gives it the media; the other goes on hold', (t) => {
  const { lines: l } = lines();
  const a = call('connected');
  l.dialed(a);
  l.update(a);
  const b = call('ringing', false);
  l.incoming(b);
  l.swap();
  b.state = 'connected';
  b.media.params = params;
  l.update(b);
  t.is(l.swapHeld(), a);
  t.is(l.front, a);
  t.is(l.back, b);
  t.false(a.localHold);
  t.true(b.localHold);
  t.not(l.stream, null);
});

test('when the front call ends, the call behind comes forward; an ended call behind just leaves', (t) => {
  const { lines: l } = lines();
  const a = call('connected');
  l.dialed(a);
  const b = call('held');
  b.localHold = true;
  l.incoming(b);
  a.state = 'ended';
  t.is(l.changed(a), 'front');
  l.update(a);
  t.is(l.promote(), b);
  t.is(l.front, b);
  t.is(l.back, null);
  t.is(l.promote(), null);

  const c = call('ringing', false);
  l.incoming(c);
  c.state = 'ended';
  t.is(l.changed(c), 'back');
  t.is(l.back, null);
  t.is(l.front, b);
});

test('a transfer hands the front line to the new call only when it replaces the one in front', (t) => {
  const { lines: l } = lines();
  const a = call('connected');
  l.dialed(a);
  l.update(a);
  const other = call('connected');
  t.false(l.transferred(other, call('trying')), 'not the front call');
  const gone = call('ended');
  t.false(l.transferred(a, gone), 'the new call already ended');
  const to = call('trying');
  t.true(l.transferred(a, to));
  t.is(l.front, to);
  t.is(l.stream, null, 'the old call\'s media stopped');
});

test('digits go as telephone-events when the stream has them, else by SIP INFO; mute follows the call', (t) => {
  const { lines: l } = lines();
  const a = call('connected', false);
  l.dialed(a);
  l.sendDigit('5');
  t.deepEqual(a.infoDigits, ['5'], 'no stream: SIP INFO');
  a.media.params = params;
  l.update(a);
  l.sendDigit('7');
  t.deepEqual(a.infoDigits, ['5'], 'the stream sent it');
  l.toggleMute();
  t.true(a.muted);
  t.true(l.stream!.muted);
});
