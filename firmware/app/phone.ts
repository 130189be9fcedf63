// The phone: boot sequence, screens and key handling. It owns the HAL, routes every event,
// and drives the SIP user agent (registration on boot, calls from the keypad).

import type { AccountConfig, BoardInfo, Hal, HalEvent, Key } from '../../hal/contract.ts';
import type { Call } from '../ua/call.ts';
import type { MessageSummary } from '../ua/message-summary.ts';
import type { Registration } from '../ua/registration.ts';
import { AudioPath } from '../media/audio-path.ts';
import { RtpStream } from '../media/rtp-stream.ts';
import type { MediaStats } from '../media/rtp-stream.ts';
import { TONE_PLANS } from '../media/tone-plan.ts';
import type { TonePlan } from '../media/tone-plan.ts';
import { dtmfTone } from '../media/tones.ts';
import { compileDigitMap } from './digit-map.ts';
import type { DigitMap } from './digit-map.ts';
import { PhoneSipStack } from '../ua/sip-stack.ts';
import { UserAgent } from '../ua/user-agent.ts';
import { callScreen } from './call-screen.ts';
import { formatDate, formatTime, msToNextMinute } from './clock-format.ts';
import { Screen } from './screen.ts';
import type { Layout } from './screen.ts';
import { loadSettings, saveSettings } from './settings.ts';
import type { Settings } from './settings.ts';
import { Timers } from '../util/timers.ts';
import { BootConfirmation } from './boot-confirm.ts';
import { CallHistory, historyEntry } from './call-history.ts';
import { historyLayout } from './history-screen.ts';
import { HttpClient } from '../net/http-client.ts';
import { applyProvisioning, provision, provisioningUrlFor } from './provisioning.ts';
import type { ProvisioningResult } from './provisioning.ts';

type Mode = 'booting' | 'idle' | 'dialing' | 'info' | 'notice' | 'call' | 'history' | 'transfer';

/** How long a key tone sounds when a digit is pressed while dialling. */
const KEY_TONE_MS = 120;
const MAX_DIAL = 128;
const NOTICE_MS = 2000;

export class Phone {
  readonly board: BoardInfo;
  readonly timers: Timers;
  private readonly bootConfirmation: BootConfirmation;
  readonly screen: Screen;
  settings: Settings;
  ua: UserAgent | null = null;
  private stack: PhoneSipStack | null = null;
  private mode: Mode = 'booting';
  private digits = '';
  private offHook = false;
  private clockTimer: number | null = null;
  private noticeTimer: number | null = null;
  private callTimer: number | null = null;
  private call: Call | null = null;
  /** The second call: waiting (ringing) while we talk, or on hold in the background. */
  private other: Call | null = null;
  private mwi: MessageSummary | null = null;
  private digitMap: DigitMap | null = null;
  private interDigitTimer: number | null = null;
  private keyToneTimer: number | null = null;
  readonly audio: AudioPath;
  private stream: RtpStream | null = null;
  private streamCall: Call | null = null;
  private lastStats: MediaStats | null = null;
  private tonePlan: TonePlan;
  readonly history: CallHistory;
  private historyIndex = 0;
  /** Transfer entry put the call on hold itself (and takes it off hold when abandoned). */
  private transferHeld = false;
  private http: HttpClient | null = null;
  /** 'pending' holds registration back until the provisioning server answered (or did not). */
  private provisioning: 'off' | 'pending' | 'done' = 'off';
  /** Where the accounts/codecs/dial plan came from: board, network or cache. */
  private configSource = 'board';
  private provisionNotice: string | null = null;

  constructor(readonly hal: Hal) {
    this.board = hal.system.board();
    this.timers = new Timers(hal.clock);
    this.bootConfirmation = new BootConfirmation(hal, this.timers, this.board.confirmAfterS);
    const d = this.board.display;
    this.screen = new Screen(hal.display, d.rows, d.cols, d.softkeys);
    this.settings = loadSettings(hal.storage).settings;
    this.audio = new AudioPath(hal);
    this.tonePlan = TONE_PLANS[this.board.tonePlan] ?? TONE_PLANS.na!;
    this.history = new CallHistory(hal.storage, (m) => hal.system.log('warn', m));
    try {
      this.digitMap = compileDigitMap(this.board.dialPlan.digitMap);
    } catch (e) {
      hal.system.log('warn', `dial plan ignored: ${(e as Error).message}`);
    }
  }

