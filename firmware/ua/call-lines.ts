// The phone's two call lines: the call in front (on the handset, with the media) and one
// call behind it — waiting (ringing) while we talk, or on hold. It decides which call is in
// front and owns the front call's RTP stream, as pjsua's call/media layer does; what the
// LCD, LEDs and tones say about it is the app's business.

import type { Hal } from '../../hal/contract.ts';
import type { AudioPath } from '../media/audio-path.ts';
import { RtpStream } from '../media/rtp-stream.ts';
import type { MediaStats } from '../media/rtp-stream.ts';
import type { Timers } from '../util/timers.ts';
import type { Call } from './call.ts';

/** Where a call that changed sits: in front, behind, or on neither line (ignored). */
export type Line = 'front' | 'back' | null;

export interface CallLinesListener {
  /** The front call's stream reported new statistics (see `frontStats`). */
  frontStats(): void;
}

export class CallLines {
  private frontCall: Call | null = null;
  private backCall: Call | null = null;
  private rtp: RtpStream | null = null;
  /** The call whose media `rtp` carries: the front call, or none while another takes over. */
  private streamCall: Call | null = null;
  private lastStats: MediaStats | null = null;

  constructor(
    private readonly hal: Hal,
    private readonly timers: Timers,
    private readonly audio: AudioPath,
    private readonly listener: CallLinesListener,
  ) {}

  /** The call in front, still up or just ended. */
  get front(): Call | null {
    return this.frontCall;
  }

  /** The call behind: waiting (ringing) or on hold. */
  get back(): Call | null {
    return this.backCall;
  }

  /** The front call's RTP stream (it takes the stream's datagrams). */
  get stream(): RtpStream | null {
    return this.rtp;
  }

  /** A call is up (or being set up) in front. */
  get busy(): boolean {
    return this.frontCall !== null && this.frontCall.state !== 'ended';
  }

  /** The last statistics of the front call's stream; null while its media is not ours. */
  get frontStats(): MediaStats | null {
    return this.frontCall !== null && this.frontCall === this.streamCall ? this.lastStats : null;
  }

  /** A new incoming call: behind the one we are in (call waiting), else in front. */
  incoming(call: Call): Line {
    if (this.busy) {
      this.backCall = call;
      return 'back';
    }
    this.frontCall = call;
    return 'front';
  }

  /** A call we placed takes the front line. */
  dialed(call: Call): void {
    this.frontCall = call;
  }

  /**
   * A call changed state: which line it is on. A call on neither takes the front line when it
   * is free; an ended call behind leaves its line. The front call's media follows `update`.
   */
  changed(call: Call): Line {
    if (call === this.backCall) {
      if (call.state === 'ended') this.backCall = null;
      return 'back';
    }
    if (call !== this.frontCall) {
      if (this.busy) return null;
      this.frontCall = call;
    }
    return 'front';
  }

  /** Brings the front call's media in step with its state; an ended call leaves the front. */
  update(call: Call): void {
    this.updateMedia(call);
    if (call.state === 'ended' && call === this.frontCall) this.frontCall = null;
  }

  /** The front call ended: the one behind comes forward (ringing, or with its media). */
  promote(): Call | null {
    const next = this.backCall;
    if (next === null) return null;
    this.backCall = null;
    this.resume(next);
    return next;
  }

  /** A call still up takes the front again, with its media. */
  resume(call: Call): void {
    this.frontCall = call;
    this.updateMedia(call);
  }

  /** The call behind comes in front; the one we were in goes on hold behind it, without media. */
  swap(): Call {
    const current = this.frontCall!;
    const next = this.backCall!;
    if (!current.localHold) current.hold(true);
    this.stopStream();
    this.frontCall = next;
    this.backCall = current;
    return next;
  }

  /** Swaps the front call with the one on hold, which is taken off hold and gets the media. */
  swapHeld(): Call {
    const next = this.swap();
    if (next.localHold) next.hold(false);
    this.updateMedia(next);
    return next;
  }

  /** Our peer transferred us: the call placed for it takes the front line and the media. */
  transferred(from: Call, to: Call): boolean {
    if (to.state === 'ended' || this.frontCall !== from) return false;
    this.stopStream();
    this.frontCall = to;
    return true;
  }

  /** A digit pressed (down) or released in the front call: RFC 4733 telephone-event, if negotiated. */
  dtmf(key: string, down: boolean): boolean {
    return this.rtp !== null && this.rtp.dtmf(key, down);
  }

  /** A digit pressed in the front call: as an RFC 4733 telephone-event when negotiated, else SIP INFO. */
  sendDigit(key: string): void {
    if (!this.dtmf(key, true)) this.frontCall?.sendInfoDtmf(key);
  }

  /** Mutes or unmutes the front call, its stream with it. */
  toggleMute(): void {
    const call = this.frontCall;
    if (call === null) return;
    call.setMuted(!call.muted);
    if (this.rtp !== null) this.rtp.muted = call.muted;
  }

  /** Starts, updates or stops the call's RTP stream as its SDP negotiation says. */
  private updateMedia(call: Call): void {
    const params = call.media.params;
    const live = (call.state === 'connected' || call.state === 'held' || call.state === 'early') && params !== null;
    if (this.rtp !== null && this.streamCall === call) {
      if (live) this.rtp.update(params!);
      else this.stopStream();
      return;
    }
    if (this.rtp !== null || !live || call.rtpPair === null) return; // another call owns the media
    this.rtp = new RtpStream(
      this.hal,
      call.rtpPair,
      params!,
      this.timers,
      (digit) => this.hal.system.emit({ event: 'dtmf', call_id: call.callId, digit, via: 'rtp' }),
      (s) => this.onStats(call, s),
    );
    this.rtp.muted = call.muted;
    this.streamCall = call;
    this.audio.setSink(this.rtp);
  }

  private stopStream(): void {
    if (this.rtp === null) return;
    this.rtp.stop();
    this.rtp = null;
    this.streamCall = null;
    this.audio.setSink(null);
  }

  private onStats(call: Call, s: MediaStats): void {
    this.lastStats = s;
    this.hal.system.emit({
      event: 'media_stats', call_id: call.callId, sent: s.sent, received: s.received, lost: s.lost, late: s.late,
      concealed: s.concealed, jitter_ms: s.jitterMs, rtt_ms: s.rttMs,
    });
    if (call === this.frontCall) this.listener.frontStats();
  }
}
