// A TCP peer outside the HAL that reads nothing until resume(), then collects every byte:
// what a SIP peer that stopped reading looks like to the phone's send path.
import net from 'node:net';
import type { ExecutionContext } from 'ava';

export interface StalledPeer {
  port: number;
  resume(): void;
  bytes(): number;
  data(): string;
  /** Resolves once `n` bytes have arrived (waits on the data events, not on a clock). */
  received(n: number): Promise<void>;
}

export async function stalledPeer(t: ExecutionContext): Promise<StalledPeer> {
  const chunks: Buffer[] = [];
  let length = 0;
  let socket: net.Socket | null = null;
  const waiters: { n: number; done: () => void }[] = [];
  const server = net.createServer((s) => {
    socket = s;
    s.pause();
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      length += d.length;
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (length >= waiters[i]!.n) waiters.splice(i, 1)[0]!.done();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    socket?.destroy();
    server.close();
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    resume: () => socket?.resume(),
    bytes: () => length,
    data: () => Buffer.concat(chunks).toString('latin1'),
    received: (n) => (length >= n ? Promise.resolve() : new Promise((done) => waiters.push({ n, done }))),
  };
}
