// The HAL contract: the only door between quip's firmware and the hardware it runs on.
//
// Event-driven, in the style of ECMA-419 / Moddable IO: the host delivers events to the
// firmware's `dispatch()`; the firmware calls host functions that never block (anything
// slow — DNS, TCP connect — answers later with an event). A C host on a dev board and
// the desktop emulator implement the same contract. Firmware imports these types only.
//
// Data crossing the boundary: text as strings; octets (packets, PCM) as byte strings
// ("binary strings", one char per octet 0..255), which every JS engine and a C host can
// pass without a typed-array binding.

/** Board facts the host reads from the board config and hands to the firmware at boot. */
export interface BoardInfo {
  id: string;
  name: string;
  display: { rows: number; cols: number; softkeys: number; icons: DisplayIcon[] };
  leds: LedName[];
  /** Keys this board has (a small phone may lack softkeys or navigation). */
  keys: Key[];
  /** Codec preference, best first (PCMU, PCMA, telephone-event). */
  codecs: string[];
  heapLimitBytes: number;
  maxAccounts: number;
  firmwareVersion: string;
  /** Local SIP port (0 = any) and transport. */
  sip: {
    port: number;
    transport: 'udp' | 'tcp';
    /** Ring for INVITEs that do not come through the registrar/outbound proxy (off: scanners cannot ring the phone). */
    acceptDirectCalls?: boolean;
    /** Seconds between OPTIONS liveness checks of the registrar while registered (default 30; 0 = off). */
    serverCheckS?: number;
  };
  /** Accounts provisioned for this phone (board config, --account, or a provisioning server). */
  accounts: AccountConfig[];
  dialPlan: { digitMap: string; interDigitTimeoutMs: number };
  /** Call-progress tones: 'na' (350+440 Hz dial tone, ...) or 'eu' (425 Hz). */
  tonePlan: 'na' | 'eu';
  /** Local RTP port range: RTP on even ports, RTCP on the next odd one. */
  rtpPorts: { min: number; max: number };
  /** Boards with A/B flash: seconds of running without a crash after which the firmware confirms its boot (system.bootOk). */
  confirmAfterS?: number;
  /** Where the phone fetches its config on boot (http; `{board}` becomes the board id). */
  provisioningUrl?: string;
}

export interface AccountConfig {
  /** Address of record, e.g. "sip:alice@lab.example". */
  uri: string;
  password: string;
  /** Registrar "host[:port]"; defaults to the AOR's domain. */
  registrar?: string;
  /** Outbound proxy "host[:port]" for every request (RFC 3261 §8.1.2); defaults to the registrar. */
  outboundProxy?: string;
  displayName?: string;
  /** Requested registration lifetime in seconds. */
  expires?: number;
}

export type LedName = 'message' | 'line1' | 'line2';

// ---- events: host → firmware -------------------------------------------------------

export type Key =
  | '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#'
  | 'send' | 'end' | 'hook' | 'soft1' | 'soft2' | 'soft3' | 'soft4'
  | 'up' | 'down' | 'left' | 'right' | 'ok' | 'cancel'
  | 'hold' | 'mute' | 'transfer' | 'redial' | 'vol_up' | 'vol_down' | 'speaker' | 'headset';

export const KEYS: readonly Key[] = [
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#',
  'send', 'end', 'hook', 'soft1', 'soft2', 'soft3', 'soft4',
  'up', 'down', 'left', 'right', 'ok', 'cancel',
  'hold', 'mute', 'transfer', 'redial', 'vol_up', 'vol_down', 'speaker', 'headset',
];

export type HalEvent =
  /** A key went down or up. For 'hook', down=true means the handset is lifted (off-hook). */
  | { type: 'key'; key: Key; down: boolean }
  /** A timer set with setTimer fired. */
  | { type: 'timer'; id: number }
  /** A socket from udpOpen is bound (port is the real one when 0 was asked for). */
  | { type: 'udp_bound'; socket: number; port: number }
  /** A UDP socket failed (bind refused, socket error); it is closed. */
  | { type: 'udp_error'; socket: number; error: string }
  /** A datagram arrived on a UDP socket. */
  | { type: 'udp'; socket: number; data: string; address: string; port: number }
  | { type: 'tcp_listening'; listener: number; port: number }
  | { type: 'tcp_listen_error'; listener: number; error: string }
  | { type: 'tcp_connected'; conn: number; localAddress: string; localPort: number }
  | { type: 'tcp_accepted'; listener: number; conn: number; address: string; port: number }
  | { type: 'tcp_data'; conn: number; data: string }
  /** A tcpWrite on this connection returned false; now it takes data again. Once per refusal, never after tcp_closed. */
  | { type: 'tcp_writable'; conn: number }
  | { type: 'tcp_closed'; conn: number; error: string | null }
  /** error is set exactly when records is empty (ENODATA, ENOTFOUND, ...); SRV/NAPTR TTLs may be 0 (unknown). */
  | { type: 'dns'; query: number; records: DnsRecord[]; error: string | null }
  | { type: 'link'; up: boolean; address: string | null }
  /** One captured PCM frame (16-bit little-endian mono at the codec rate) every frame period. */
  | { type: 'audio_frame'; pcm: string }
  /** The host asks for an orderly shutdown (unregister, save state); then it stops the firmware. */
  | { type: 'shutdown' }
  /** A command from the control channel that the firmware handles (e.g. dial a URI). */
  | { type: 'control'; command: ControlCommand };

