// Stream bytes the HAL has not taken yet: written before the connection was up, or after a
// tcpWrite said "retry later" (until tcp_writable). They go out in order, and only so many
// may wait: a peer that stops reading must not eat the phone's memory.

/** Unsent bytes one connection may hold before it is dropped (a few big INVITEs' worth). */
export const MAX_UNSENT_BYTES = 256 * 1024;

export class UnsentBytes {
  private pieces: string[] = [];
  private bytes = 0;

  constructor(private readonly limit = MAX_UNSENT_BYTES) {}

  get empty(): boolean {
    return this.pieces.length === 0;
  }

  /** How many octets wait. */
  get size(): number {
    return this.bytes;
  }

  /** Queues `data` after what already waits; false (and nothing queued) when it would pass the limit. */
  add(data: string): boolean {
    if (this.bytes + data.length > this.limit) return false;
    this.pieces.push(data);
    this.bytes += data.length;
    return true;
  }

  /** Writes what waits, oldest first, until `write` refuses a piece (it stays, with those after it). */
  flush(write: (data: string) => boolean): void {
    let sent = 0;
    while (sent < this.pieces.length && write(this.pieces[sent]!)) {
      this.bytes -= this.pieces[sent]!.length;
      sent++;
    }
    if (sent > 0) this.pieces = this.pieces.slice(sent);
  }

  clear(): void {
    this.pieces = [];
    this.bytes = 0;
  }
}