  get account(): AccountConfig | undefined {
    return this.board.accounts[0];
  }

  /** Boot: splash, settings, network (SIP sockets bind asynchronously), then idle + register. */
  boot(): void {
    const hal = this.hal;
    this.screen.reset();
    this.screen.show({ lines: [this.screen.center('quip'), this.screen.center('v' + this.board.firmwareVersion)] });
    const loaded = loadSettings(hal.storage);
    if (loaded.problem !== null) hal.system.log('warn', loaded.problem);
    this.settings = loaded.settings;
    this.settings.bootCount++;
    saveSettings(hal.storage, this.settings);
    hal.audio.volume(this.settings.volume);
    const ctxRef: { ua: UserAgent | null } = { ua: null };
    this.stack = new PhoneSipStack(
      hal,
      this.timers,
      { port: this.board.sip.port, tcp: true },
      {
        // The UA is created after the stack it uses; route through it once it exists.
        onRequest: (req, tx, source) => ctxRef.ua?.onRequest(req, tx, source),
        onAck: (ack) => ctxRef.ua?.onAck(ack),
        onCancel: (invite) => ctxRef.ua?.onCancel(invite),
        screen: (req, source) => ctxRef.ua?.screen(req, source) ?? null,
      },
      (port) => this.finishBoot(port),
      (message) => hal.system.emit({ event: 'error', where: 'network', message }),
    );
    this.ua = new UserAgent(
      { hal, timers: this.timers, stack: this.stack, emit: (e) => hal.system.emit(e), userAgent: `quip/${this.board.firmwareVersion}` },
      this.board,
      {
        registration: (r) => this.onRegistration(r),
        call: (c) => this.onCall(c),
        incoming: (c) => this.onIncoming(c),
        messageWaiting: (s) => this.onMessageWaiting(s),
        dtmf: (c, digit) => hal.system.emit({ event: 'dtmf', call_id: c.callId, digit, via: 'info' }),
        transferred: (from, to) => this.onTransferred(from, to),
      },
    );
    ctxRef.ua = this.ua;
    // Call waiting needs softkeys to answer or refuse the second call with; small2 says 486.
    this.ua.callWaiting = this.screen.softkeys > 0;
    this.history.load();
    this.updateMessageLed();
    this.startProvisioning(this.ua);
    this.stack.start();
  }

  handle(ev: HalEvent): void {
    if (this.stack !== null && this.stack.handleEvent(ev)) return;
    if (this.http !== null && this.http.handleEvent(ev)) return;
    if (ev.type === 'udp' && this.stream !== null && this.stream.handleUdp(ev.socket, ev.data, ev.address, ev.port)) return;
    if (this.ua !== null && this.ua.handleMediaEvent(ev)) return;
    switch (ev.type) {
      case 'timer':
        this.timers.fire(ev.id);
        break;
      case 'dns':
        this.ua?.resolver.handleEvent(ev);
        break;
      case 'audio_frame':
        this.audio.onFrame(ev.pcm);
        break;
      case 'key':
        this.onKey(ev.key, ev.down);
        break;
      case 'link':
        if (ev.up && this.mode !== 'booting') this.ua?.networkUp();
        break;
      case 'control':
        this.onControl(ev.command);
        break;
      case 'shutdown':
        this.ua?.stop();
        saveSettings(this.hal.storage, this.settings);
        break;
      default:
        break;
    }
  }

  private finishBoot(port: number): void {
    if (this.mode !== 'booting') return;
    this.enterIdle();
    const b = this.board;
    this.hal.system.emit({
      event: 'boot',
      version: b.firmwareVersion,
      board: b.id,
      heap_limit: b.heapLimitBytes,
      boot_ms: Math.round(this.hal.clock.monotonic()),
      boot_count: this.settings.bootCount,
      sip_port: port,
      address: this.hal.net.localAddress(),
    });
    if (this.provisioning !== 'pending') this.register(); // provisioning calls it when still fetching
    this.bootConfirmation.start();
  }

  // ---- provisioning -------------------------------------------------------------------

