// `codecs`: the codec names a board or a provisioning file lists, in order of preference, all
// from the codec registry, and at least one of them a voice codec.
import { AUDIO_CODEC_NAMES, CODEC_NAMES } from '../codec/registry.ts';
import type { CodecName } from '../codec/registry.ts';
import type { Checker } from './checker.ts';

export type { CodecName } from '../codec/registry.ts';

export function checkCodecs(c: Checker, value: unknown): CodecName[] {
  const codecs = c.setOf(value, 'codecs', CODEC_NAMES, 1);
  if (!codecs.some((name) => AUDIO_CODEC_NAMES.includes(name))) {
    c.fail('codecs', `expected at least one audio codec (${AUDIO_CODEC_NAMES.join(' or ')})`);
  }
  return codecs;
}