export type ControlCommand =
  | { dial: string }
  | { cmd: string; [k: string]: unknown };

export type DnsType = 'A' | 'AAAA' | 'SRV' | 'NAPTR';

export type DnsRecord =
  | { type: 'A' | 'AAAA'; address: string; ttl: number }
  | { type: 'SRV'; priority: number; weight: number; port: number; target: string; ttl: number }
  | {
      type: 'NAPTR';
      order: number;
      preference: number;
      flags: string;
      service: string;
      regexp: string;
      replacement: string;
      ttl: number;
    };

// ---- host functions: firmware → host ----------------------------------------------

export interface NetHal {
  /**
   * Opens a UDP socket on `port` (0 = any free port) and returns its id at once; binding
   * completes with udp_bound (carrying the real port) or fails with udp_error.
   */
  udpOpen(port: number): number;
  /** Sends a datagram to an IP literal (the firmware resolves names); false when it could not be queued. */
  udpSend(socket: number, data: string, address: string, port: number): boolean;
  udpClose(socket: number): void;
  /** Connects to an IP literal; answers with tcp_connected or tcp_closed. Returns the connection id. */
  tcpConnect(address: string, port: number): number;
  /** Listens for TCP connections; answers tcp_listening or tcp_listen_error, then tcp_accepted per peer. */
  tcpListen(port: number): number;
  tcpStopListening(listener: number): void;
  /**
   * Queues data; false when it cannot be queued now (not connected, link down, the send buffer
   * full). After a false on a connected connection, tcp_writable says when to write again
   * (unless tcp_closed comes first); data larger than the host's whole buffer never fits.
   */
  tcpWrite(conn: number, data: string): boolean;
  /** Closes a connection; tcp_closed (error null) still follows, exactly once per connection. */
  tcpClose(conn: number): void;
  /** Starts a DNS query; answers with a dns event carrying this id. */
  dnsQuery(name: string, type: DnsType): number;
  /** The address other hosts reach this phone at, or null while the link is down. */
  localAddress(): string | null;
}

export type AudioRoute = 'handset' | 'speaker' | 'headset';

export interface AudioHal {
  /** Starts the frame clock: one audio_frame event per `frameMs`, each wanting one play() in return. */
  start(sampleRate: number, frameMs: number): void;
  stop(): void;
  /** Queues one PCM frame (16-bit little-endian mono) for the speaker. */
  play(pcm: string): void;
  route(route: AudioRoute): void;
  /** Volume 0..10. */
  volume(level: number): void;
  /** Optional tone generator: frequencies in Hz (empty = off); the firmware can also synthesize. */
  tone?(freqs: number[]): void;
}

export type DisplayIcon = 'registered' | 'message' | 'mute' | 'hold' | 'speaker' | 'headset' | 'dnd';

export interface DisplayHal {
  /** Writes text at a row/column; text beyond the line is clipped. */
  write(row: number, col: number, text: string, inverse?: boolean): void;
  clear(): void;
  /** Pushes the drawn frame to the glass (one repaint per burst of writes). */
  flush(): void;
  icon(icon: DisplayIcon, on: boolean): void;
  led(led: LedName, state: 'off' | 'on' | 'blink'): void;
  /** Rings (or stops) the ringer. */
  ring(on: boolean): void;
}

export interface StorageHal {
  get(key: string): string | null;
  /** Atomic: after a power cut the key holds the old or the new value, never a mix. */
  set(key: string, value: string): boolean;
  remove(key: string): void;
  keys(): string[];
}

export interface ClockHal {
  /** Wall-clock milliseconds since the epoch (may jump when NTP corrects it). */
  now(): number;
  /** Monotonic milliseconds since boot: use for timers and durations. */
  monotonic(): number;
  /** One-shot timer; fires a timer event with the returned id. */
  setTimer(ms: number): number;
  clearTimer(id: number): void;
}