  /** Fetches the config while the SIP sockets bind; registration waits for it (bounded). */
  private startProvisioning(ua: UserAgent): void {
    const template = this.board.provisioningUrl;
    if (template === undefined) return;
    this.provisioning = 'pending';
    this.http = new HttpClient(this.hal.net, this.timers, ua.resolver, `quip/${this.board.firmwareVersion}`);
    const url = provisioningUrlFor(template, this.board);
    provision(this.http, this.hal.storage, url, this.board.maxAccounts, (m) => this.hal.system.log('warn', m), (r) => this.provisioned(r));
  }

  /** Auto-register, and say on the LCD how provisioning went. */
  private register(): void {
    this.ua?.start();
    const text = this.provisionNotice;
    this.provisionNotice = null;
    if (text !== null && this.mode === 'idle') this.notice(text, () => this.enterIdle());
  }

  private provisioned(r: ProvisioningResult): void {
    const hal = this.hal;
    if (r.failure !== null) {
      hal.system.log('warn', `provisioning from ${r.url} failed: ${r.failure}`);
      hal.system.emit({ event: 'provisioning_failed', url: r.url, reason: r.failure, fallback: r.source ?? 'board' });
    }
    if (r.config !== null && r.source !== null) {
      const fields = applyProvisioning(this.board, r.config);
      this.configSource = r.source;
      this.tonePlan = TONE_PLANS[this.board.tonePlan] ?? this.tonePlan;
      try {
        this.digitMap = compileDigitMap(this.board.dialPlan.digitMap);
      } catch (e) {
        hal.system.log('warn', `dial plan ignored: ${(e as Error).message}`);
      }
      hal.system.emit({ event: 'provisioned', url: r.url, source: r.source, fields });
    }
    this.provisionNotice = r.failure === null ? 'Config from server' : r.source === 'cache' ? 'Server down: cached config' : 'Provisioning failed';
    const wasPending = this.provisioning === 'pending';
    this.provisioning = 'done';
    if (wasPending && this.mode !== 'booting') this.register(); // finishBoot already ran and waited
  }

  // ---- user agent events --------------------------------------------------------------

  private onRegistration(r: Registration): void {
    if (r !== this.ua?.primary) return;
    this.hal.display.icon('registered', r.state === 'registered');
    if (r.state === 'registered') this.bootConfirmation.confirm();
    if (this.mode === 'idle') this.drawIdle();
  }

  private onIncoming(call: Call): void {
    this.hal.system.emit({ event: 'incoming', from: call.remote, call_id: call.callId });
    if (this.call !== null && this.call.state !== 'ended') {
      // Call waiting: a tone in the call we are in, line 2 blinks, the LCD names the caller.
      this.other = call;
      this.hal.display.led('line2', 'blink');
      this.audio.tone(this.tonePlan.tones.callWaiting);
      if (this.mode === 'call') this.drawCall();
      return;
    }
    this.call = call;
    this.mode = 'call';
    this.hal.display.ring(true);
    this.hal.display.led('line1', 'blink');
    this.drawCall();
  }

  private onCall(call: Call): void {
    if (call.state === 'ended') this.recordCall(call);
    this.hal.system.emit({
      event: 'call_state',
      call_id: call.callId,
      state: call.state,
      direction: call.direction,
      remote: call.remote,
      ...(call.state === 'ended' ? { status: call.status, reason: call.reason } : {}),
    });
    if (call === this.other) return this.onOtherCall(call);
    if (call !== this.call) {
      if (this.call === null || this.call.state === 'ended') this.call = call;
      else return;
    }
    if (call.state !== 'ringing' || call.direction === 'out') this.hal.display.ring(false);
    this.hal.display.icon('hold', call.state === 'held');
    this.hal.display.icon('mute', call.muted && call.state !== 'ended');
    this.callTone(call);
    this.updateMedia(call);
    if (call.state === 'ended') {
      this.timers.cancel(this.callTimer);
      this.call = null;
      if (this.other !== null) return this.promoteOther(`Call ended: ${call.reason}`);
      // A failed transfer hands the call we were transferred from back (if its peer kept it).
      const back = call.referrer !== null ? this.ua?.activeCall ?? null : null;
      if (back !== null) return this.resumeCall(back, `Transfer failed: ${call.reason}`);
      this.hal.display.led('line1', 'off');
      this.notice(`Call ended: ${call.reason}`, () => (this.offHook ? this.startDialing('') : this.enterIdle()));
      return;
    }
    this.hal.display.led('line1', call.state === 'connected' || call.state === 'held' ? 'on' : 'blink');
    if (this.mode === 'transfer') return this.drawTransfer(); // the hold re-INVITE finished under it
    this.mode = 'call';
    this.drawCall();
  }

