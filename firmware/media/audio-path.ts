// The phone's audio frame loop: every frame the HAL delivers a microphone frame and wants one
// speaker frame back. Local tones (dial tone, ringback, busy, key tones) and the call's RTP
// stream both feed that one speaker frame; the frame clock runs only while one of them does.

import type { Hal } from '../../hal/contract.ts';
import { pcmToBinary } from '../codec/g711.ts';
import { ToneGenerator } from './tones.ts';
import type { Tone } from './tones.ts';

/** What plays through the frame loop besides tones: the call's media stream. */
export interface FrameSink {
  /** Takes the microphone frame (16-bit LE byte string, as the HAL gave it), writes what the speaker should play into `out`. */
  frame(mic: string, out: Int16Array): void;
}

export const SAMPLE_RATE = 8000;
export const FRAME_MS = 20;
const SAMPLES = (SAMPLE_RATE * FRAME_MS) / 1000;

export class AudioPath {
  readonly tones = new ToneGenerator(SAMPLE_RATE);
  private sink: FrameSink | null = null;
  private running = false;
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
    this.out.fill(0);
    if (this.sink !== null) this.sink.frame(pcm, this.out);
    if (this.tones.active && this.tones.nextFrame(this.toneFrame)) {
      for (let i = 0; i < SAMPLES; i++) {
        const v = this.out[i]! + this.toneFrame[i]!;
        this.out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
    }
    this.hal.audio.play(pcmToBinary(this.out));
    if (!this.tones.active && this.sink === null) this.update();
  }

  private update(): void {
    const want = this.sink !== null || this.tones.active;
    if (want && !this.running) this.hal.audio.start(SAMPLE_RATE, FRAME_MS);
    else if (!want && this.running) this.hal.audio.stop();
    this.running = want;
  }
}
