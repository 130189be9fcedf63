// The computer's speaker for the emulated phone (`--sound`): 8 kHz 16-bit mono frames piped
// to a system player (ALSA's aplay, PulseAudio's paplay or PipeWire's pw-play), when the
// machine has one. Without one the WAV files are the phone's speaker.

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

const PLAYERS: Array<[string, string[]]> = [
  ['aplay', ['-q', '-t', 'raw', '-f', 'S16_LE', '-r', '8000', '-c', '1', '-']],
  ['paplay', ['--raw', '--format=s16le', '--rate=8000', '--channels=1']],
  ['pw-play', ['--format=s16', '--rate=8000', '--channels=1', '-']],
];

export interface SoundDevice {
  name: string;
  write(pcm: string): void;
  close(): void;
}

/** The first player found on PATH, started; null when none is installed. */
export function openSoundDevice(onError: (message: string) => void): SoundDevice | null {
  for (const [cmd, args] of PLAYERS) {
    if (spawnSync('which', [cmd], { stdio: 'ignore' }).status !== 0) continue;
    let child: ChildProcess | null = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', (e) => {
      child = null;
      onError(`${cmd}: ${e.message}; use --audio-out to hear the phone`);
    });
    child.on('exit', (code) => {
      if (child !== null && code !== 0) onError(`${cmd} stopped (no sound device?); use --audio-out to hear the phone`);
      child = null;
    });
    child.stdin?.on('error', () => {
      child = null;
    });
    return {
      name: cmd,
      write(pcm) {
        if (child?.stdin?.writable) child.stdin.write(Buffer.from(pcm, 'latin1'));
      },
      close() {
        child?.stdin?.end();
        child = null;
      },
    };
  }
  return null;
}