  // ---- call waiting ---------------------------------------------------------------------

  /** The second call changed: it stays in the background; the screen follows. */
  private onOtherCall(call: Call): void {
    if (call.state === 'ended') {
      this.other = null;
      this.hal.display.led('line2', 'off');
      this.audio.tone(null); // the waiting tone, if it was still ringing
    }
    if (this.mode === 'call') this.drawCall();
  }

  /** The call in front ended: the second one comes forward, ringing or on hold. */
  private promoteOther(text: string): void {
    const next = this.other!;
    this.other = null;
    this.hal.display.led('line2', 'off');
    if (next.state === 'ringing') {
      this.call = next;
      this.audio.tone(null);
      this.hal.display.ring(true);
      this.hal.display.led('line1', 'blink');
      this.mode = 'call';
      this.drawCall();
      return;
    }
    this.resumeCall(next, text);
  }

  /** The other call comes in front; the one we were in goes on hold behind it, without media. */
  private bringOtherForward(): Call {
    const current = this.call!;
    const next = this.other!;
    if (!current.localHold) current.hold(true);
    this.stopStream();
    this.call = next;
    this.other = current;
    return next;
  }

  /** Answers the waiting call. */
  private answerWaiting(): void {
    this.audio.tone(null);
    const waiting = this.bringOtherForward();
    this.hal.display.led('line2', 'on');
    waiting.answer(); // its 'connected' brings the media up and redraws
  }

  /** Swaps the call in front with the one on hold. */
  private swapCalls(): void {
    const back = this.bringOtherForward();
    if (back.localHold) back.hold(false);
    this.updateMedia(back);
    this.hal.display.icon('hold', back.state === 'held');
    this.drawCall();
  }

  /** Our peer transferred us: the call we placed for it takes over the screen and the media. */
  private onTransferred(from: Call, to: Call): void {
    if (to.state === 'ended' || this.call !== from) return;
    this.stopStream();
    this.call = to;
    this.mode = 'call';
    this.drawCall();
  }

  /** Back to a call still up, after a notice. */
  private resumeCall(call: Call, text: string): void {
    this.call = call;
    this.updateMedia(call);
    this.hal.display.icon('hold', call.state === 'held');
    this.hal.display.led('line1', 'on');
    this.notice(text, () => {
      this.mode = 'call';
      this.drawCall();
    });
  }

  /** Starts, updates or stops the call's RTP stream as its SDP negotiation says. */
  private updateMedia(call: Call): void {
    const params = call.media.params;
    const live = (call.state === 'connected' || call.state === 'held' || call.state === 'early') && params !== null;
    if (this.stream !== null && this.streamCall === call) {
      if (live) this.stream.update(params!);
      else this.stopStream();
      return;
    }
    if (this.stream !== null || !live || call.rtpPair === null) return; // another call owns the media
    this.stream = new RtpStream(
      this.hal,
      call.rtpPair,
      params!,
      this.timers,
      (digit) => this.hal.system.emit({ event: 'dtmf', call_id: call.callId, digit, via: 'rtp' }),
      (s) => this.onStats(call, s),
    );
    this.stream.muted = call.muted;
    this.streamCall = call;
    this.audio.setSink(this.stream);
  }

  private stopStream(): void {
    if (this.stream === null) return;
    this.stream.stop();
    this.stream = null;
    this.streamCall = null;
    this.audio.setSink(null);
  }

  private onStats(call: Call, s: MediaStats): void {
    this.lastStats = s;
    this.hal.system.emit({
      event: 'media_stats', call_id: call.callId, sent: s.sent, received: s.received, lost: s.lost, late: s.late,
      concealed: s.concealed, jitter_ms: s.jitterMs, rtt_ms: s.rttMs,
    });
    if (this.mode === 'call' && call === this.call) this.drawCall();
  }

