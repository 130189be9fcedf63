// User settings in the HAL's key-value storage: loaded at boot, saved atomically on change.
// A damaged record (bad JSON, wrong types) is replaced by defaults instead of stopping boot.

import type { StorageHal } from '../../hal/contract.ts';

export interface Settings {
  /** Speaker/handset volume 0..10. */
  volume: number;
  /** Last number dialled, for redial. */
  lastDialed: string;
  /** Boots since the storage was created (shown in diagnostics; proves persistence). */
  bootCount: number;
}

const KEY = 'settings';

export function defaultSettings(): Settings {
  return { volume: 5, lastDialed: '', bootCount: 0 };
}

export function loadSettings(storage: StorageHal): { settings: Settings; problem: string | null } {
  const raw = storage.get(KEY);
  const settings = defaultSettings();
  if (raw === null) return { settings, problem: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { settings, problem: 'settings were not valid JSON; defaults restored' };
  }
  if (typeof parsed !== 'object' || parsed === null) return { settings, problem: 'settings were not an object; defaults restored' };
  const p = parsed as Record<string, unknown>;
  if (typeof p.volume === 'number' && p.volume >= 0 && p.volume <= 10) settings.volume = Math.round(p.volume);
  if (typeof p.lastDialed === 'string' && p.lastDialed.length <= 256) settings.lastDialed = p.lastDialed;
  if (typeof p.bootCount === 'number' && p.bootCount >= 0 && Number.isFinite(p.bootCount)) settings.bootCount = Math.floor(p.bootCount);
  return { settings, problem: null };
}

export function saveSettings(storage: StorageHal, settings: Settings): boolean {
  return storage.set(KEY, JSON.stringify(settings));
}