export interface CryptoHal {
  randomBytes(n: number): string;
  /** Lower-case hex digests of a byte string; the host's native code is faster than JS. */
  md5(data: string): string;
  sha256(data: string): string;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface SystemHal {
  board(): BoardInfo;
  log(level: LogLevel, message: string): void;
  /** Structured events for the control/diagnostic channel (serial console, emulator stdio). */
  emit(event: { event: string; [k: string]: unknown }): void;
  reboot(reason: string): void;
  /**
   * The firmware booted healthily (registered, or ran confirmAfterS seconds): a boot loader with
   * A/B slots marks a trial slot good and stops counting boot attempts. Hosts without one ignore it.
   */
  bootOk?(): void;
}

export interface Hal {
  net: NetHal;
  audio: AudioHal;
  display: DisplayHal;
  storage: StorageHal;
  clock: ClockHal;
  crypto: CryptoHal;
  system: SystemHal;
}

/** What the firmware bundle exposes to the host (as the global `quipFirmware`). */
export interface Firmware {
  /** Called once per boot, with the host's HAL. */
  start(hal: Hal): void;
  /** Delivers one event. Must return quickly; long work is split across timers. */
  dispatch(event: HalEvent): void;
}

// ---- the VM boundary ----------------------------------------------------------------
//
// Inside QuickJS the HAL is one native function and one entry point, so a C host needs
// no object bindings: the host defines `__hal(op, a, b, c, d)` and calls
// `quipFirmware.event(type, a, b, c, d)`. Arguments and results are strings, numbers, booleans or
// null; objects and arrays (':json' fields, JSON_ARGS, 'json' results) travel as JSON text, and
// octets (packets, PCM, random bytes; ':bin' fields, BINARY_ARGS, 'bin' results) as
// ArrayBuffers, since a C string stops at the first NUL byte. firmware/hal-binding.ts and
// hal/emulator/vm-bridge.ts turn these tables into the typed interfaces above; the C host
// (host/src/hal_calls.c) follows them too, which test/host/contract.test.ts checks.

/** Host functions: "group.name" → how the result travels ('' plain, 'json' JSON text, 'bin' octets, 'void' none). */
export const HOST_CALLS = {
  'net.udpOpen': '',
  'net.udpSend': '',
  'net.udpClose': 'void',
  'net.tcpConnect': '',
  'net.tcpListen': '',
  'net.tcpStopListening': 'void',
  'net.tcpWrite': '',
  'net.tcpClose': 'void',
  'net.dnsQuery': '',
  'net.localAddress': '',
  'audio.start': 'void',
  'audio.stop': 'void',
  'audio.play': 'void',
  'audio.route': 'void',
  'audio.volume': 'void',
  'audio.tone': 'void',
  'display.write': 'void',
  'display.clear': 'void',
  'display.flush': 'void',
  'display.icon': 'void',
  'display.led': 'void',
  'display.ring': 'void',
  'storage.get': '',
  'storage.set': '',
  'storage.remove': 'void',
  'storage.keys': 'json',
  'clock.now': '',
  'clock.monotonic': '',
  'clock.setTimer': '',
  'clock.clearTimer': 'void',
  'crypto.randomBytes': 'bin',
  'crypto.md5': '',
  'crypto.sha256': '',
  'system.board': 'json',
  'system.log': 'void',
  'system.emit': 'void',
  'system.reboot': 'void',
  'system.bootOk': 'void',
} as const;

export type HostCall = keyof typeof HOST_CALLS;

/** The argument (by position) of these calls that carries octets, passed as an ArrayBuffer. */
export const BINARY_ARGS: Partial<Record<HostCall, number>> = {
  'net.udpSend': 1,
  'net.tcpWrite': 1,
  'audio.play': 0,
  'crypto.md5': 0,
  'crypto.sha256': 0,
};

/** Calls whose one argument is an object or array, passed as JSON text. */
export const JSON_ARGS: Partial<Record<HostCall, true>> = {
  'audio.tone': true, // the frequencies
  'system.emit': true, // the event
};

/** Event fields in the order they are passed to quipFirmware.event(type, ...). */
export const EVENT_FIELDS: { [T in HalEvent['type']]: readonly string[] } = {
  key: ['key', 'down'],
  timer: ['id'],
  udp_bound: ['socket', 'port'],
  udp_error: ['socket', 'error'],
  udp: ['socket', 'data:bin', 'address', 'port'],
  tcp_listening: ['listener', 'port'],
  tcp_listen_error: ['listener', 'error'],
  tcp_connected: ['conn', 'localAddress', 'localPort'],
  tcp_accepted: ['listener', 'conn', 'address', 'port'],
  tcp_data: ['conn', 'data:bin'],
  tcp_writable: ['conn'],
  tcp_closed: ['conn', 'error'],
  dns: ['query', 'records:json', 'error'],
  link: ['up', 'address'],
  audio_frame: ['pcm:bin'],
  shutdown: [],
  control: ['command:json'],
};
