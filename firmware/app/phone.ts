// The phone: builds its parts and boots them. HAL events reach their owners through the event
// router — SIP, HTTP, DNS and RTP sockets are registered by the parts that open them; keys go
// to the mode switch, UA events to the modes. The call lines own the calls and their media;
// each key mode owns its keys and its screen.

import type { AccountConfig, BoardInfo, Hal, HalEvent } from '../../hal/contract.ts';
import { AudioPath } from '../media/audio-path.ts';
import { TONE_PLANS } from '../media/tone-plan.ts';
import type { TonePlan } from '../media/tone-plan.ts';
import type { Call } from '../ua/call.ts';
import { CallLines } from '../ua/call-lines.ts';
import type { MessageSummary } from '../ua/message-summary.ts';
import type { Registration } from '../ua/registration.ts';
import { PhoneSipStack } from '../ua/sip-stack.ts';
import { UserAgent } from '../ua/user-agent.ts';
import { EventRouter } from '../util/event-router.ts';
import { Timers } from '../util/timers.ts';
import { BootConfirmation } from './boot-confirm.ts';
import { CallHistory, historyEntry } from './call-history.ts';
import { compileDigitMap } from './digit-map.ts';
import type { DigitMap } from './digit-map.ts';
import type { IdleSource } from './modes/idle.ts';
import type { InfoSource } from './modes/info.ts';
import { MAX_DIAL } from './modes/mode.ts';
import type { PhoneParts } from './modes/mode.ts';
import { ModeSwitch } from './modes/mode-switch.ts';
import { ProvisioningFlow } from './provisioning-flow.ts';
import { Screen } from './screen.ts';
import { loadSettings, saveSettings } from './settings.ts';
import type { Settings } from './settings.ts';

export class Phone implements PhoneParts, IdleSource, InfoSource {
  readonly board: BoardInfo;
  readonly timers: Timers;
  /** Every HAL event goes through here to the part that owns its socket, query or type. */
  readonly events: EventRouter;
  private readonly bootConfirmation: BootConfirmation;
  readonly screen: Screen;
  settings: Settings;
  ua: UserAgent | null = null;
  private stack: PhoneSipStack | null = null;
  readonly audio: AudioPath;
  readonly lines: CallLines;
  readonly history: CallHistory;
  readonly provisioning: ProvisioningFlow;
  /** The last voicemail summary (from the UA). */
  mwi: MessageSummary | null = null;
  private tonePlan: TonePlan;
  /** The board's dial plan, compiled (again after provisioning); null if it did not compile. */
  digitMap: DigitMap | null = null;
  private readonly modes: ModeSwitch;

  constructor(readonly hal: Hal) {
    this.board = hal.system.board();
    this.timers = new Timers(hal.clock);
    this.events = new EventRouter(hal.net);
    this.bootConfirmation = new BootConfirmation(hal, this.timers, this.board.confirmAfterS);
    const d = this.board.display;
    this.screen = new Screen(hal.display, d.rows, d.cols, d.softkeys);
    this.settings = loadSettings(hal.storage).settings;
    this.audio = new AudioPath(hal);
    this.tonePlan = TONE_PLANS[this.board.tonePlan] ?? TONE_PLANS.na!;
    this.history = new CallHistory(hal.storage, (m) => hal.system.log('warn', m));
    this.compileDialPlan();
    this.lines = new CallLines(hal, this.timers, this.audio, { frontStats: () => this.modes.inCall.statsChanged() });
    this.provisioning = new ProvisioningFlow(hal, this.events, this.timers, this.board, {
      configured: () => {
        this.tonePlan = TONE_PLANS[this.board.tonePlan] ?? this.tonePlan;
        this.compileDialPlan();
      },
      settled: () => {
        if (this.modes.mode !== 'booting') this.register(); // finishBoot already ran and waited
      },
    });
    this.modes = new ModeSwitch(this);
    this.routeDeviceEvents();
  }

  get account(): AccountConfig | undefined {
    return this.board.accounts[0];
  }

  get tones(): TonePlan['tones'] {
    return this.tonePlan.tones;
  }

