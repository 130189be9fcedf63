// The browser's side of the phone's audio, through the Web Audio API: the microphone is
// downsampled to 8 kHz and sent in 20 ms frames; the phone's speaker frames (8 kHz) are
// scheduled back to back; a ringing phone plays a ring tone (North American 440+480 Hz,
// 2 s on, 4 s off). Browsers only start audio after a click, hence the "Turn on audio" button.

import { AUDIO_RATE } from '../protocol.ts';

const FRAME = AUDIO_RATE / 50; // 20 ms
/** Speaker playout delay: enough to ride out WebSocket jitter without a noticeable lag. */
const LEAD_S = 0.08;

export class BrowserAudio {
  private ctx: AudioContext | null = null;
  private nextPlay = 0;
  private micStream: MediaStream | null = null;
  private micNode: AudioWorkletNode | null = null;
  private pending: number[] = [];
  private phase = 0;
  private prev = 0;
  private ring: { gain: GainNode; oscillators: OscillatorNode[]; timer: number } | null = null;
  framesSent = 0;
  framesPlayed = 0;
  /** Loudest sample (0..1) sent and played since the last levels(). */
  private micPeak = 0;
  private speakerPeak = 0;

  constructor(private readonly sendFrame: (pcm: Int16Array) => void) {}

  get on(): boolean {
    return this.ctx !== null;
  }

  get micOn(): boolean {
    return this.micStream !== null;
  }

  /** Starts the speaker; then asks for the microphone. Resolves with the microphone's fate. */
  async start(): Promise<'mic' | 'no-mic'> {
    this.ctx = new AudioContext();
    await this.ctx.resume();
    try {
      if (navigator.mediaDevices?.getUserMedia === undefined) throw new Error('no getUserMedia');
      this.micStream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true } });
      await this.ctx.audioWorklet.addModule('/mic-worklet.js');
      const source = this.ctx.createMediaStreamSource(this.micStream);
      this.micNode = new AudioWorkletNode(this.ctx, 'quip-mic');
      this.micNode.port.onmessage = (e: MessageEvent<Float32Array>) => this.onMic(e.data);
      source.connect(this.micNode);
      return 'mic';
    } catch {
      this.micStream?.getTracks().forEach((t) => t.stop());
      this.micStream = null;
      return 'no-mic';
    }
  }

  async stop(): Promise<void> {
    this.ringing(false);
    this.micNode?.disconnect();
    this.micNode = null;
    this.micStream?.getTracks().forEach((t) => t.stop());
    this.micStream = null;
    await this.ctx?.close();
    this.ctx = null;
  }

  /** One speaker frame: 16-bit little-endian PCM at 8 kHz. */
  play(pcm: DataView): void {
    const ctx = this.ctx;
    if (ctx === null) return;
    const n = pcm.byteLength >> 1;
    if (n === 0) return;
    const buffer = ctx.createBuffer(1, n, AUDIO_RATE);
    const data = buffer.getChannelData(0);
    let peak = this.speakerPeak;
    for (let i = 0; i < n; i++) {
      const v = pcm.getInt16(i * 2, true) / 32768;
      data[i] = v;
      if (v > peak) peak = v;
      else if (-v > peak) peak = -v;
    }
    this.speakerPeak = peak;
    const node = ctx.createBufferSource();
    node.buffer = buffer;
    node.connect(ctx.destination);
    // Late (or the first frame): restart the schedule a little ahead, so frames butt together.
    if (this.nextPlay < ctx.currentTime + 0.01 || this.nextPlay > ctx.currentTime + 0.5) this.nextPlay = ctx.currentTime + LEAD_S;
    node.start(this.nextPlay);
    this.nextPlay += buffer.duration;
    this.framesPlayed++;
  }

  /** Peak levels in dBFS (-99 for digital silence) since the last call, which starts them over. */
  levels(): { mic: number; speaker: number } {
    const dbfs = (peak: number): number => (peak > 0 ? Math.max(-99, Math.round(20 * Math.log10(peak))) : -99);
    const result = { mic: dbfs(this.micPeak), speaker: dbfs(this.speakerPeak) };
    this.micPeak = 0;
    this.speakerPeak = 0;
    return result;
  }

  ringing(on: boolean): void {
    const ctx = this.ctx;
    if (!on || ctx === null) {
      if (this.ring !== null) {
        clearInterval(this.ring.timer);
        this.ring.oscillators.forEach((o) => o.stop());
        this.ring.gain.disconnect();
        this.ring = null;
      }
      return;
    }
    if (this.ring !== null) return;
    const gain = ctx.createGain();
    gain.gain.value = 0;
    gain.connect(ctx.destination);
    const oscillators = [440, 480].map((f) => {
      const o = ctx.createOscillator();
      o.frequency.value = f;
      o.connect(gain);
      o.start();
      return o;
    });
    const cadence = (): void => {
      const t = ctx.currentTime;
      gain.gain.setValueAtTime(0.12, t);
      gain.gain.setValueAtTime(0, t + 2);
    };
    cadence();
    this.ring = { gain, oscillators, timer: window.setInterval(cadence, 6000) };
  }

  /** Downsamples by linear interpolation (the browser's echo canceller already band-limits speech). */
  private onMic(block: Float32Array): void {
    const ctx = this.ctx;
    if (ctx === null) return;
    const step = ctx.sampleRate / AUDIO_RATE;
    while (this.phase < block.length - 1) {
      const i = Math.floor(this.phase);
      const f = this.phase - i;
      const a = i < 0 ? this.prev : block[i]!; // the position may start in the previous block
      this.pending.push(a * (1 - f) + block[i + 1]! * f);
      this.phase += step;
    }
    this.phase -= block.length;
    this.prev = block[block.length - 1] ?? 0;
    while (this.pending.length >= FRAME) {
      const frame = new Int16Array(FRAME);
      for (let i = 0; i < FRAME; i++) {
        const v = this.pending[i]!;
        frame[i] = Math.max(-32768, Math.min(32767, Math.round(v * 32767)));
        if (Math.abs(v) > this.micPeak) this.micPeak = Math.min(1, Math.abs(v));
      }
      this.pending.splice(0, FRAME);
      this.framesSent++;
      this.sendFrame(frame);
    }
  }
}
