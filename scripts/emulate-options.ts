// `quip emulate`'s command line: argv to typed options, or a one-line usage error. Pure: it
// reads no files and opens nothing (the caller says whether stdout is a terminal), so every
// rule here is tested without running a phone. The run loop is scripts/emulate.ts.

import { parseArgs } from 'node:util';
import { applyBoardOverrides } from '../hal/board-schema.ts';
import type { BoardInfo, LogLevel } from '../hal/contract.ts';
import { ImpairmentError, parseImpairment } from '../hal/node/impairment.ts';
import type { ImpairmentSpec } from '../hal/node/impairment.ts';
import { DEFAULT_HTTP_PORT } from '../hal/emulator/web/web-session.ts';

export const EMULATE_HELP = `Usage: quip emulate [options]

Runs an emulated quip phone: the firmware bundle inside QuickJS with the board's memory
limit and watchdog, on a HAL made of real UDP/TCP sockets, DNS, timers, WAV audio and a
storage directory.

Options:
  --board <name|file>     board config from board-configs/ (default desk6)
  --image <file>          boot this firmware image (quip build); default: build from source
  --flash <file>          boot from an emulated flash (quip flash writes one): the boot loader
                          picks slot A or B (verified: SHA-256, and the signature when the
                          board has update.publicKey), counts boots of a newly flashed slot
                          until the firmware confirms it, and rolls back after the board's
                          flash.maxTrialBoots; settings live in the flash's storage partition
                          (not --data-dir). Not with --image.
  --update-port <n>       with --flash: the update endpoint, POST /firmware over HTTP on
                          127.0.0.1:<n> (0 = any; default the board's update.httpPort, else off)
  --tftp-port <n>         with --flash: the same over TFTP (write request, octet mode)
                          (default the board's update.tftpPort, else off). An uploaded image
                          is checked (layout, board, SHA-256, and the signature when the board
                          has update.publicKey), written to the inactive slot as trial, and the
                          phone reboots into it; a refused one leaves the running firmware.
  --account <uri>         sip:user:password@host[:port] — replaces the board's accounts
                          (with --phones N: once per phone, in order)
  --provisioning-url <u>  fetch accounts/codecs/dial plan from this http URL on boot
                          (replaces the board's provisioningUrl; {board} = board id)
  --sip-port <n>          local SIP port (0 = any free port; default from the board)
  --sip-transport <t>     udp or tcp toward the registrar/proxy (default from the board)
  --accept-direct-calls   ring for calls that do not come through the registrar/proxy
                          (behind a redirect server, or IP direct dial with an account); off by
                          default for a phone with an account; a phone with no account always
                          rings for direct calls
  --audio-in <wav>        what the microphone hears (looped; --audio-once plays it once)
  --audio-out <wav>       records everything the speaker plays
  --audio-once            play --audio-in once, then silence
  --sound auto|on|off     play the speaker through this computer (aplay/paplay/pw-play);
                          auto = with the terminal UI when --audio-out is not given
  --echo                  an echo test line: the microphone hears what the speaker played
  --net-impair <spec>     test impairment of the phone's network interface, like tc netem, on
                          every UDP datagram it sends and receives (SIP, RTP, RTCP), e.g.
                          loss=0.2,dup=0.05,reorder=0.1,jitter=200[,delay=ms][,hold=ms][,seed=N]
                            loss     share dropped (0..1)      dup   share sent twice (0..1)
                            reorder  share held back hold ms (default 100) so later ones overtake
                            jitter   each copy delayed a random 0..jitter ms (this reorders too)
                            delay    fixed extra delay in ms   seed  PRNG seed (default 1)
                          Each direction is impaired on its own, so a phone-to-phone path through
                          one impaired phone sees the figures once, through two about twice.
                          TCP (--sip-transport tcp) is reliable by nature and not impaired,
                          nor is DNS. On quit a "net-impair:" line on stderr counts what was
                          dropped, duplicated and retransmitted.
  --rtp-loss <fraction>   narrower impairment: drop that share of incoming RTP only (0..0.5);
                          not together with --net-impair
  --ui tui|web|none       terminal UI (default: tui on a terminal without --control stdio),
                          or a web page that draws the phone (prints its URL): keys, LCD,
                          LEDs, browser microphone and speaker, SIP ladder, RTP chart, log
  --http-port <n>         the web page's port (default ${DEFAULT_HTTP_PORT}, or any free one if taken)
  --http-bind <address>   the web page's address (default 127.0.0.1: this computer only)
  --phones <n>            with --ui web: n phones on the page (default 1), each with its own
                          --account, any free SIP port and data directory <data-dir>-<i>
  --control stdio|none    JSON lines: commands on stdin, events on stdout (default none)
  --data-dir <dir>        storage directory (default ~/.quip/<board>; unused with --flash)
  --bind <address>        local address for sockets (default 0.0.0.0)
  --advertise <address>   address to tell peers (default: the first non-loopback IPv4)
  --log-level <level>     debug|info|warn|error|none, to stderr (default warn)
  -h, --help              show this help

Control channel input, one JSON object per line:
  {"key":"5"}  {"key":"send"}  {"key":"hook","down":true}  {"dial":"sip:bob@127.0.0.1:5070"}
  {"cmd":"reboot"}  {"cmd":"quit"}  {"cmd":"history"}
"dial" (or digits + send on the keypad) takes a number (sent to the account's domain), user@host,
a SIP URI, or an IP address: 192.168.1.20[:port], or on the keypad with * for dots and a fifth
group for the port, 192*168*1*20 or 127*0*0*1*5070. With no account (IP direct dial) the INVITE
goes straight to the URI's host; a number then cannot be called.
Output events, one per line, each with an "event" field: boot, display, registered,
registration_failed, registrar_lost, incoming, call_state, call_failed, transfer, dtmf,
media_stats, watchdog, reboot, error, provisioned, provisioning_failed, history.
call_failed (target, cause: no_account|bad_target|no_network|in_call|invalid_number, reason as
the LCD shows it) means the call was never placed; a placed call ends with call_state "ended".
With --flash: boot also carries slot, slot_state (good|trial) and, on trial, boot_attempt and
max_trial_boots; boot_confirmed (slot, version) when the firmware confirms a trial boot;
rollback (from, to, from_version, to_version, reason, detail) when the boot loader falls back;
update_endpoint (host, http_port, tftp_port) once the update endpoint listens.
`;

