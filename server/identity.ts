// Who the lab server is: the domain it is responsible for, the addresses it listens on, and
// the URIs it writes into Via and Record-Route. Every "is this for us?" question asks here.

import { networkInterfaces } from 'node:os';
import { isSipUri } from '../firmware/sip/index.ts';
import type { Uri, Via } from '../firmware/sip/index.ts';
import type { TransportName } from '../firmware/sip/transport/index.ts';
import type { UserDirectory } from './users.ts';

export interface IdentityOptions {
  /** The address put in Via and Record-Route. */
  address: string;
  port: number;
  /** The address sockets are bound to ('0.0.0.0' = every interface). */
  bindAddress: string;
  /** Realm and canonical AOR host. */
  domain: string;
  /** More host names to answer for (--domain). */
  extraHosts: readonly string[];
  users: UserDirectory;
}

export class LocalIdentity {
  readonly address: string;
  readonly port: number;
  readonly domain: string;
  /** Lower-case host names and IP literals that name this server. */
  readonly hosts: ReadonlySet<string>;

  constructor(o: IdentityOptions) {
    this.address = o.address;
    this.port = o.port;
    this.domain = o.domain;
    const hosts = new Set<string>(['localhost', '127.0.0.1', '[::1]', o.address, o.domain, ...o.extraHosts]);
    if (o.bindAddress === '0.0.0.0' || o.bindAddress === '::') for (const a of interfaceAddresses()) hosts.add(a);
    else hosts.add(o.bindAddress);
    // The users file may name more hosts; with none it means "any host", which we do not
    // copy: a phone's contact on this machine must not be mistaken for one of our users.
    for (const h of o.users.hosts) hosts.add(h);
    this.hosts = new Set([...hosts].map(normalHost));
  }

  servesHost(host: string): boolean {
    return this.hosts.has(normalHost(host));
  }

  /**
   * A Request-URI this server is responsible for: one of our hosts, and no port or ours
   * (another port on our own address is a phone on this machine).
   */
  isLocalUri(uri: Uri): boolean {
    return isSipUri(uri) && this.servesHost(uri.host) && (uri.port === null || uri.port === this.port);
  }

  /** A Route (or Record-Route) entry naming this server: our host and exactly our port. */
  isOurRoute(uri: Uri): boolean {
    return isSipUri(uri) && this.servesHost(uri.host) && (uri.port ?? 5060) === this.port;
  }

  /** A Via this server wrote. */
  isOurVia(via: Via): boolean {
    return this.servesHost(via.host) && (via.port ?? 5060) === this.port;
  }

  /** Our Record-Route value for one side of a forwarded request. */
  recordRoute(transport: TransportName): string {
    const host = this.address.indexOf(':') !== -1 ? `[${this.address}]` : this.address;
    return `<sip:${host}:${this.port}${transport === 'tcp' ? ';transport=tcp' : ''};lr>`;
  }
}

function normalHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

function interfaceAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4') out.push(a.address);
  }
  return out;
}