  /** Ringback while the far end rings (unless it sends early media), busy when refused. */
  private callTone(call: Call): void {
    const t = this.tonePlan.tones;
    if (call.direction === 'out' && call.state === 'ringing') this.audio.tone(t.ringback);
    else if (call.state === 'ended' && this.offHook && (call.status === 486 || call.status === 600 || call.status === 603)) this.audio.tone(t.busy);
    else if (call.state === 'ended' && this.offHook && call.status >= 400 && call.status !== 487) this.audio.tone(t.congestion);
    else this.audio.tone(null);
  }

  /** One history entry per ended call; a missed one lights the message LED. */
  private recordCall(call: Call): void {
    this.history.add(historyEntry(call, this.hal.clock.now(), this.hal.clock.monotonic()));
    this.updateMessageLed();
  }

  /** Voicemail lights the message LED; unseen missed calls make it blink. */
  private updateMessageLed(): void {
    this.hal.display.led('message', this.mwi?.waiting ? 'on' : this.history.missed > 0 ? 'blink' : 'off');
  }

  private onMessageWaiting(s: MessageSummary): void {
    this.mwi = s;
    this.updateMessageLed();
    this.hal.display.icon('message', s.waiting);
    this.hal.system.emit({ event: 'message_waiting', waiting: s.waiting, new: s.newVoice, old: s.oldVoice });
    if (this.mode === 'idle') this.drawIdle();
  }

  // ---- screens ----------------------------------------------------------------------

  private enterIdle(): void {
    this.mode = 'idle';
    this.digits = '';
    this.audio.tone(null);
    this.drawIdle();
  }

  private lineStatus(): string {
    if (this.provisioning === 'pending') return 'Provisioning...';
    if (!this.account) return 'Set up an account';
    const r = this.ua?.primary;
    if (!r) return 'Not registered';
    if (r.state === 'registered') return 'Registered';
    if (r.lost) return 'Registrar lost'; // until it answers again

    if (r.state === 'registering') return 'Registering...';
    if (r.state === 'failed') return r.lastStatus ? `Reg failed: ${r.lastStatus}` : 'Registrar unreachable';
    return 'Not registered';
  }

  private drawIdle(): void {
    const now = this.hal.clock.now();
    const s = this.screen;
    const who = this.account ? accountLabel(this.account) : 'No account';
    const vm = this.mwi?.waiting ? `${this.mwi.newVoice} new voicemail` : '';
    const n = this.history.missed;
    const missed = n > 0 ? `${n} missed call${n === 1 ? '' : 's'}` : '';
    const lines = s.contentRows >= 3
      ? [s.spread(who, formatTime(now)), this.lineStatus(), vm || missed, formatDate(now), vm ? missed : '']
      : [s.spread(who, formatTime(now)), this.smallStatusLine(vm !== '', missed)];
    this.show({ lines, softkeys: ['Redial', 'Info', 'History', ''] });
    this.timers.cancel(this.clockTimer);
    this.clockTimer = this.timers.after(msToNextMinute(now), () => {
      this.clockTimer = null;
      if (this.mode === 'idle') this.drawIdle();
    });
  }

  private drawDialing(): void {
    const s = this.screen;
    const tail = this.digits.length > s.cols ? this.digits.slice(this.digits.length - s.cols) : this.digits;
    this.show({ lines: ['Dial:', tail], softkeys: ['Call', 'Delete', '', 'Cancel'] });
  }

  private drawCall(): void {
    const call = this.call;
    if (call === null) return;
    this.show(callScreen(this.screen, call, this.hal.clock.monotonic(), call === this.streamCall ? this.lastStats : null, this.other));
    this.timers.cancel(this.callTimer);
    if (call.state === 'connected' || call.state === 'held') {
      this.callTimer = this.timers.after(1000, () => this.mode === 'call' && this.drawCall());
    }
  }

  /** The one status line of a 2-line LCD: trouble first, then missed calls, then voicemail. */
  private smallStatusLine(voicemail: boolean, missed: string): string {
    const status = this.lineStatus();
    if (status !== 'Registered' || (missed === '' && !voicemail)) return status;
    return missed !== '' ? missed : `${status.slice(0, 10)} VM`;
  }

