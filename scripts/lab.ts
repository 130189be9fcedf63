// `quip lab`: the lab SIP server — registrar, forking proxy or redirect server — so a few
// phones (emulated or real) can register and call each other with one command.

import { homedir, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from './command.ts';
import { usageError } from './command.ts';
import { DEFAULT_DOMAIN, startLabServer } from '../server/lab-server.ts';
import type { LabServer } from '../server/lab-server.ts';
import { UsersFileError, defaultUsers, loadUsers } from '../server/users.ts';
import type { UserDirectory } from '../server/users.ts';
import type { DigestAlgorithm } from '../firmware/sip/index.ts';

const DIGEST_NAMES = new Map<string, DigestAlgorithm>([['sha-256', 'SHA-256'], ['md5', 'MD5']]);

const help = `Usage: quip lab [options]

Runs the lab SIP server on this machine: a registrar (RFC 3261 §10, digest
authentication), a stateful forking proxy (§16) and, per user or for everyone, a
redirect server (302), and everyone's voicemail notifier (message-summary NOTIFYs for
the message-waiting LED). Phones register as sip:<user>@<domain or this machine's address>
and reach each other by user name or by number (sip:2001@...).

Options:
  --port <n>          UDP port, and TCP port with --tcp (default 5060; 0 = any free port)
  --tcp               also listen on TCP
  --users <file>      users file (JSON or YAML: domain, users with user/password/aliases/redirect);
                      default: built-in demo users, password "secret"
  --mode proxy|redirect
                      proxy calls to every registered phone (default), or answer 302
  --domain <name>     another host name the server answers for (repeatable); the realm
                      when the users file names no domain (default ${DEFAULT_DOMAIN})
  --bind <address>    local address to listen on (default 0.0.0.0)
  --advertise <addr>  address written in Via and Record-Route (default: the bind
                      address, or the first non-loopback IPv4 address)
  --data <file>       where registrations persist (default ~/.quip/lab-location.json)
  --digest <list>     digest algorithms to challenge with, preferred first (default
                      sha-256,md5); md5 alone for phones that give up on SHA-256, e.g. baresip 1.x
  --quiet             no line per transaction (warnings still go to stderr)
  -h, --help          show this help

Every transaction is logged on one line: time, method, from → to, status, duration,
and where the request came from. Ctrl-C stops the server; registrations survive a restart.
`;

export const labCommand: Command = {
  name: 'lab',
  summary: 'run the lab SIP server (registrar, proxy, redirect)',
  help,
  async run(args) {
    let values;
    try {
      ({ values } = parseArgs({
        args,
        options: {
          port: { type: 'string', default: '5060' },
          tcp: { type: 'boolean', default: false },
          users: { type: 'string' },
          mode: { type: 'string', default: 'proxy' },
          domain: { type: 'string', multiple: true },
          bind: { type: 'string', default: '0.0.0.0' },
          advertise: { type: 'string' },
          data: { type: 'string' },
          digest: { type: 'string', default: 'sha-256,md5' },
          quiet: { type: 'boolean', default: false },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (e) {
      return usageError('lab', (e as Error).message);
    }
    const port = Number(values.port);
    if (!/^[0-9]+$/.test(values.port) || port > 65535) return usageError('lab', `--port must be 0..65535, not '${values.port}'`);
    const mode = values.mode;
    if (mode !== 'proxy' && mode !== 'redirect') return usageError('lab', `--mode must be proxy or redirect, not '${mode}'`);

    const digest = values.digest.split(',').map((a) => DIGEST_NAMES.get(a.trim().toLowerCase()));
    if (digest.length === 0 || digest.some((a) => a === undefined)) return usageError('lab', `--digest must list sha-256 and/or md5, not '${values.digest}'`);

    let users: UserDirectory;
    try {
      users = values.users !== undefined ? loadUsers(values.users) : defaultUsers();
    } catch (e) {
      if (!(e instanceof UsersFileError)) throw e;
      process.stderr.write(`quip lab: bad users file: ${e.message}\n`);
      return 1;
    }

    const dataFile = values.data ?? join(homedir(), '.quip', 'lab-location.json');
    let server: LabServer;
    try {
      server = await startLabServer({
        port,
        tcp: values.tcp,
        bindAddress: values.bind,
        advertisedAddress: values.advertise ?? advertisedFor(values.bind),
        users,
        mode,
        digestAlgorithms: digest as DigestAlgorithm[],
        ...(values.domain !== undefined ? { domain: values.domain } : {}),
        locationFile: dataFile,
        log: values.quiet ? (line) => { if (line.startsWith('warning') || line.startsWith('error')) process.stderr.write(line + '\n'); } : (line) => process.stdout.write(line + '\n'),
      });
    } catch (e) {
      process.stderr.write(`quip lab: ${listenError((e as Error).message, values.bind, port)}\n`);
      return 1;
    }
    process.stdout.write(banner(server, users, values.bind, dataFile, values.users === undefined));

    return new Promise<number>((resolve) => {
      const stop = (): void => {
        server.close();
        resolve(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  },
};

/** Peers must be told an address they can reach: the bind address unless it is a wildcard. */
function advertisedFor(bind: string): string {
  if (bind !== '0.0.0.0' && bind !== '::') return bind;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** A socket error as one line a newcomer can act on. */
function listenError(message: string, bind: string, port: number): string {
  if (/EADDRINUSE/.test(message)) return `port ${port} on ${bind} is already in use (another SIP server or phone?); try --port`;
  if (/EACCES/.test(message)) return `not allowed to listen on port ${port}; try a port above 1023`;
  if (/EADDRNOTAVAIL/.test(message)) return `${bind} is not an address of this machine; check --bind`;
  return `cannot start: ${message}`;
}

function banner(server: LabServer, users: UserDirectory, bind: string, dataFile: string, demo: boolean): string {
  const transports = server.tcp ? 'udp+tcp' : 'udp';
  const names = [...server.identity.hosts].filter((h) => !/^\[/.test(h)).join(', ');
  const lines = [
    `quip lab — ${server.mode} mode, domain ${server.domain}`,
    `listening on ${transports} ${bind}:${server.port}, advertised as ${server.address}:${server.port}`,
    `answers for: ${names}`,
    `registrations saved in ${dataFile}`,
    demo ? 'users (built-in demo accounts, password "secret"):' : `users (${users.users.length}):`,
  ];
  const width = Math.max(...users.users.map((u) => u.user.length), 4);
  for (const u of users.users) {
    const extras = [u.aliases.join(', '), u.displayName ?? '', u.redirect ? '(redirect)' : ''].filter((s) => s.length > 0);
    lines.push(`  ${u.user.padEnd(width)}  ${extras.join('  ')}`);
  }
  lines.push(`phones register as sip:<user>@${server.domain} (or @${server.address}:${server.port}); Ctrl-C stops`, '');
  return lines.join('\n');
}
