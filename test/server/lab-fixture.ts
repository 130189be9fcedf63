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