  private drawInfo(): void {
    const b = this.board;
    this.show({
      lines: [`quip v${b.firmwareVersion}`, `IP ${this.hal.net.localAddress() ?? 'no link'}`, `Board ${b.id}`, `SIP port ${this.stack?.port ?? 0}`, `Boots ${this.settings.bootCount}  Config ${this.configSource}`],
      softkeys: ['', '', '', 'Back'],
    });
  }

  /** A short message, then back to where the phone was. */
  private notice(text: string, back: () => void): void {
    this.mode = 'notice';
    this.show({ lines: this.screen.wrap(text) });
    this.timers.cancel(this.noticeTimer);
    this.noticeTimer = this.timers.after(NOTICE_MS, () => {
      this.noticeTimer = null;
      if (this.mode === 'notice') back();
    });
  }

  private show(layout: Layout): void {
    this.screen.show(layout);
  }

  // ---- keys -------------------------------------------------------------------------

  private onKey(key: Key, down: boolean): void {
    if (this.mode === 'booting') {
      if (key === 'hook') this.offHook = down; // remember the handset; other keys wait for boot
      return;
    }
    if (this.mode === 'notice' && this.call !== null && this.call.state !== 'ended') {
      this.mode = 'call'; // a notice over a call still up: its keys act on the call
      this.drawCall();
    }
    if (key === 'hook') {
      this.offHook = down;
      if (this.mode === 'call') return this.callKey(down ? 'send' : 'end');
      if (down && (this.mode === 'idle' || this.mode === 'notice')) this.startDialing('');
      else if (!down && this.mode === 'dialing') this.enterIdle();
      return;
    }
    if (!down) {
      if (this.mode === 'call' && isDialKey(key) && this.stream !== null) this.stream.dtmf(key, false);
      return; // every other key acts on press
    }
    if (key === 'vol_up' || key === 'vol_down') return this.changeVolume(key === 'vol_up' ? 1 : -1);
    switch (this.mode) {
      case 'idle':
        return this.idleKey(key);
      case 'dialing':
        return this.dialingKey(key);
      case 'call':
        return this.callKey(key);
      case 'info':
        if (key === 'end' || key === 'cancel' || key === 'soft4' || key === 'left') this.enterIdle();
        return;
      case 'history':
        return this.historyKey(key);
      case 'transfer':
        return this.transferKey(key);
      case 'notice':
        if (key === 'end' || key === 'cancel') this.enterIdle();
        return;
      default:
        return;
    }
  }

  private idleKey(key: Key): void {
    if (isDialKey(key)) return this.startDialing(key);
    if (key === 'redial' || key === 'soft1' || key === 'send') {
      if (this.settings.lastDialed) this.placeCall(this.settings.lastDialed);
      else this.notice('No number to redial', () => this.enterIdle());
      return;
    }
    if (key === 'soft2' || key === 'ok') {
      this.mode = 'info';
      this.drawInfo();
      return;
    }
    // Boards without softkeys (small2) open the history with the end key.
    if (key === 'soft3' || key === 'down' || (key === 'end' && this.screen.softkeys === 0)) this.openHistory();
  }

  // ---- call history screen ------------------------------------------------------------

  /** History: up/down (or 2/8) scroll, Call/send dials back, Back/end leaves. */
  private openHistory(): void {
    this.mode = 'history';
    this.historyIndex = 0;
    this.history.seen();
    this.updateMessageLed();
    this.drawHistory();
  }

  private drawHistory(): void {
    this.show(historyLayout(this.screen, this.history.entries, this.historyIndex));
  }

  private historyKey(key: Key): void {
    const n = this.history.entries.length;
    if (key === 'down' || key === '8') this.historyIndex = Math.min(this.historyIndex + 1, Math.max(0, n - 1));
    else if (key === 'up' || key === '2') this.historyIndex = Math.max(0, this.historyIndex - 1);
    else if (key === 'send' || key === 'soft1' || key === 'ok' || key === 'redial') {
      const e = this.history.entries[this.historyIndex];
      if (e !== undefined) this.placeCall(e.address);
      return;
    } else if (key === 'end' || key === 'cancel' || key === 'soft4' || key === 'left') return this.enterIdle();
    else return;
    this.drawHistory();
  }

