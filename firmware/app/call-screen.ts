// What the LCD shows during a call, for any screen size.

import type { Call } from '../ua/call.ts';
import type { MediaStats } from '../media/rtp-stream.ts';
import type { Layout, Screen } from './screen.ts';

const TITLES: Record<string, string> = {
  dialing: 'Calling...',
  trying: 'Calling...',
  ringing: 'Ringing...',
  early: 'Ringing...',
  connected: 'Connected',
  held: 'On hold',
  ended: 'Call ended',
};

/** `other`: a second call, waiting (ringing) or on hold behind this one. */
export function callScreen(screen: Screen, call: Call, nowMs: number, stats: MediaStats | null = null, other: Call | null = null): Layout {
  if (call.direction === 'in' && call.state === 'ringing') {
    return { lines: ['Incoming call', call.remote], inverse: [0], softkeys: ['Answer', 'Reject', '', ''] };
  }
  const transferring = call.transfer?.state === 'requested';
  let title = transferring ? 'Transferring...' : TITLES[call.state] ?? call.state;
  if ((call.state === 'connected' || call.state === 'held') && call.connectedAt > 0) {
    title = screen.spread(title, duration(nowMs - call.connectedAt));
  }
  const up = call.state === 'connected' || call.state === 'held';
  const info = stats !== null && screen.contentRows >= 4 ? `RTP rx ${stats.received} lost ${stats.lost} jit ${Math.round(stats.jitterMs)}ms` : '';
  const note = call.transfer?.state === 'failed' ? `Transfer failed ${call.transfer.status}` : call.muted ? 'Muted' : '';
  if (other !== null && other.state === 'ringing') {
    return { lines: [title, call.remote, `Waiting: ${other.remote}`, note], inverse: [2], softkeys: ['Answer', 'Reject', '', 'End'] };
  }
  const behind = other !== null && other.state !== 'ended' ? `On hold: ${other.remote}` : '';
  return {
    lines: [title, call.remote, behind || note, behind ? note : info],
    softkeys: up ? ['Xfer', call.localHold ? 'Resume' : 'Hold', behind ? 'Swap' : call.muted ? 'Unmute' : 'Mute', 'End'] : ['', '', '', 'Cancel'],
  };
}

function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(s / 60);
  return `${m < 10 ? '0' : ''}${m}:${s % 60 < 10 ? '0' : ''}${s % 60}`;
}
