// The web UI's WebSocket protocol, shared by the server (web-ui.ts) and the page (page/main.ts):
// JSON text messages both ways; audio as binary messages whose first octet is the phone's
// index, followed by 16-bit little-endian mono PCM at AUDIO_RATE (microphone up, speaker down).
// Types only, plus constants: the page bundle imports it too.

export const AUDIO_RATE = 8000;
/** Largest message the server accepts from a page; audio frames are 321 octets. */
export const MAX_CLIENT_MESSAGE = 16 * 1024;

/** What the page needs to draw one phone: its board config's face. */
export interface PhoneInfo {
  index: number;
  /** The board's model name, e.g. "quip Desk 6". */
  name: string;
  board: string;
  /** The first account's address of record, or '' when none is provisioned. */
  account: string;
  display: { rows: number; cols: number; softkeys: number; icons: string[] };
  leds: string[];
  keys: string[];
  /** KeyboardEvent.key → phone key. */
  keymap: Record<string, string>;
}

/** One SIP message the phone sent or received, as seen on its network HAL. */
export interface SipEntry {
  seq: number;
  /** Wall-clock milliseconds. */
  time: number;
  direction: 'in' | 'out';
  transport: 'udp' | 'tcp';
  /** The other side, "address:port". */
  peer: string;
  /** Request line or status line. */
  firstLine: string;
  callId: string | null;
  /** "1 INVITE" */
  cseq: string | null;
  /** The whole message (headers and body), UTF-8 decoded, possibly cut at a size limit. */
  text: string;
}

export type ControlEventJson = { event: string; [k: string]: unknown };

export type ServerMessage =
  | { type: 'hello'; title: string; phones: PhoneInfo[] }
  | { type: 'event'; phone: number; event: ControlEventJson }
  | { type: 'sip'; phone: number; entry: SipEntry }
  | { type: 'error'; message: string };

/** From the page: a key edge, a dial, a reboot, or whether its microphone is streaming. */
export type ClientMessage =
  | { phone: number; key: string; down?: boolean }
  | { phone: number; dial: string }
  | { phone: number; cmd: 'reboot' }
  | { phone: number; mic: boolean };