  private startDialing(initial: string): void {
    this.mode = 'dialing';
    this.digits = initial;
    if (initial === '' && this.offHook) this.audio.tone(this.tonePlan.tones.dial);
    this.drawDialing();
  }

  private dialingKey(key: Key): void {
    if (isDialKey(key)) {
      if (this.digits.length >= MAX_DIAL) return;
      this.keyTone(key); // the first digit also ends the dial tone
      this.digits += key;
      this.drawDialing();
      return this.applyDialPlan();
    }
    if (key === 'soft2' || key === 'left' || key === 'cancel') {
      this.digits = this.digits.slice(0, -1);
      if (this.digits === '' && !this.offHook && key !== 'soft2') return this.enterIdle();
      return this.drawDialing();
    }
    if (key === 'end' || key === 'soft4') return this.enterIdle();
    if (key === 'send' || key === 'soft1' || key === 'ok' || key === 'redial') this.placeCall(key === 'redial' ? this.settings.lastDialed : this.digits);
  }

  /** A short DTMF tone as feedback for a pressed digit. */
  private keyTone(key: Key): void {
    const tone = dtmfTone(key);
    this.timers.cancel(this.keyToneTimer);
    this.audio.tone(tone);
    this.keyToneTimer = this.timers.after(KEY_TONE_MS, () => {
      this.keyToneTimer = null;
      if (this.mode === 'dialing') this.audio.tone(null);
    });
  }

  /**
   * Off-hook, the board's digit map decides when a number is complete: dial at once, or
   * after the inter-digit timeout when a longer number is still possible.
   */
  private applyDialPlan(): void {
    this.timers.cancel(this.interDigitTimer);
    this.interDigitTimer = null;
    if (!this.offHook || this.digitMap === null) return;
    const verdict = this.digitMap.match(this.digits);
    if (verdict === 'complete') return this.placeCall(this.digits);
    if (verdict === 'none') return;
    this.interDigitTimer = this.timers.after(this.board.dialPlan.interDigitTimeoutMs, () => {
      this.interDigitTimer = null;
      if (this.mode !== 'dialing' || this.digitMap === null) return;
      if (this.digitMap.onTimeout(this.digits) === 'dial') this.placeCall(this.digits);
      else this.cannotCall(this.digits, 'invalid_number', 'Invalid number');
    });
  }

  private callKey(key: Key): void {
    const call = this.call;
    if (call === null) return;
    const ringingIn = call.direction === 'in' && call.state === 'ringing';
    if (ringingIn) {
      if (key === 'send' || key === 'soft1' || key === 'ok') call.answer();
      else if (key === 'soft2') call.reject(603);
      else if (key === 'end' || key === 'cancel') call.reject(486);
      return;
    }
    if (key === 'end' || key === 'soft4') return call.hangup();
    const other = this.other;
    if (other !== null && other.state === 'ringing') {
      if (key === 'send' || key === 'soft1' || key === 'ok') return this.answerWaiting();
      if (key === 'soft2') return other.reject(486);
    } else if (other !== null && key === 'soft3') {
      return this.swapCalls();
    }
    if ((key === 'transfer' || key === 'soft1') && (call.state === 'connected' || call.state === 'held')) return this.startTransfer(call);
    if (key === 'hold' || key === 'soft2') {
      call.hold(!call.localHold);
      return;
    }
    if (key === 'mute' || key === 'soft3') {
      call.setMuted(!call.muted);
      if (this.stream !== null) this.stream.muted = call.muted;
      return;
    }
    if (isDialKey(key) && (call.state === 'connected' || call.state === 'held')) this.sendDtmf(key, true);
  }

  // ---- blind transfer -----------------------------------------------------------------

  /** Transfer: the call goes on hold while the number is entered (as on desk phones). */
  private startTransfer(call: Call): void {
    if (call.transfer?.state === 'requested') return;
    this.transferHeld = !call.localHold && call.hold(true);
    this.mode = 'transfer';
    this.digits = '';
    this.drawTransfer();
  }

