// Programs and ports on this machine, for the parts of quip that drive real peers (SIPp,
// Kamailio, baresip) from the bench and the tests.
import { existsSync } from 'node:fs';
import dgram from 'node:dgram';
import net from 'node:net';

const SEARCH = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];

/** Absolute path of an installed program, or null. */
export function findBinary(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':').concat(SEARCH)) {
    if (dir !== '' && existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return null;
}

/** A UDP port nobody on 127.0.0.1 is using right now (also free for TCP). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = dgram.createSocket('udp4');
      s.once('error', reject);
      s.bind(0, '127.0.0.1', () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
    });
    const tcpFree = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (tcpFree) return port;
  }
}
