// Shared setup for lab-server tests: a server on a free loopback port with the test users,
// endpoints that talk to it, and cleanup when the test ends.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { startLabServer } from '../../server/lab-server.ts';
import type { LabServer, LabServerOptions } from '../../server/lab-server.ts';
import { loadUsers } from '../../server/users.ts';
import { SipEndpoint } from '../helpers/sip-endpoint.ts';
import type { EndpointOptions } from '../helpers/sip-endpoint.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const USERS_FILE = path.resolve(here, '..', 'fixtures', 'server', 'lab-users.json');
export const DOMAIN = 'lab.example';

export const PASSWORDS: Record<string, string> = {
  alice: 'alice-secret', bob: 'bob-secret', carol: 'carol-secret', dave: 'dave-secret',
};

export interface Lab {
  server: LabServer;
  logs: string[];
  /** An endpoint for a user of the users file (or anyone), talking to this server. */
  endpoint(user: string, o?: Partial<EndpointOptions>): Promise<SipEndpoint>;
  /** Registers a fresh endpoint and checks the 200. */
  registered(user: string, o?: Partial<EndpointOptions>): Promise<SipEndpoint>;
}

export function tempFile(name: string): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'quip-lab-')), name);
}

/** Starts a lab server for one test; everything is closed when the test ends. */
export async function startLab(t: ExecutionContext, o: Partial<LabServerOptions> = {}): Promise<Lab> {
  const logs: string[] = [];
  const server = await startLabServer({
    port: 0,
    users: loadUsers(USERS_FILE),
    log: (l) => logs.push(l),
    ...o,
  });
  const endpoints: SipEndpoint[] = [];
  t.teardown(() => {
    for (const e of endpoints) e.close();
    server.close();
  });
  const endpoint = async (user: string, e: Partial<EndpointOptions> = {}): Promise<SipEndpoint> => {
    const ep = await SipEndpoint.start({
      user,
      domain: DOMAIN,
      server: { address: '127.0.0.1', port: server.port },
      ...(PASSWORDS[user] !== undefined ? { password: PASSWORDS[user] } : {}),
      ...e,
    });
    endpoints.push(ep);
    return ep;
  };
  const registered = async (user: string, e: Partial<EndpointOptions> = {}): Promise<SipEndpoint> => {
    const ep = await endpoint(user, e);
    const res = await ep.register();
    if (res.status !== 200) throw new Error(`${user} could not register: ${res.status} ${res.reason}`);
    return ep;
  };
  return { server, logs, endpoint, registered };
}

/** Waits for a condition the test cannot subscribe to, checking every few milliseconds. */
export async function until(cond: () => boolean, timeoutMs = 2000, what = 'a condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A request as raw text (CRLF), for sockets that bypass the SIP stack. */
export function rawRequest(method: string, uri: string, port: number, headers: string[] = [], branch = `z9hG4bKraw${Math.random().toString(16).slice(2)}`): string {
  return [
    `${method} ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=${branch};rport`,
    ...(headers.some((h) => /^Max-Forwards:/i.test(h)) ? [] : ['Max-Forwards: 70']),
    `From: <sip:guest@elsewhere.example>;tag=raw${port}`,
    `To: <${uri}>`,
    `Call-ID: raw-${branch}@elsewhere.example`,
    `CSeq: 1 ${method}`,
    ...headers,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** Status code of a raw response, or null. */
export function statusOf(data: string | null): number | null {
  const m = data === null ? null : /^SIP\/2\.0 (\d{3}) /.exec(data);
  return m === null ? null : Number(m[1]);
}
