// Provisioning at boot: fetch the config while the SIP sockets bind, apply it to the board,
// and hold registration back until the server answered or gave up (bounded by the fetch's
// deadline). What it did is said once on the LCD, after registering starts.

import type { BoardInfo, Hal } from '../../hal/contract.ts';
import type { DnsResolver } from '../net/dns-resolver.ts';
import { HttpClient } from '../net/http-client.ts';
import type { EventRouter } from '../util/event-router.ts';
import type { Timers } from '../util/timers.ts';
import { applyProvisioning, provision, provisioningUrlFor } from './provisioning.ts';
import type { ProvisioningResult } from './provisioning.ts';

export interface ProvisioningListener {
  /** The board took a provisioned config: re-read its tone plan and dial plan. */
  configured(): void;
  /** The fetch that held registration back is over (either way). */
  settled(): void;
}

export class ProvisioningFlow {
  /** 'pending' holds registration back until the provisioning server answered (or did not). */
  private state: 'off' | 'pending' | 'done' = 'off';
  /** Where the accounts/codecs/dial plan came from: board, network or cache. */
  source = 'board';
  /** The HTTP client of the fetch; null on boards without a provisioning URL. */
  http: HttpClient | null = null;
  private notice: string | null = null;

  constructor(
    private readonly hal: Hal,
    private readonly events: EventRouter,
    private readonly timers: Timers,
    private readonly board: BoardInfo,
    private readonly listener: ProvisioningListener,
  ) {}

  /** Registration waits for the fetch. */
  get pending(): boolean {
    return this.state === 'pending';
  }

  /** Starts the fetch, when the board has a provisioning URL. */
  start(resolver: DnsResolver): void {
    const template = this.board.provisioningUrl;
    if (template === undefined) return;
    this.state = 'pending';
    const http = new HttpClient(this.events.netFor((ev) => http.handleEvent(ev)), this.timers, resolver, `quip/${this.board.firmwareVersion}`);
    this.http = http;
    const url = provisioningUrlFor(template, this.board);
    provision(this.http, this.hal.storage, url, this.board.maxAccounts, (m) => this.hal.system.log('warn', m), (r) => this.provisioned(r));
  }

  /** How provisioning went, for the LCD: once, then null. */
  takeNotice(): string | null {
    const text = this.notice;
    this.notice = null;
    return text;
  }

  private provisioned(r: ProvisioningResult): void {
    const hal = this.hal;
    if (r.failure !== null) {
      hal.system.log('warn', `provisioning from ${r.url} failed: ${r.failure}`);
      hal.system.emit({ event: 'provisioning_failed', url: r.url, reason: r.failure, fallback: r.source ?? 'board' });
    }
    if (r.config !== null && r.source !== null) {
      const fields = applyProvisioning(this.board, r.config);
      this.source = r.source;
      this.listener.configured();
      hal.system.emit({ event: 'provisioned', url: r.url, source: r.source, fields });
    }
    this.notice = r.failure === null ? 'Config from server' : r.source === 'cache' ? 'Server down: cached config' : 'Provisioning failed';
    const wasPending = this.state === 'pending';
    this.state = 'done';
    if (wasPending) this.listener.settled();
  }
}
