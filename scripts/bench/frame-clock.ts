// The emulator's audio frame clock (hal/emulator/audio.ts) on real time: frames of 20 ms
// delivered per second (nominal 50) and how far the delivered frames fell behind real time at worst.
// The unit test only checks that frames keep coming and never run ahead of the clock.

import { WavAudio } from '../../hal/emulator/audio.ts';

export interface FrameClockReport {
  emulator_audio_frames_per_s: number;
  emulator_audio_frame_late_ms_max: number;
}

const FRAME_MS = 20;

/** Runs the clock for `seconds` (at least 0.5 s, so a short bench still sees 25 deadlines). */
export async function runFrameClockBench(seconds: number, log: (line: string) => void): Promise<FrameClockReport> {
  const windowMs = Math.max(500, seconds * 1000);
  let frames = 0;
  let lateMax = 0;
  let started = 0;
  await new Promise<void>((resolve) => {
    const audio = new WavAudio((e) => {
      if (e.type !== 'audio_frame') return;
      frames++;
      lateMax = Math.max(lateMax, performance.now() - started - frames * FRAME_MS);
    });
    started = performance.now();
    audio.start(8000, FRAME_MS);
    setTimeout(() => {
      audio.close();
      resolve();
    }, windowMs);
  });
  const elapsed = performance.now() - started;
  const report: FrameClockReport = {
    emulator_audio_frames_per_s: Math.round((frames / (elapsed / 1000)) * 100) / 100,
    emulator_audio_frame_late_ms_max: Math.round(lateMax * 100) / 100,
  };
  log(`emulator frame clock: ${report.emulator_audio_frames_per_s} frames/s of ${FRAME_MS} ms (nominal ${1000 / FRAME_MS}), latest frame ${report.emulator_audio_frame_late_ms_max} ms behind its deadline`);
  return report;
}