  /** The bound SIP port, for the Info screen. */
  get sipPort(): number {
    return this.stack?.port ?? 0;
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
      this.events,
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
    const inCall = this.modes.inCall;
    this.ua = new UserAgent(
      { hal, events: this.events, timers: this.timers, stack: this.stack, emit: (e) => hal.system.emit(e), userAgent: `quip/${this.board.firmwareVersion}` },
      this.board,
      {
        registration: (r) => this.onRegistration(r),
        call: (c) => this.onCall(c),
        incoming: (c) => inCall.incoming(c),
        messageWaiting: (s) => this.onMessageWaiting(s),
        dtmf: (c, digit) => hal.system.emit({ event: 'dtmf', call_id: c.callId, digit, via: 'info' }),
        transferred: (from, to) => inCall.transferred(from, to),
        mediaPacket: (socket, data, address, port) => this.lines.stream?.handleUdp(socket, data, address, port),
      },
    );
    ctxRef.ua = this.ua;
    // Call waiting needs softkeys to answer or refuse the second call with; small2 says 486.
    this.ua.callWaiting = this.screen.softkeys > 0;
    this.history.load();
    this.modes.updateMessageLed();
    this.provisioning.start(this.ua.resolver);
    this.stack.start();
  }

  handle(ev: HalEvent): void {
    this.events.dispatch(ev);
  }

  /** The events no socket owns: timers (the Timers table is keyed by id), audio, keys, control. */
  private routeDeviceEvents(): void {
    const ev = this.events;
    ev.on('timer', (e) => this.timers.fire(e.id));
    ev.on('audio_frame', (e) => this.audio.onFrame(e.pcm));
    ev.on('key', (e) => this.modes.key(e.key, e.down));
    ev.on('link', (e) => {
      if (e.up && this.modes.mode !== 'booting') this.ua?.networkUp();
    });
    ev.on('control', (e) => this.onControl(e.command));
    ev.on('shutdown', () => {
      this.ua?.stop();
      saveSettings(this.hal.storage, this.settings);
    });
  }

  // ---- boot and registration ------------------------------------------------------------

  private finishBoot(port: number): void {
    if (this.modes.mode !== 'booting') return;
    this.modes.enterIdle();
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
    if (!this.provisioning.pending) this.register(); // provisioning calls it when still fetching
    this.bootConfirmation.start();
  }

  /** Auto-register, and say on the LCD how provisioning went. */
  private register(): void {
    this.ua?.start();
    const text = this.provisioning.takeNotice();
    if (text !== null && this.modes.mode === 'idle') this.modes.notice(text, () => this.modes.enterIdle());
  }

  private compileDialPlan(): void {
    try {
      this.digitMap = compileDigitMap(this.board.dialPlan.digitMap);
    } catch (e) {
      this.hal.system.log('warn', `dial plan ignored: ${(e as Error).message}`);
    }
  }

  // ---- user agent events ----------------------------------------------------------------

  private onRegistration(r: Registration): void {
    if (r !== this.ua?.primary) return;
    this.hal.display.icon('registered', r.state === 'registered');
    if (r.state === 'registered') this.bootConfirmation.confirm();
    this.modes.redraw('idle');
  }

  /** Every call change is reported; an ended call goes into the history (a missed one lights the LED). */
  private onCall(call: Call): void {
    if (call.state === 'ended') {
      this.history.add(historyEntry(call, this.hal.clock.now(), this.hal.clock.monotonic()));
      this.modes.updateMessageLed();
    }
    this.hal.system.emit({
      event: 'call_state',
      call_id: call.callId,
      state: call.state,
      direction: call.direction,
      remote: call.remote,
      ...(call.state === 'ended' ? { status: call.status, reason: call.reason } : {}),
    });
    this.modes.inCall.changed(call);
  }

  private onMessageWaiting(s: MessageSummary): void {
    this.mwi = s;
    this.modes.updateMessageLed();
    this.hal.display.icon('message', s.waiting);
    this.hal.system.emit({ event: 'message_waiting', waiting: s.waiting, new: s.newVoice, old: s.oldVoice });
    this.modes.redraw('idle');
  }

  // ---- the control channel --------------------------------------------------------------

  private onControl(command: { [k: string]: unknown }): void {
    if (this.modes.mode === 'booting') {
      this.hal.system.emit({ event: 'error', where: 'control', message: 'the phone is still booting' });
      return;
    }
    if (typeof command.dial === 'string') {
      this.modes.placeCall(command.dial.slice(0, MAX_DIAL));
      return;
    }
    if (command.cmd === 'history') {
      this.hal.system.emit({ event: 'history', missed: this.history.missed, calls: this.history.entries });
      return;
    }
    this.hal.system.emit({ event: 'error', where: 'control', message: `unknown command ${JSON.stringify(command).slice(0, 200)}` });
  }
}
