// CryptoHal on node:crypto: the digests a SIP phone needs for HTTP digest auth.
import { createHash, randomBytes } from 'node:crypto';
import type { CryptoHal } from '../contract.ts';

export const hostCrypto: CryptoHal = {
  randomBytes(n: number): string {
    const count = Number.isInteger(n) && n > 0 ? Math.min(n, 65536) : 0;
    return randomBytes(count).toString('latin1');
  },
  md5(data: string): string {
    return createHash('md5').update(Buffer.from(String(data), 'latin1')).digest('hex');
  },
  sha256(data: string): string {
    return createHash('sha256').update(Buffer.from(String(data), 'latin1')).digest('hex');
  },
};