  /** Digits build the number; Transfer/send/OK transfers; End/Cancel goes back to the call. */
  private transferKey(key: Key): void {
    const call = this.call;
    if (call === null) return this.enterIdle();
    if (isDialKey(key)) {
      if (this.digits.length < MAX_DIAL) this.digits += key;
      return this.drawTransfer();
    }
    if (key === 'soft2' || key === 'left') {
      this.digits = this.digits.slice(0, -1);
      return this.drawTransfer();
    }
    if (key === 'end' || key === 'cancel' || key === 'soft4') return this.abandonTransfer(call);
    if ((key === 'transfer' || key === 'send' || key === 'soft1' || key === 'ok') && this.digits !== '') {
      this.transferHeld = false;
      this.mode = 'call';
      if (this.ua?.transfer(call, this.digits) !== true) return this.resumeCall(call, 'Cannot transfer to that number');
      this.drawCall();
    }
  }

  private abandonTransfer(call: Call): void {
    if (this.transferHeld) call.hold(false);
    this.transferHeld = false;
    this.mode = 'call';
    this.drawCall();
  }

  private drawTransfer(): void {
    const s = this.screen;
    const tail = this.digits.length > s.cols ? this.digits.slice(this.digits.length - s.cols) : this.digits;
    this.show({ lines: ['Transfer to:', tail, this.call?.remote ?? ''], softkeys: ['Xfer', 'Delete', '', 'Cancel'] });
  }

  /** A digit pressed in a call: RFC 4733 telephone-event when negotiated, else SIP INFO. */
  private sendDtmf(key: Key, down: boolean): void {
    if (this.stream !== null && this.stream.dtmf(key, down)) return;
    if (down) this.call?.sendInfoDtmf(key);
  }

  private placeCall(target: string): void {
    this.timers.cancel(this.interDigitTimer);
    this.interDigitTimer = null;
    if (target === '' || this.ua === null) return;
    if (this.ua.activeCall !== null) return this.cannotCall(target, 'in_call', 'Already in a call');
    this.settings.lastDialed = target;
    saveSettings(this.hal.storage, this.settings);
    this.audio.tone(null);
    const call = this.ua.dial(target);
    if ('cause' in call) return this.cannotCall(target, call.cause, call.reason);
    this.call = call;
    this.mode = 'call';
    this.drawCall();
  }

  /** A call that cannot be placed says why: a call_failed event, and the LCD for a moment. */
  private cannotCall(target: string, cause: string, reason: string): void {
    this.hal.system.emit({ event: 'call_failed', target, cause, reason });
    const call = this.call;
    if (call !== null && call.state !== 'ended') {
      return this.notice(reason, () => {
        this.mode = 'call';
        this.drawCall();
      });
    }
    this.notice(reason, () => (this.offHook ? this.startDialing('') : this.enterIdle()));
  }

  private changeVolume(delta: number): void {
    const v = Math.max(0, Math.min(10, this.settings.volume + delta));
    this.settings.volume = v;
    this.hal.audio.volume(v);
    saveSettings(this.hal.storage, this.settings);
    if (this.mode === 'idle' || this.mode === 'notice') {
      this.notice('Volume ' + '#'.repeat(v) + '-'.repeat(10 - v), () => this.enterIdle());
    }
  }

  // ---- control channel ----------------------------------------------------------------

  private onControl(command: { [k: string]: unknown }): void {
    if (this.mode === 'booting') {
      this.hal.system.emit({ event: 'error', where: 'control', message: 'the phone is still booting' });
      return;
    }
    if (typeof command.dial === 'string') {
      this.placeCall(command.dial.slice(0, MAX_DIAL));
      return;
    }
    if (command.cmd === 'history') {
      this.hal.system.emit({ event: 'history', missed: this.history.missed, calls: this.history.entries });
      return;
    }
    this.hal.system.emit({ event: 'error', where: 'control', message: `unknown command ${JSON.stringify(command).slice(0, 200)}` });
  }
}

function isDialKey(key: Key): boolean {
  return key.length === 1; // 0-9, *, #
}

/** "Alice" or "alice@lab.example" for the idle screen. */
function accountLabel(a: AccountConfig): string {
  if (a.displayName) return a.displayName;
  const colon = a.uri.indexOf(':');
  return colon === -1 ? a.uri : a.uri.slice(colon + 1);
}
