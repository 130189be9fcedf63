// `quip emulate`'s option parser: defaults, every option typed, each usage error, the errors held
// back until the board has loaded, the board overrides, and a help text naming every option.
import test from 'ava';
import { BoardConfigError, loadBoardConfig, toBoardInfo } from '../../hal/board-config.ts';
import { EMULATE_HELP, EMULATE_OPTIONS, LOG_LEVELS, applyEmulateOverrides, parseEmulateOptions } from '../../scripts/emulate-options.ts';
import type { EmulateOptions } from '../../scripts/emulate-options.ts';

const PIPE = { stdoutIsTTY: false };
const TTY = { stdoutIsTTY: true };

function ok(args: string[], terminal = PIPE): EmulateOptions {
  const o = parseEmulateOptions(args, terminal);
  if (typeof o === 'string') throw new Error(o);
  return o;
}

test('defaults', (t) => {
  t.deepEqual(ok([]), {
    board: 'desk6', updatePorts: {}, accounts: [], acceptDirectCalls: false, audioOnce: false, sound: 'auto', echo: false,
    rtpLoss: 0, ui: 'none', control: 'none', httpBind: '127.0.0.1', phones: 1, bind: '0.0.0.0', logLevel: 'warn',
    deferredError: null,
  });
  t.is(ok([], TTY).ui, 'tui', 'the terminal UI when stdout is a terminal');
  t.is(ok(['--control', 'stdio'], TTY).ui, 'none', 'but not when the terminal carries the control channel');
});

test('every option, typed', (t) => {
  const o = ok([
    '--board', 'lab3', '--flash', 'f.bin', '--update-port', '8080', '--tftp-port=0', '--account', 'sip:a:p@x',
    '--provisioning-url', 'http://p/{board}', '--sip-port', '5070', '--sip-transport', 'tcp', '--accept-direct-calls',
    '--audio-in', 'in.wav', '--audio-out', 'out.wav', '--audio-once', '--sound', 'off', '--echo', '--net-impair', 'loss=0.2,seed=3',
    '--ui', 'web', '--http-port', '9000', '--http-bind', '0.0.0.0', '--phones', '1', '--control', 'stdio', '--data-dir', 'd',
    '--bind', '127.0.0.1', '--advertise', '192.0.2.1', '--log-level', 'debug',
  ]);
  t.like(o, {
    board: 'lab3', flash: 'f.bin', updatePorts: { httpPort: 8080, tftpPort: 0 }, accounts: ['sip:a:p@x'],
    provisioningUrl: 'http://p/{board}', sipPort: 5070, sipTransport: 'tcp', acceptDirectCalls: true, audioIn: 'in.wav',
    audioOut: 'out.wav', audioOnce: true, sound: 'off', echo: true, ui: 'web', httpPort: 9000, httpBind: '0.0.0.0', phones: 1,
    control: 'stdio', dataDir: 'd', bind: '127.0.0.1', advertise: '192.0.2.1', logLevel: 'debug', deferredError: null,
  });
  t.like(o.netImpair, { loss: 0.2, seed: 3 });
  t.like(ok(['--image', 'x.qfw', '--rtp-loss', '0.5']), { image: 'x.qfw', rtpLoss: 0.5 });
  t.like(ok(['--ui', 'web', '--phones', '3', '--account', 'sip:a:p@x', '--account', 'sip:b:p@x']), { phones: 3, accounts: ['sip:a:p@x', 'sip:b:p@x'] });
  for (const level of LOG_LEVELS) t.is(ok(['--log-level', level]).logLevel, level);
});

