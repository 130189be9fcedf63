// The bridge between emulated phones and the web page: control events and SIP messages go
// out to every connected page as JSON, key presses come back in through the same checks as
// the stdio control channel, and audio travels both ways as 8 kHz PCM frames. A page that
// connects late is sent each phone's screen, recent events and SIP messages first.

import type { WebSocket } from 'ws';
import type { BoardConfig } from '../../board-config.ts';
import type { Key } from '../../contract.ts';
import type { PcmSource } from '../audio.ts';
import { applyControlLine, parseJsonObject } from '../control-stdio.ts';
import type { ControlTarget } from '../control-stdio.ts';
import type { ControlEvent, EmulatorOptions } from '../emulator.ts';
import type { NetTap } from '../net-tap.ts';
import { MicBuffer } from './mic-buffer.ts';
import type { ClientMessage, PhoneInfo, ServerMessage } from './protocol.ts';
import { SipLog } from './sip-log.ts';
import { startWebServer } from './web-server.ts';
import type { WebServer } from './web-server.ts';

/** Events kept per phone for a page that connects later (media_stats feed its chart). */
const KEEP_EVENTS = 200;
/** A page that cannot keep up gets no more audio until it drains this much. */
const MAX_BUFFERED = 256 * 1024;

type Sink = { write(pcm: string): void };
/** What the page may do to a phone: the control channel's target, less quit. */
export type WebTarget = Omit<ControlTarget, 'quit'>;

interface Phone {
  info: PhoneInfo;
  target: WebTarget | null;
  display: ControlEvent | null;
  events: ControlEvent[];
  sip: SipLog;
  mic: MicBuffer;
  micOwner: WebSocket | null;
}

export interface WebUiOptions {
  title: string;
  /** Problems with what pages send (bad JSON, unknown keys): one line each. */
  onNote?: (message: string) => void;
}

export class WebUi {
  private readonly phones: Phone[] = [];
  private readonly clients = new Set<WebSocket>();
  private server: WebServer | null = null;

  constructor(private readonly options: WebUiOptions) {}

  /** Registers a phone drawn from `config`; returns its index. */
  addPhone(config: BoardConfig, account: string): number {
    const index = this.phones.length;
    const info: PhoneInfo = {
      index,
      name: config.name,
      board: config.id,
      account,
      display: { rows: config.display.rows, cols: config.display.cols, softkeys: config.display.softkeys, icons: [...config.display.icons] },
      leds: [...config.leds],
      keys: [...config.keys],
      keymap: { ...config.keymap },
    };
    const phone: Phone = {
      info, target: null, display: null, events: [], mic: new MicBuffer(), micOwner: null,
      sip: new SipLog((entry) => this.broadcast({ type: 'sip', phone: index, entry })),
    };
    this.phones.push(phone);
    return index;
  }

  /** The Emulator options that connect phone `index` to the page; `speaker` still plays too. */
  hooks(index: number, speaker: Sink | null = null): Pick<EmulatorOptions, 'netTap' | 'microphone' | 'speaker'> {
    const phone = this.phones[index]!;
    const netTap: NetTap = (p) => phone.sip.packet(p);
    const microphone: PcmSource = (samples, rate) => phone.mic.take(samples, rate);
    const toPages: Sink = {
      write: (pcm) => {
        speaker?.write(pcm);
        this.audioOut(index, pcm);
      },
    };
    return { netTap, microphone, speaker: toPages };
  }

  /** Where the page's key presses for phone `index` go. */
  attach(index: number, target: WebTarget): void {
    this.phones[index]!.target = target;
  }

  /** A control event from phone `index`. */
  event(index: number, event: ControlEvent): void {
    const phone = this.phones[index];
    if (phone === undefined) return;
    if (event.event === 'display') phone.display = event;
    else {
      phone.events.push(event);
      if (phone.events.length > KEEP_EVENTS) phone.events.shift();
    }
    this.broadcast({ type: 'event', phone: index, event });
  }

  async listen(host: string, port: number): Promise<string> {
    this.server = await startWebServer({ host, port, onConnection: (ws) => this.connected(ws) });
    return this.server.url;
  }

  async close(): Promise<void> {
    await this.server?.close();
    this.server = null;
  }

  private connected(ws: WebSocket): void {
    this.clients.add(ws);
    this.send(ws, { type: 'hello', title: this.options.title, phones: this.phones.map((p) => p.info) });
    for (const [i, p] of this.phones.entries()) {
      for (const event of p.events) this.send(ws, { type: 'event', phone: i, event });
      if (p.display !== null) this.send(ws, { type: 'event', phone: i, event: p.display });
      for (const entry of p.sip.all) this.send(ws, { type: 'sip', phone: i, entry });
    }
    ws.on('message', (data, isBinary) => {
      try {
        const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
        const problem = isBinary ? this.audioIn(ws, bytes) : this.command(ws, bytes.toString('utf8'));
        if (problem !== null) this.reject(ws, problem);
      } catch (e) {
        this.reject(ws, `internal error: ${(e as Error).message}`);
      }
    });
    ws.on('close', () => {
      this.clients.delete(ws);
      for (const p of this.phones) if (p.micOwner === ws) this.releaseMic(p);
    });
    ws.on('error', () => ws.terminate());
  }

  /** One JSON command from a page; returns what was wrong with it, or null. */
  private command(ws: WebSocket, text: string): string | null {
    const msg = parseJsonObject(text);
    if (typeof msg === 'string') return msg;
    const { phone: index, ...rest } = msg as Partial<ClientMessage> & Record<string, unknown>;
    const phone = typeof index === 'number' && Number.isInteger(index) ? this.phones[index] : undefined;
    if (phone === undefined) return `no phone ${JSON.stringify(index)}`;
    if ('mic' in rest) {
      if (typeof rest.mic !== 'boolean') return '"mic" must be true or false';
      if (rest.mic) {
        phone.micOwner = ws; // the latest page to ask gets the microphone
        phone.mic.setActive(true);
      } else if (phone.micOwner === ws) this.releaseMic(phone);
      return null;
    }
    if (rest.cmd === 'quit') return 'the page cannot quit the emulator';
    const target = phone.target;
    if (target === null) return `phone ${phone.info.index} is not running`;
    return applyControlLine(JSON.stringify(rest), { ...target, quit: () => {} }, phone.info.keys as Key[]);
  }

  private audioIn(ws: WebSocket, bytes: Buffer): string | null {
    const phone = bytes.length > 0 ? this.phones[bytes[0]!] : undefined;
    if (phone === undefined) return 'audio for no phone';
    if (phone.micOwner === ws) phone.mic.push(bytes.subarray(1));
    return null;
  }

  private audioOut(index: number, pcm: string): void {
    if (this.clients.size === 0) return;
    const frame = Buffer.alloc(pcm.length + 1);
    frame[0] = index;
    frame.write(pcm, 1, 'latin1');
    for (const ws of this.clients) {
      if (ws.readyState === ws.OPEN && ws.bufferedAmount < MAX_BUFFERED) ws.send(frame, { binary: true });
    }
  }

  private releaseMic(phone: Phone): void {
    phone.micOwner = null;
    phone.mic.setActive(false);
  }

  private reject(ws: WebSocket, message: string): void {
    this.options.onNote?.(`web: ${message}`);
    this.send(ws, { type: 'error', message });
  }

  private broadcast(msg: ServerMessage): void {
    if (this.clients.size === 0) return;
    const text = JSON.stringify(msg);
    for (const ws of this.clients) if (ws.readyState === ws.OPEN) ws.send(text);
  }

  private send(ws: WebSocket, msg: ServerMessage): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  }
}
