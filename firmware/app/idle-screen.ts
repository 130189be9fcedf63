// The idle screen: who we are and the time, how the line is, voicemail and missed calls.
// A 2-line LCD has one row for all of that status.

import type { AccountConfig } from '../../hal/contract.ts';
import type { MessageSummary } from '../ua/message-summary.ts';
import type { Registration } from '../ua/registration.ts';
import { formatDate, formatTime } from './clock-format.ts';
import type { Layout, Screen } from './screen.ts';

/** What the idle screen says. */
export interface IdleInfo {
  account: AccountConfig | undefined;
  /** `lineStatus`'s text. */
  status: string;
  mwi: MessageSummary | null;
  missed: number;
  /** Wall-clock ms. */
  now: number;
}

/** How the primary line is: provisioning, registered, lost, failed and why. */
export function lineStatus(provisioning: boolean, account: AccountConfig | undefined, r: Registration | null | undefined): string {
  if (provisioning) return 'Provisioning...';
  if (!account) return 'Set up an account';
  if (!r) return 'Not registered';
  if (r.state === 'registered') return 'Registered';
  if (r.lost) return 'Registrar lost'; // until it answers again

  if (r.state === 'registering') return 'Registering...';
  if (r.state === 'failed') return r.lastStatus ? `Reg failed: ${r.lastStatus}` : 'Registrar unreachable';
  return 'Not registered';
}

export function idleLayout(screen: Screen, info: IdleInfo): Layout {
  const s = screen;
  const who = info.account ? accountLabel(info.account) : 'No account';
  const vm = info.mwi?.waiting ? `${info.mwi.newVoice} new voicemail` : '';
  const n = info.missed;
  const missed = n > 0 ? `${n} missed call${n === 1 ? '' : 's'}` : '';
  const lines = s.contentRows >= 3
    ? [s.spread(who, formatTime(info.now)), info.status, vm || missed, formatDate(info.now), vm ? missed : '']
    : [s.spread(who, formatTime(info.now)), smallStatusLine(info.status, vm !== '', missed)];
  return { lines, softkeys: ['Redial', 'Info', 'History', ''] };
}

/** The one status line of a 2-line LCD: trouble first, then missed calls, then voicemail. */
function smallStatusLine(status: string, voicemail: boolean, missed: string): string {
  if (status !== 'Registered' || (missed === '' && !voicemail)) return status;
  return missed !== '' ? missed : `${status.slice(0, 10)} VM`;
}

/** "Alice" or "alice@lab.example" for the idle screen. */
function accountLabel(a: AccountConfig): string {
  if (a.displayName) return a.displayName;
  const colon = a.uri.indexOf(':');
  return colon === -1 ? a.uri : a.uri.slice(colon + 1);
}