test('each usage error, in one line', (t) => {
  const cases: Array<[string[], string | RegExp]> = [
    [['--nope'], /Unknown option '--nope'/],
    [['extra'], /Unexpected argument 'extra'/],
    [['--board'], /--board/],
    [['--control', 'tcp'], "--control must be stdio or none, not 'tcp'"],
    [['--ui', 'gui'], "--ui must be tui, web or none, not 'gui'"],
    [['--phones', '0'], '--phones must be 1..8'],
    [['--phones', '9'], '--phones must be 1..8'],
    [['--phones', '1.5'], '--phones must be 1..8'],
    [['--phones', '2'], '--phones needs --ui web'],
    [['--phones', '2', '--ui', 'web', '--flash', 'f'], '--phones does not combine with --flash (one flash, one phone)'],
    [['--account', 'sip:a:p@x', '--account', 'sip:b:p@x'], 'one --account per phone (see --phones)'],
    [['--http-port', '65536'], '--http-port must be 0..65535'],
    [['--http-port', 'x'], '--http-port must be 0..65535'],
    [['--ui', 'tui', '--control', 'stdio'], '--ui tui and --control stdio both need the terminal; pick one'],
    [['--log-level', 'loud'], `--log-level must be one of ${LOG_LEVELS.join(', ')}`],
    [['--rtp-loss', '0.6'], '--rtp-loss must be a fraction from 0 to 0.5'],
    [['--rtp-loss', 'x'], '--rtp-loss must be a fraction from 0 to 0.5'],
    [['--net-impair', 'loss=0.1', '--rtp-loss', '0.1'], '--rtp-loss and --net-impair do not combine; use loss= in --net-impair'],
    [['--net-impair', 'bogus=1'], /^--net-impair: /],
    [['--sound', 'loud'], '--sound must be auto, on or off'],
  ];
  for (const [args, expected] of cases) {
    const r = parseEmulateOptions(args, PIPE);
    if (typeof r !== 'string') return t.fail(`${args.join(' ')} parsed`);
    if (typeof expected === 'string') t.is(r, expected, args.join(' '));
    else t.regex(r, expected, args.join(' '));
    t.false(r.includes('\n'), args.join(' '));
  }
});

test('errors the run reports after the board has loaded, the first of them', (t) => {
  const cases: Array<[string[], string]> = [
    [['--sip-port', '70000'], '--sip-port must be 0..65535'],
    [['--sip-port', 'abc'], '--sip-port must be 0..65535'],
    [['--sip-transport', 'sctp'], '--sip-transport must be udp or tcp'],
    [['--update-port', '80'], '--update-port needs --flash (an update is written to the flash)'],
    [['--tftp-port', '69'], '--tftp-port needs --flash (an update is written to the flash)'],
    [['--flash', 'f', '--update-port=-1'], '--update-port must be 0..65535'],
    [['--flash', 'f', '--tftp-port', '65536'], '--tftp-port must be 0..65535'],
    [['--flash', 'f', '--image', 'i'], '--flash and --image are exclusive: the flash holds the firmware (write it with quip flash)'],
    [['--sip-port', '70000', '--sip-transport', 'sctp'], '--sip-port must be 0..65535'],
    [['--sip-transport', 'sctp', '--update-port', '80'], '--sip-transport must be udp or tcp'],
    [['--flash', 'f', '--image', 'i', '--tftp-port', 'x'], '--tftp-port must be 0..65535'],
  ];
  for (const [args, expected] of cases) t.is(ok(args).deferredError, expected, args.join(' '));
  t.is(ok(['--sip-port', '']).sipPort, 0, 'as Number() reads it, like quip-host');
});

test('board overrides: the first --account, provisioning URL, SIP port, transport, direct calls', (t) => {
  const board = toBoardInfo(loadBoardConfig('desk6'));
  t.deepEqual(applyEmulateOverrides(board, ok([])), board);
  const b = applyEmulateOverrides(board, ok([
    '--account', 'sip:alice:pw@example.com:5070', '--provisioning-url', 'tftp://x/y', '--sip-port', '5062', '--sip-transport', 'tcp',
    '--accept-direct-calls',
  ]));
  t.like(b.accounts[0], { password: 'pw' });
  t.is(b.accounts.length, 1);
  t.is(b.provisioningUrl, 'tftp://x/y');
  t.like(b.sip, { port: 5062, transport: 'tcp', acceptDirectCalls: true });
  t.throws(() => applyEmulateOverrides(board, ok(['--account', 'not-a-uri'])), { instanceOf: BoardConfigError });
});

test('--help names every option', (t) => {
  for (const name of Object.keys(EMULATE_OPTIONS)) t.true(EMULATE_HELP.includes(`--${name}`), `--${name}`);
  t.true(EMULATE_HELP.includes('-h, --help'));
});
