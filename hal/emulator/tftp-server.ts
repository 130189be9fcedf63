// The phone's TFTP update endpoint: a write-only TFTP server (RFC 1350, octet mode, options per
// RFC 2347, blksize RFC 2348, tsize RFC 2349), as desk phones take firmware by TFTP. One upload at
// a time; each runs on its own UDP port (its transfer id), lock-step with timeouts and
// retransmission. The image is checked before the last block is acknowledged, so a refusal
// reaches the client as a TFTP ERROR with the clear message instead of the final ACK.
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import {
  DEFAULT_BLKSIZE,
  MAX_BLKSIZE,
  OP,
  TFTP_ERROR,
  TftpPacketError,
  decodePacket,
  encodeAck,
  encodeError,
  encodeOack,
} from './tftp.ts';
import type { TftpPacket } from './tftp.ts';

/** What the TFTP side needs from the updater (update-server.ts provides it). */
export interface UploadSink {
  /** Claims the updater for one upload; returns why it cannot (busy), or null. */
  claim(via: string): string | null;
  /** Frees the claim; called exactly once per successful claim. */
  release(): void;
  /** Checks and installs a complete image: null when installed, else the refusal to report. */
  accept(image: Uint8Array): Promise<{ tftpCode: number; message: string } | null>;
  /** After an install was acknowledged. */
  reboot(): void;
}

export interface TftpServerOptions {
  host: string;
  port: number;
  maxBytes: number;
  /** Retransmission timeout. */
  timeoutMs: number;
  /** Retransmissions before a silent client is given up on. */
  retries: number;
  /** Upper bound on one transfer, however slowly the client drips. */
  maxTransferMs: number;
  sink: UploadSink;
  log: (line: string) => void;
}

export interface TftpServer {
  port: number;
  close(): Promise<void>;
}

interface Peer {
  address: string;
  port: number;
}

const samePeer = (a: Peer, b: Peer): boolean => a.address === b.address && a.port === b.port;

/** One upload on its own socket. */
class Transfer {
  private readonly socket: dgram.Socket;
  private readonly chunks: Uint8Array[] = [];
  private received = 0;
  private expected = 1;
  private lastSent: Uint8Array | null = null;
  private retriesLeft: number;
  private timer: NodeJS.Timeout | null = null;
  private readonly deadline: NodeJS.Timeout;
  private state: 'receiving' | 'installing' | 'dallying' | 'closed' = 'receiving';
  private released = false;

