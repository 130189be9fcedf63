// The browser's microphone for one phone: 8 kHz frames arrive over the WebSocket at the
// network's pace and the phone's frame clock takes them at its own. A short queue absorbs
// the difference; a backlog beyond it is dropped (oldest first) to keep the latency low, and
// an underrun is padded with silence rather than letting the WAV file cut in mid-sentence.

import { AUDIO_RATE } from './protocol.ts';

/** 200 ms: enough for a browser's bursty delivery, short enough for a conversation. */
const MAX_QUEUED = AUDIO_RATE / 5;

export class MicBuffer {
  private queue = new Int16Array(MAX_QUEUED);
  private length = 0;
  private live = false;

  /** Whether a page is streaming its microphone (false: the phone hears --audio-in). */
  get active(): boolean {
    return this.live;
  }

  setActive(on: boolean): void {
    this.live = on;
    this.length = 0;
  }

  /** Adds samples (16-bit little-endian octets). An odd trailing octet is ignored. */
  push(pcm: Uint8Array): void {
    if (!this.live) return;
    const n = pcm.length >> 1;
    const view = new DataView(pcm.buffer, pcm.byteOffset, n * 2);
    const incoming = new Int16Array(n);
    for (let i = 0; i < n; i++) incoming[i] = view.getInt16(i * 2, true);
    const keep = incoming.subarray(Math.max(0, n - MAX_QUEUED));
    const overflow = this.length + keep.length - MAX_QUEUED;
    if (overflow > 0) {
      this.queue.copyWithin(0, overflow, this.length);
      this.length -= overflow;
    }
    this.queue.set(keep, this.length);
    this.length += keep.length;
  }

  /** One frame for the phone's clock, or null when no page streams (or the rate is not 8 kHz). */
  take(samples: number, sampleRate: number): Int16Array | null {
    if (!this.live || sampleRate !== AUDIO_RATE) return null;
    const frame = new Int16Array(samples);
    const n = Math.min(samples, this.length);
    frame.set(this.queue.subarray(0, n));
    this.queue.copyWithin(0, n, this.length);
    this.length -= n;
    return frame;
  }
}
