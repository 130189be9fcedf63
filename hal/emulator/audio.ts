// AudioHal for the desktop emulator: the microphone is a WAV file, the speaker records into
// a WAV file, and a frame clock paces both like a codec chip would.
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { AudioHal, AudioRoute } from '../contract.ts';
import type { Deliver } from '../node/net.ts';
import { WavWriter, readWav, resample } from './wav.ts';
import type { WavData } from './wav.ts';

export interface WavAudioOptions {
  /** WAV file the microphone hears; silence without one. */
  input?: string;
  /** Start the input over when it ends (default true); otherwise silence follows. */
  loop?: boolean;
  /** WAV file that records everything the speaker plays, silence included. */
  output?: string;
  /** Continue an output file written earlier (e.g. before an emulated reboot) instead of replacing it. */
  appendOutput?: boolean;
  /** Monotonic milliseconds; default performance.now(). */
  now?: () => number;
  /** No timer: each tick() produces one frame (for tests). */
  manualClock?: boolean;
  /** Played audio queued beyond this many frames is dropped, oldest first (default 4). */
  maxQueuedFrames?: number;
  /** A live microphone (e.g. a browser's): one frame of `samples` at `sampleRate`, or null
   *  while it has nothing to give — then the input file (or silence) is heard instead. */
  source?: PcmSource;
}

export type PcmSource = (samples: number, sampleRate: number) => Int16Array | null;

const ROUTES: readonly AudioRoute[] = ['handset', 'speaker', 'headset'];
/**
 * The codec's capture ring: a host that falls behind by up to this much time (a loaded machine,
 * a slow board) still gets every frame, late and back to back, as a DMA ring would hand them
 * over; only after a longer stall (debugger, suspended laptop) are older frames lost, as the
 * ring overruns. (It was 5 frames, 100 ms: any busier moment dropped audio.)
 */
export const CATCH_UP_MS = 1000;
/** Frames caught up after a stall, for a frame period. */
export function catchUpFrames(frameMs: number): number {
  return Math.max(1, Math.ceil(CATCH_UP_MS / frameMs));
}

export class WavAudio implements AudioHal {
  private readonly input: WavData | null;
  private readonly loop: boolean;
  private readonly now: () => number;
  private readonly manualClock: boolean;
  private readonly maxQueuedFrames: number;
  private writer: WavWriter | null = null;
  private outputError: string | null = null;

  private sampleRate = 0;
  private frameSamples = 0;
  private frameMs = 0;
  private inputAtRate: Int16Array = new Int16Array(0);
  private inputPos = 0;
  private played: Buffer[] = [];
  private playedBytes = 0;
  private nextDeadline = 0;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  /** Counts start()s, so a deferred recording never lands in a later run. */
  private runId = 0;
  private closed = false;

  private route_: AudioRoute = 'handset';
  private volume_ = 5;
  private tone_: readonly number[] = [];

  /** Throws (WavError or a file error) when the input file cannot be read: a setup mistake. */
  constructor(
    private readonly deliver: Deliver,
    private readonly options: WavAudioOptions = {},
  ) {
    this.input = options.input ? readWav(fs.readFileSync(options.input)) : null;
    this.loop = options.loop ?? true;
    this.now = options.now ?? (() => performance.now());
    this.manualClock = options.manualClock ?? false;
    this.maxQueuedFrames = Math.max(1, options.maxQueuedFrames ?? 4);
  }

  get currentRoute(): AudioRoute {
    return this.route_;
  }
  get currentVolume(): number {
    return this.volume_;
  }
  get currentTone(): readonly number[] {
    return this.tone_;
  }
  get isRunning(): boolean {
    return this.running;
  }
  /** Why the output file could not be written, if it could not. */
  get outputProblem(): string | null {
    return this.outputError;
  }

