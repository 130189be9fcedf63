// The octet memo behind the media path's byte strings: a hit gives the octets the string holds,
// even when the caller's buffer changes later, and a string not made from octets misses.
import test from 'ava';
import { octetsToBinary, recallOctets, rememberOctets } from '../../firmware/util/octet-memo.ts';
import { bytesToBinary } from '../../firmware/util/utf8.ts';

test('a byte string made from octets recalls a private copy of them', (t) => {
  const buf = Uint8Array.from([0x80, 0x00, 0xff, 0x7f, 0x10]);
  const bin = octetsToBinary(buf);
  t.is(bin, bytesToBinary(buf));
  buf.fill(0); // the caller reuses its buffer
  t.deepEqual([...recallOctets(bin)!], [0x80, 0x00, 0xff, 0x7f, 0x10]);
  t.is(recallOctets(String.fromCharCode(1, 2, 3, 4, 5, 6)), null);
});

test('only the last few strings are remembered; an equal string made elsewhere hits', (t) => {
  const first = octetsToBinary(Uint8Array.from([1, 2, 3]));
  for (let i = 0; i < 4; i++) rememberOctets(`x${i}`, Uint8Array.from([0x78, 0x30 + i]));
  t.is(recallOctets(first), null);
  t.deepEqual([...recallOctets(['x', '3'].join(''))!], [0x78, 0x33]);
});