  constructor(
    private readonly options: TftpServerOptions,
    readonly peer: Peer,
    private readonly blksize: number,
    private readonly onClosed: () => void,
  ) {
    this.retriesLeft = options.retries;
    this.socket = dgram.createSocket(peer.address.includes(':') ? 'udp6' : 'udp4');
    this.socket.on('message', (msg, rinfo) => this.onMessage(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), rinfo));
    this.socket.on('error', (err) => this.abort(`socket error: ${err.message}`, null));
    this.deadline = setTimeout(() => this.abort('transfer took too long', 'transfer took too long; start again'), options.maxTransferMs);
  }

  /** Binds the transfer's port and answers the request (OACK with the accepted options, or ACK 0). */
  start(accepted: Record<string, string>): void {
    this.socket.bind(0, this.options.host, () => {
      this.send(Object.keys(accepted).length > 0 ? encodeOack(accepted) : encodeAck(0), true);
    });
  }

  /** The client repeated its WRQ: our first answer was lost. */
  repeatFirstAnswer(): void {
    if (this.state === 'receiving' && this.expected === 1 && this.lastSent) this.send(this.lastSent, false);
  }

  private send(packet: Uint8Array, fresh: boolean): void {
    if (this.state === 'closed') return;
    this.lastSent = packet;
    if (fresh) this.retriesLeft = this.options.retries;
    this.socket.send(packet, this.peer.port, this.peer.address);
    if (this.state === 'receiving') this.arm();
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onTimeout(), this.options.timeoutMs);
  }

  private onTimeout(): void {
    this.timer = null;
    if (this.state !== 'receiving' || !this.lastSent) return;
    if (this.retriesLeft-- <= 0) {
      this.abort(`client silent, gave up waiting for block ${this.expected}`, `timed out waiting for block ${this.expected}`);
      return;
    }
    this.socket.send(this.lastSent, this.peer.port, this.peer.address);
    this.arm();
  }

  private onMessage(bytes: Uint8Array, from: Peer): void {
    if (this.state === 'closed') return;
    if (!samePeer(from, this.peer)) {
      // RFC 1350: a packet from another port is answered with an error; the transfer goes on.
      this.socket.send(encodeError(TFTP_ERROR.unknownTid, 'unknown transfer ID'), from.port, from.address);
      return;
    }
    let packet: TftpPacket;
    try {
      packet = decodePacket(bytes);
    } catch (err) {
      if (!(err instanceof TftpPacketError)) throw err;
      this.abort(`bad packet: ${err.message}`, `illegal TFTP operation: ${err.message}`, TFTP_ERROR.illegalOperation);
      return;
    }
    if (packet.op === OP.ERROR) {
      this.abort(`client gave up: ${packet.message || `error ${packet.code}`}`, null);
      return;
    }
    if (packet.op !== OP.DATA) {
      this.abort(`unexpected opcode ${packet.op}`, 'illegal TFTP operation: expected DATA', TFTP_ERROR.illegalOperation);
      return;
    }
    const previous = (this.expected - 1) & 0xffff;
    if (this.state !== 'receiving') {
      // Installing: the client resends the last block until it hears; the answer comes after the install.
      if (this.state === 'dallying' && this.lastSent) this.socket.send(this.lastSent, this.peer.port, this.peer.address);
      return;
    }
    if (packet.block === previous) {
      if (this.lastSent) this.socket.send(this.lastSent, this.peer.port, this.peer.address); // our ACK was lost
      return;
    }
    if (packet.block !== this.expected) return; // stray; the timeout recovers
    if (packet.data.byteLength > this.blksize) {
      this.abort(`block ${packet.block} is ${packet.data.byteLength} bytes`, `block larger than the agreed ${this.blksize} bytes`, TFTP_ERROR.illegalOperation);
      return;
    }
    this.received += packet.data.byteLength;
    if (this.received > this.options.maxBytes) {
      this.abort('image too large', `image too large: more than ${this.options.maxBytes} bytes`, TFTP_ERROR.diskFull);
      return;
    }
    this.chunks.push(packet.data.slice());
    this.expected = (this.expected + 1) & 0xffff;
    if (packet.data.byteLength === this.blksize) {
      this.send(encodeAck(packet.block), true);
      return;
    }
    void this.finish(packet.block);
  }

  /** The last block arrived: check and install, then ACK it or answer the refusal. */
  private async finish(lastBlock: number): Promise<void> {
    this.state = 'installing';
    if (this.timer) clearTimeout(this.timer);
    clearTimeout(this.deadline);
    const image = new Uint8Array(this.received);
    let at = 0;
    for (const chunk of this.chunks) {
      image.set(chunk, at);
      at += chunk.byteLength;
    }
    this.chunks.length = 0;
    let refusal: { tftpCode: number; message: string } | null;
    try {
      refusal = await this.options.sink.accept(image);
    } catch (err) {
      refusal = { tftpCode: TFTP_ERROR.undefined, message: `install failed: ${(err as Error).message}` };
    }
    if ((this.state as string) === 'closed') return;
    this.state = 'dallying';
    this.lastSent = refusal ? encodeError(refusal.tftpCode, refusal.message) : encodeAck(lastBlock);
    this.socket.send(this.lastSent, this.peer.port, this.peer.address);
    this.options.log(refusal ? `tftp: refused from ${this.peer.address}: ${refusal.message}` : `tftp: installed ${image.byteLength} bytes from ${this.peer.address}`);
    this.release();
    if (!refusal) this.options.sink.reboot();
    // Dally (RFC 1350 §6): if the final answer is lost, the client's resent block gets it again.
    this.timer = setTimeout(() => this.close(), this.options.timeoutMs * 3);
  }

  /** Ends the transfer; tells the client why when `tell` is given. */
  abort(reason: string, tell: string | null, code: number = TFTP_ERROR.undefined): void {
    if (this.state === 'closed') return;
    this.options.log(`tftp: upload from ${this.peer.address}:${this.peer.port} aborted: ${reason}`);
    this.release();
    if (tell === null) {
      this.close();
      return;
    }
    // Dally briefly so a resent block hears the error again rather than nothing.
    this.state = 'dallying';
    this.lastSent = encodeError(code, tell);
    this.socket.send(this.lastSent, this.peer.port, this.peer.address);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.close(), this.options.timeoutMs);
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.options.sink.release();
  }

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.timer) clearTimeout(this.timer);
    clearTimeout(this.deadline);
    this.release();
    try {
      this.socket.close();
    } catch {
      // already closed
    }
    this.onClosed();
  }
}

