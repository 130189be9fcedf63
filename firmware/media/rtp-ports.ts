// RTP/RTCP socket pairs opened at boot, so a call's SDP can name a port that is already
// bound (the HAL binds asynchronously). Even RTP ports, RTCP on the next one (RFC 3550 §11);
// a port another program holds is skipped.

import type { HalEvent, NetHal } from '../../hal/contract.ts';

export interface PortPair {
  port: number;
  rtp: number;
  rtcp: number;
  bound: boolean;
  inUse: boolean;
}

const MAX_TRIES = 64;

export class RtpPorts {
  private readonly pairs: PortPair[] = [];
  private next: number;
  private tries = 0;

  constructor(
    private readonly net: NetHal,
    private readonly base: number,
    private readonly max: number,
    private readonly count: number,
  ) {
    this.next = base;
  }

  open(): void {
    while (this.pairs.length < this.count && this.tries < MAX_TRIES) this.openPair();
  }

  /** A bound pair for a new call, or null. */
  acquire(): PortPair | null {
    const p = this.pairs.find((x) => x.bound && !x.inUse) ?? null;
    if (p !== null) p.inUse = true;
    return p;
  }

  release(pair: PortPair): void {
    pair.inUse = false;
  }

  handleEvent(ev: HalEvent): boolean {
    if (ev.type !== 'udp_bound' && ev.type !== 'udp_error') return false;
    const i = this.pairs.findIndex((p) => p.rtp === ev.socket || p.rtcp === ev.socket);
    if (i === -1) return false;
    const pair = this.pairs[i]!;
    if (ev.type === 'udp_error') {
      this.net.udpClose(pair.rtp);
      this.net.udpClose(pair.rtcp);
      this.pairs.splice(i, 1);
      this.open(); // try the next ports
      return true;
    }
    if (ev.socket === pair.rtp) pair.bound = true; // RTCP binding next door is best effort
    return true;
  }

  private openPair(): void {
    this.tries++;
    const port = this.next;
    this.next = this.next + 3 > this.max ? this.base : this.next + 2;
    this.pairs.push({ port, rtp: this.net.udpOpen(port), rtcp: this.net.udpOpen(port + 1), bound: false, inUse: false });
  }
}