export type LogSetting = LogLevel | 'none';

/** Least to most severe: a level shows itself and everything after it. */
export const LOG_LEVELS: readonly LogSetting[] = ['debug', 'info', 'warn', 'error', 'none'];

/** What parseArgs accepts; EMULATE_HELP describes each. */
export const EMULATE_OPTIONS = {
  board: { type: 'string', default: 'desk6' },
  image: { type: 'string' },
  flash: { type: 'string' },
  'update-port': { type: 'string' },
  'tftp-port': { type: 'string' },
  account: { type: 'string', multiple: true },
  'provisioning-url': { type: 'string' },
  'sip-port': { type: 'string' },
  'sip-transport': { type: 'string' },
  'accept-direct-calls': { type: 'boolean', default: false },
  'audio-in': { type: 'string' },
  'audio-out': { type: 'string' },
  'audio-once': { type: 'boolean', default: false },
  'rtp-loss': { type: 'string' },
  'net-impair': { type: 'string' },
  sound: { type: 'string', default: 'auto' },
  echo: { type: 'boolean', default: false },
  ui: { type: 'string' },
  control: { type: 'string', default: 'none' },
  'data-dir': { type: 'string' },
  bind: { type: 'string', default: '0.0.0.0' },
  advertise: { type: 'string' },
  'log-level': { type: 'string', default: 'warn' },
  'http-port': { type: 'string' },
  'http-bind': { type: 'string', default: '127.0.0.1' },
  phones: { type: 'string', default: '1' },
} as const;

export interface EmulateOptions {
  /** A board name or config file, loaded by the run. */
  board: string;
  image?: string;
  flash?: string;
  /** With --flash: the update endpoint's ports (0 = any). */
  updatePorts: { httpPort?: number; tftpPort?: number };
  /** --account in order: the first replaces the board's accounts, the rest go to phones 2.. */
  accounts: string[];
  provisioningUrl?: string;
  sipPort?: number;
  sipTransport?: 'udp' | 'tcp';
  acceptDirectCalls: boolean;
  audioIn?: string;
  audioOut?: string;
  audioOnce: boolean;
  sound: 'auto' | 'on' | 'off';
  echo: boolean;
  /** Share of incoming RTP dropped (0 = none). */
  rtpLoss: number;
  netImpair?: ImpairmentSpec;
  ui: 'tui' | 'web' | 'none';
  control: 'stdio' | 'none';
  httpPort?: number;
  httpBind: string;
  phones: number;
  dataDir?: string;
  bind: string;
  advertise?: string;
  logLevel: LogSetting;
  /**
   * A usage error in --sip-port, --sip-transport, --update-port, --tftp-port or --flash with
   * --image. The run reports it only once the board config and --account have loaded, so a bad
   * config wins over it, as it does in quip-host (host/shell/shell.ts loadBoard); else null.
   */
  deferredError: string | null;
}

export interface Terminal {
  /** Whether stdout is a terminal: the default UI is the terminal one only then. */
  stdoutIsTTY: boolean;
}