/** The options this server honours from a WRQ, as they go into the OACK; or the refusal. */
function negotiate(options: Record<string, string>, maxBytes: number): { accepted: Record<string, string>; blksize: number } | { code: number; message: string } {
  const accepted: Record<string, string> = {};
  let blksize = DEFAULT_BLKSIZE;
  const asked = options['blksize'];
  // RFC 2348: the server may answer a smaller size; below 512 the option is ignored instead, so a
  // hostile client cannot make the transfer take a million tiny round trips.
  if (asked !== undefined && /^\d{1,6}$/.test(asked) && Number(asked) >= DEFAULT_BLKSIZE) {
    blksize = Math.min(Number(asked), MAX_BLKSIZE);
    accepted['blksize'] = String(blksize);
  }
  const tsize = options['tsize'];
  if (tsize !== undefined && /^\d{1,15}$/.test(tsize)) {
    if (Number(tsize) > maxBytes) return { code: TFTP_ERROR.diskFull, message: `image too large: ${tsize} bytes, this phone takes at most ${maxBytes}` };
    accepted['tsize'] = tsize;
  }
  return { accepted, blksize };
}

export function startTftpServer(options: TftpServerOptions): Promise<TftpServer> {
  const socket = dgram.createSocket(options.host.includes(':') ? 'udp6' : 'udp4');
  const transfers = new Set<Transfer>();

  const refuse = (code: number, message: string, to: Peer): void => {
    socket.send(encodeError(code, message), to.port, to.address);
  };

  socket.on('message', (msg, rinfo) => {
    const peer = { address: rinfo.address, port: rinfo.port };
    let packet: TftpPacket;
    try {
      packet = decodePacket(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
    } catch (err) {
      refuse(TFTP_ERROR.illegalOperation, `illegal TFTP operation: ${(err as Error).message}`, peer);
      return;
    }
    if (packet.op === OP.RRQ) {
      refuse(TFTP_ERROR.accessViolation, 'this phone only accepts firmware uploads (write requests)', peer);
      return;
    }
    if (packet.op !== OP.WRQ) {
      // Stray DATA/ACK/ERROR belong to a transfer port, not here; an ERROR is never answered.
      if (packet.op !== OP.ERROR) refuse(TFTP_ERROR.illegalOperation, 'illegal TFTP operation: expected a write request', peer);
      return;
    }
    const ongoing = [...transfers].find((t) => samePeer(t.peer, peer));
    if (ongoing) {
      ongoing.repeatFirstAnswer();
      return;
    }
    if (packet.mode !== 'octet') {
      refuse(TFTP_ERROR.illegalOperation, `firmware goes in octet mode, not ${packet.mode}`, peer);
      return;
    }
    const negotiated = negotiate(packet.options, options.maxBytes);
    if ('code' in negotiated) {
      refuse(negotiated.code, negotiated.message, peer);
      return;
    }
    const busy = options.sink.claim(`tftp from ${peer.address}`);
    if (busy !== null) {
      refuse(TFTP_ERROR.undefined, busy, peer);
      return;
    }
    options.log(`tftp: upload "${packet.filename}" from ${peer.address}:${peer.port}, blocks of ${negotiated.blksize} bytes`);
    const transfer = new Transfer(options, peer, negotiated.blksize, () => transfers.delete(transfer));
    transfers.add(transfer);
    transfer.start(negotiated.accepted);
  });

  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port, options.host, () => {
      socket.off('error', reject);
      socket.on('error', (err) => options.log(`tftp: socket error: ${err.message}`));
      resolve({
        port: (socket.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            for (const transfer of transfers) transfer.close();
            socket.close(() => done());
          }),
      });
    });
  });
}
