// The codec registry: one table for the validators, SDP and the media path.
import test from 'ava';
import { encodeAlaw, encodeUlaw } from '../../firmware/codec/g711.ts';
import {
  AUDIO_CODEC_NAMES, CODEC_NAMES, PCMA, PCMU, TELEPHONE_EVENT, codecFor, codecForPayloadType, codecNamed,
} from '../../firmware/codec/registry.ts';
import { codecsFor } from '../../firmware/ua/media-session.ts';

test('codec lookup by name and payload type', (t) => {
  t.is(codecFor('PCMU'), PCMU);
  t.is(codecFor('pcma'), PCMA);
  t.is(codecFor('G722'), null);
  t.is(codecFor('telephone-event'), null, 'events are not a voice codec');
  t.is(codecForPayloadType(0), PCMU);
  t.is(codecForPayloadType(8), PCMA);
  t.is(codecForPayloadType(101), null);
  t.deepEqual([PCMU.name, PCMU.payloadType, PCMU.clockRate], ['PCMU', 0, 8000]);
  t.deepEqual([PCMA.name, PCMA.payloadType, PCMA.clockRate], ['PCMA', 8, 8000]);
  t.is(PCMU.encode, encodeUlaw);
  t.is(PCMA.encode, encodeAlaw);
});

test('the names every validator accepts come from the table', (t) => {
  t.deepEqual(CODEC_NAMES, ['PCMU', 'PCMA', 'telephone-event']);
  t.deepEqual(AUDIO_CODEC_NAMES, ['PCMU', 'PCMA']);
  t.is(codecNamed('telephone-event'), TELEPHONE_EVENT);
  t.is(codecNamed('pcmu'), null, 'config names are exact');
});

test('a board codec list becomes SDP codecs in its order, PCMU when none is known', (t) => {
  t.deepEqual(codecsFor(['PCMA', 'telephone-event', 'G729']), [
    { name: 'PCMA', clockRate: 8000, payloadType: 8 },
    { name: 'telephone-event', clockRate: 8000, payloadType: 101, fmtp: '0-16' },
  ]);
  t.deepEqual(codecsFor([]), [{ name: 'PCMU', clockRate: 8000, payloadType: 0 }]);
});