/** The options, or the usage error to print (one line). */
export function parseEmulateOptions(args: string[], terminal: Terminal): EmulateOptions | string {
  let values;
  try {
    ({ values } = parseArgs({ args, options: EMULATE_OPTIONS, strict: true, allowPositionals: false }));
  } catch (e) {
    return (e as Error).message;
  }
  const control = values.control;
  if (control !== 'stdio' && control !== 'none') return `--control must be stdio or none, not '${control}'`;
  const ui = values.ui ?? (control === 'none' && terminal.stdoutIsTTY ? 'tui' : 'none');
  if (ui !== 'tui' && ui !== 'web' && ui !== 'none') return `--ui must be tui, web or none, not '${ui}'`;
  const phones = Number(values.phones);
  if (!Number.isInteger(phones) || phones < 1 || phones > 8) return '--phones must be 1..8';
  if (phones > 1 && ui !== 'web') return '--phones needs --ui web';
  if (phones > 1 && values.flash !== undefined) return '--phones does not combine with --flash (one flash, one phone)';
  const accounts = values.account ?? [];
  if (accounts.length > phones) return 'one --account per phone (see --phones)';
  const httpPort = values['http-port'] === undefined ? undefined : Number(values['http-port']);
  if (httpPort !== undefined && !isPort(httpPort)) return '--http-port must be 0..65535';
  if (ui === 'tui' && control === 'stdio') return '--ui tui and --control stdio both need the terminal; pick one';
  const logLevel = values['log-level'] as LogSetting;
  if (!LOG_LEVELS.includes(logLevel)) return `--log-level must be one of ${LOG_LEVELS.join(', ')}`;

  const rtpLoss = values['rtp-loss'] === undefined ? 0 : Number(values['rtp-loss']);
  if (!(rtpLoss >= 0 && rtpLoss <= 0.5)) return '--rtp-loss must be a fraction from 0 to 0.5';
  let netImpair: ImpairmentSpec | undefined;
  if (values['net-impair'] !== undefined) {
    if (values['rtp-loss'] !== undefined) return '--rtp-loss and --net-impair do not combine; use loss= in --net-impair';
    try {
      netImpair = parseImpairment(values['net-impair']);
    } catch (e) {
      if (e instanceof ImpairmentError) return `--net-impair: ${e.message}`;
      throw e;
    }
  }
  const sound = values.sound;
  if (sound !== 'auto' && sound !== 'on' && sound !== 'off') return '--sound must be auto, on or off';

  const deferred: string[] = [];
  const sipPort = values['sip-port'] === undefined ? undefined : Number(values['sip-port']);
  if (sipPort !== undefined && !isPort(sipPort)) deferred.push('--sip-port must be 0..65535');
  const sipTransport = values['sip-transport'];
  if (sipTransport !== undefined && sipTransport !== 'udp' && sipTransport !== 'tcp') deferred.push('--sip-transport must be udp or tcp');
  const updatePorts: EmulateOptions['updatePorts'] = {};
  for (const [flag, field] of [['update-port', 'httpPort'], ['tftp-port', 'tftpPort']] as const) {
    const v = values[flag];
    if (v === undefined) continue;
    if (values.flash === undefined) deferred.push(`--${flag} needs --flash (an update is written to the flash)`);
    else if (!isPort(Number(v))) deferred.push(`--${flag} must be 0..65535`);
    else updatePorts[field] = Number(v);
  }
  if (values.flash !== undefined && values.image !== undefined) {
    deferred.push('--flash and --image are exclusive: the flash holds the firmware (write it with quip flash)');
  }

  return {
    board: values.board,
    ...(values.image !== undefined ? { image: values.image } : {}),
    ...(values.flash !== undefined ? { flash: values.flash } : {}),
    updatePorts,
    accounts,
    ...(values['provisioning-url'] !== undefined ? { provisioningUrl: values['provisioning-url'] } : {}),
    ...(sipPort !== undefined && isPort(sipPort) ? { sipPort } : {}),
    ...(sipTransport === 'udp' || sipTransport === 'tcp' ? { sipTransport } : {}),
    acceptDirectCalls: values['accept-direct-calls'],
    ...(values['audio-in'] !== undefined ? { audioIn: values['audio-in'] } : {}),
    ...(values['audio-out'] !== undefined ? { audioOut: values['audio-out'] } : {}),
    audioOnce: values['audio-once'],
    sound,
    echo: values.echo,
    rtpLoss,
    ...(netImpair !== undefined ? { netImpair } : {}),
    ui,
    control,
    ...(httpPort !== undefined ? { httpPort } : {}),
    httpBind: values['http-bind'],
    phones,
    ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
    bind: values.bind,
    ...(values.advertise !== undefined ? { advertise: values.advertise } : {}),
    logLevel,
    deferredError: deferred[0] ?? null,
  };
}

/**
 * The board with the command line's overrides, as quip-host applies them (one function,
 * hal/board-schema.ts). Throws BoardConfigError for a bad --account.
 */
export function applyEmulateOverrides(board: BoardInfo, o: EmulateOptions): BoardInfo {
  return applyBoardOverrides(board, {
    account: o.accounts[0],
    provisioningUrl: o.provisioningUrl,
    sipPort: o.sipPort,
    acceptDirectCalls: o.acceptDirectCalls,
    sipTransport: o.sipTransport,
  });
}

function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 65535;
}
