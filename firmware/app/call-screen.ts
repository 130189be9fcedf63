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

export function callScreen(screen: Screen, call: Call, nowMs: number, stats: MediaStats | null = null): Layout {
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
  return {
    lines: [title, call.remote, note, info],
    softkeys: up ? ['Xfer', call.localHold ? 'Resume' : 'Hold', call.muted ? 'Unmute' : 'Mute', 'End'] : ['', '', '', 'Cancel'],
  };
}

function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(s / 60);
  return `${m < 10 ? '0' : ''}${m}:${s % 60 < 10 ? '0' : ''}${s % 60}`;
}