  /** (Re)starts the clock; the input is heard from its beginning. Bad arguments are ignored. */
  start(sampleRate: number, frameMs: number): void {
    if (this.closed || !Number.isInteger(sampleRate) || sampleRate < 1000 || sampleRate > 192_000) return;
    if (typeof frameMs !== 'number' || !(frameMs > 0) || frameMs > 1000) return;
    const frameSamples = Math.round((sampleRate * frameMs) / 1000);
    if (frameSamples < 1) return;
    this.stop();
    if (sampleRate !== this.sampleRate) {
      this.inputAtRate = this.input ? resample(this.input.samples, this.input.sampleRate, sampleRate) : new Int16Array(0);
    }
    this.sampleRate = sampleRate;
    this.frameMs = frameMs;
    this.frameSamples = frameSamples;
    this.inputPos = 0;
    this.openOutput(sampleRate);
    this.running = true;
    this.runId++;
    if (!this.manualClock) {
      this.nextDeadline = this.now() + frameMs;
      this.schedule();
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = false;
    this.played = [];
    this.playedBytes = 0;
    this.guardOutput(() => this.writer?.flush());
  }

  /**
   * Queues PCM for the speaker; ignored unless running and a string of whole 16-bit samples.
   * During a catch-up burst the firmware answers many late frames before their periods are
   * recorded, so the queue holds a burst's worth; once they are, it is trimmed back to
   * maxQueuedFrames (trimPlayed), which bounds the speaker's latency.
   */
  play(pcm: string): void {
    if (!this.running || typeof pcm !== 'string' || pcm.length % 2 !== 0 || /[^\x00-\xff]/.test(pcm)) return;
    let chunk = Buffer.from(pcm, 'latin1');
    const limit = (catchUpFrames(this.frameMs) + this.maxQueuedFrames) * this.frameSamples * 2;
    if (chunk.length > limit) chunk = chunk.subarray(chunk.length - limit);
    this.played.push(chunk);
    this.playedBytes += chunk.length;
    while (this.playedBytes > limit) this.playedBytes -= this.played.shift()!.length;
  }

  /** Too much queued once the owed periods are recorded: drop the oldest so latency stays bounded. */
  private trimPlayed(): void {
    const limit = this.maxQueuedFrames * this.frameSamples * 2;
    while (this.playedBytes > limit) {
      const head = this.played[0]!;
      const excess = this.playedBytes - limit;
      if (head.length <= excess) {
        this.played.shift();
        this.playedBytes -= head.length;
      } else {
        this.played[0] = head.subarray(excess); // a long chunk keeps its newest part
        this.playedBytes -= excess;
      }
    }
  }

  route(route: AudioRoute): void {
    if (ROUTES.includes(route)) this.route_ = route;
  }

  volume(level: number): void {
    if (typeof level === 'number' && Number.isFinite(level)) this.volume_ = Math.min(10, Math.max(0, Math.round(level)));
  }

  tone(freqs: number[]): void {
    if (Array.isArray(freqs) && freqs.every((f) => typeof f === 'number' && Number.isFinite(f) && f > 0)) {
      this.tone_ = [...freqs];
    }
  }

  /** One frame period: delivers the next microphone frame, then records this period's playback. */
  tick(): void {
    if (!this.running) return;
    this.deliver({ type: 'audio_frame', pcm: toByteString(this.nextInputFrame()) });
    // The firmware may have stopped or closed us from inside deliver.
    if (!this.running) return;
    this.recordFrame(this.takePlayed(this.frameSamples * 2));
    this.trimPlayed();
  }

  /** Stops the clock and completes the output WAV. */
  close(): void {
    if (this.closed) return;
    this.stop();
    this.closed = true;
    this.guardOutput(() => this.writer?.close());
    this.writer = null;
  }

  // ---- frame clock --------------------------------------------------------------------

  /** Timers run late; deadlines are absolute so lateness never accumulates into drift. */
  private schedule(): void {
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, this.nextDeadline - this.now()));
  }

  private onTimer(): void {
    this.timer = null;
    if (!this.running) return;
    let due = Math.floor((this.now() - this.nextDeadline) / this.frameMs) + 1;
    const cap = catchUpFrames(this.frameMs);
    if (due > cap) {
      this.nextDeadline += (due - cap) * this.frameMs;
      due = cap;
    }
    const frameMs = this.frameMs;
    let delivered = 0;
    for (let i = 0; i < due && this.running && this.timer === null; i++) {
      this.deliver({ type: 'audio_frame', pcm: toByteString(this.nextInputFrame()) });
      delivered++;
      this.nextDeadline += frameMs;
    }
    // Record once the firmware has answered these frames (the host hands it events on
    // setImmediate, queued before this one). Recording inside the loop would capture a late
    // timer's catch-up frames before their replies exist: false silence, and extra latency.
    const run = this.runId;
    if (delivered > 0) {
      setImmediate(() => {
        for (let i = 0; i < delivered && this.running && this.runId === run; i++) this.recordFrame(this.takePlayed(this.frameSamples * 2));
        if (this.runId === run) this.trimPlayed();
      });
    }
    // A start() from inside tick has already scheduled its own clock.
    if (this.running && this.timer === null) this.schedule();
  }

  // ---- microphone and speaker ---------------------------------------------------------

  private nextInputFrame(): Int16Array {
    const live = this.options.source?.(this.frameSamples, this.sampleRate);
    if (live && live.length === this.frameSamples) return live;
    const frame = new Int16Array(this.frameSamples);
    const source = this.inputAtRate;
    let filled = 0;
    while (filled < frame.length && source.length > 0) {
      if (this.inputPos >= source.length) {
        if (!this.loop) break;
        this.inputPos = 0;
      }
      const n = Math.min(frame.length - filled, source.length - this.inputPos);
      frame.set(source.subarray(this.inputPos, this.inputPos + n), filled);
      filled += n;
      this.inputPos += n;
    }
    return frame;
  }

  /** Exactly `bytes` of queued playback, padded with silence when the firmware fell short. */
  private takePlayed(bytes: number): Buffer {
    const out = Buffer.alloc(bytes);
    let filled = 0;
    while (filled < bytes && this.played.length > 0) {
      const head = this.played[0]!;
      const n = Math.min(bytes - filled, head.length);
      head.copy(out, filled, 0, n);
      filled += n;
      this.playedBytes -= n;
      if (n === head.length) this.played.shift();
      else this.played[0] = head.subarray(n);
    }
    return out;
  }

  private recordFrame(pcm: Buffer): void {
    const writer = this.writer;
    if (!writer) return;
    this.guardOutput(() => {
      if (writer.sampleRate === this.sampleRate) writer.writePcm(pcm);
      else writer.writeSamples(resample(fromLittleEndian(pcm), this.sampleRate, writer.sampleRate));
    });
  }

  private openOutput(sampleRate: number): void {
    if (this.writer || !this.options.output || this.outputError) return;
    this.guardOutput(() => {
      this.writer = new WavWriter(this.options.output!, sampleRate, { append: this.options.appendOutput ?? false });
    });
  }

  /** A disk problem ends the recording but must never reach the firmware as an exception. */
  private guardOutput(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.outputError = err instanceof Error ? err.message : String(err);
      const writer = this.writer;
      this.writer = null;
      try {
        writer?.close();
      } catch {
        // the file is already unusable
      }
    }
  }
}

function toByteString(samples: Int16Array): string {
  const bytes = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) bytes.writeInt16LE(samples[i]!, i * 2);
  return bytes.toString('latin1');
}

function fromLittleEndian(pcm: Buffer): Int16Array {
  const samples = new Int16Array(pcm.length >> 1);
  for (let i = 0; i < samples.length; i++) samples[i] = pcm.readInt16LE(i * 2);
  return samples;
}
