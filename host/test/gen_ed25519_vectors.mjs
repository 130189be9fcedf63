// Cross-check vectors for host/test/test_crypto.c, made by node:crypto (the same OpenSSL code
// that image/signing.ts signs firmware with).
//
//   node host/test/gen_ed25519_vectors.mjs OUT.txt [COUNT]
//   /tmp/test_crypto OUT.txt        # the C test verifies every line (it also runs this itself)
//
// One case per line, fields separated by one space, byte strings in lower-case hex, "-" for an
// empty one:
//   ed25519 EXPECT PUB MSG SIG   EXPECT is 1 when node's crypto.verify accepts, else 0
//   md5|sha256|sha512 MSG DIGEST
//   crc32 MSG CRC                CRC as 8 hex digits (zlib.crc32)
import { createHash, generateKeyPairSync, randomBytes, randomInt, sign, verify, createPublicKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';

const [out, countArg] = process.argv.slice(2);
if (!out) {
  console.error('usage: node gen_ed25519_vectors.mjs OUT.txt [COUNT]');
  process.exit(2);
}
const count = countArg ? Number(countArg) : 20;
const L = (1n << 252n) + 27742317777372353535851937790883648493n;

const hex = (b) => (b.length ? Buffer.from(b).toString('hex') : '-');
const rawPublic = (key) => Buffer.from(key.export({ format: 'jwk' }).x, 'base64url');
const publicFromRaw = (raw) =>
  createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
const flip = (b, bit) => {
  const c = Buffer.from(b);
  c[bit >> 3] ^= 1 << (bit & 7);
  return c;
};
const lines = [];

// node decides what is valid; a pub that does not decode makes node throw, which counts as 0
function ed(pub, msg, sig) {
  let ok;
  try {
    ok = verify(null, msg, publicFromRaw(pub), sig);
  } catch {
    ok = false;
  }
  lines.push(`ed25519 ${ok ? 1 : 0} ${hex(pub)} ${hex(msg)} ${hex(sig)}`);
}

for (let i = 0; i < count; i++) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pub = rawPublic(publicKey);
  const msg = randomBytes(i === 0 ? 0 : randomInt(1, 600));
  const sig = sign(null, msg, privateKey);
  ed(pub, msg, sig);
  ed(pub, msg, flip(sig, randomInt(0, 512)));
  if (msg.length) ed(pub, flip(msg, randomInt(0, msg.length * 8)), sig);
  ed(flip(pub, randomInt(0, 256)), msg, sig);
  // S + L: the same point maths, a non-canonical scalar
  const s = BigInt('0x' + Buffer.from(sig.subarray(32)).reverse().toString('hex')) + L;
  const sBytes = Buffer.from(s.toString(16).padStart(64, '0'), 'hex').reverse();
  ed(pub, msg, Buffer.concat([sig.subarray(0, 32), sBytes]));
  ed(randomBytes(32), msg, sig); // usually does not even decode
}

// one firmware-sized message, for timing
{
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const msg = randomBytes(200 * 1024);
  ed(rawPublic(publicKey), msg, sign(null, msg, privateKey));
}

// hashes and CRC over every length around the block and padding boundaries
for (let n = 0; n <= 300; n++) {
  const msg = randomBytes(n);
  for (const h of ['md5', 'sha256', 'sha512']) lines.push(`${h} ${hex(msg)} ${createHash(h).update(msg).digest('hex')}`);
  lines.push(`crc32 ${hex(msg)} ${(crc32(msg) >>> 0).toString(16).padStart(8, '0')}`);
}

writeFileSync(out, lines.join('\n') + '\n');
