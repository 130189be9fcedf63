// The phone's audio frame loop: every frame the HAL delivers a microphone frame and wants one
// speaker frame back. Local tones (dial tone, ringback, busy, key tones) and the call's RTP
// stream both feed that one speaker frame; the frame clock runs only while one of them does.

import type { Hal } from '../../hal/contract.ts';
import { ToneGenerator } from './tones.ts';
import type { Tone } from './tones.ts';

/** What plays through the frame loop besides tones: the call's media stream. */
export interface FrameSink {
  /** Takes the microphone frame, writes what the speaker should play into `out`. */
  frame(mic: Int16Array, out: Int16Array): void;
}

export const SAMPLE_RATE = 8000;
export const FRAME_MS = 20;
const SAMPLES = (SAMPLE_RATE * FRAME_MS) / 1000;

export class AudioPath {
  readonly tones = new ToneGenerator(SAMPLE_RATE);
  private sink: FrameSink | null = null;
  private running = false;
  private readonly mic = new Int16Array(SAMPLES);
  private readonly out = new Int16Array(SAMPLES);
  private readonly toneFrame = new Int16Array(SAMPLES);

  constructor(private readonly hal: Hal) {}

  /** Plays a tone (replacing the current one); null stops it. */
  tone(t: Tone | null): void {
    if (t === null) this.tones.stop();
    else this.tones.start(t);
    this.update();
  }

  setSink(sink: FrameSink | null): void {
    this.sink = sink;
    this.update();
  }

  /** One audio_frame event: 16-bit LE PCM in, one frame played back. */
  onFrame(pcm: string): void {
    const n = Math.min(SAMPLES, pcm.length >> 1);
    for (let i = 0; i < n; i++) {
      const v = pcm.charCodeAt(2 * i) | (pcm.charCodeAt(2 * i + 1) << 8);
      this.mic[i] = v > 32767 ? v - 65536 : v;
    }
    for (let i = n; i < SAMPLES; i++) this.mic[i] = 0;
    this.out.fill(0);
    if (this.sink !== null) this.sink.frame(this.mic, this.out);
    if (this.tones.active && this.tones.nextFrame(this.toneFrame)) {
      for (let i = 0; i < SAMPLES; i++) {
        const v = this.out[i]! + this.toneFrame[i]!;
        this.out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
    }
    this.hal.audio.play(toBinary(this.out));
    if (!this.tones.active && this.sink === null) this.update();
  }

  private update(): void {
    const want = this.sink !== null || this.tones.active;
    if (want && !this.running) this.hal.audio.start(SAMPLE_RATE, FRAME_MS);
    else if (!want && this.running) this.hal.audio.stop();
    this.running = want;
  }
}

/** 16-bit little-endian PCM as the HAL's byte string. */
function toBinary(pcm: Int16Array): string {
  const codes: number[] = new Array(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) {
    const v = pcm[i]! & 0xffff;
    codes[2 * i] = v & 0xff;
    codes[2 * i + 1] = v >> 8;
  }
  return String.fromCharCode.apply(null, codes);
}
