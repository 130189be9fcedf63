// The phone's keys as buttons: labels for people and screen readers, and where each sits.

export const KEY_LABELS: Record<string, string> = {
  send: 'Send', end: 'End', hook: 'Handset', soft1: 'Softkey 1', soft2: 'Softkey 2', soft3: 'Softkey 3', soft4: 'Softkey 4',
  up: 'Up', down: 'Down', left: 'Left', right: 'Right', ok: 'OK', cancel: 'Cancel',
  hold: 'Hold', mute: 'Mute', transfer: 'Transfer', redial: 'Redial', vol_up: 'Volume up', vol_down: 'Volume down',
  speaker: 'Speaker', headset: 'Headset',
};

/** What a key shows on its face. */
export const KEY_FACES: Record<string, string> = {
  send: '✆ Send', end: '✕ End', up: '▲', down: '▼', left: '◀', right: '▶', ok: 'OK', cancel: 'C',
  hold: 'Hold', mute: 'Mute', transfer: 'Xfer', redial: 'Redial', vol_up: 'Vol +', vol_down: 'Vol −',
  speaker: 'Spkr', headset: 'Hdst',
};

export const LETTERS: Record<string, string> = {
  '1': '', '2': 'ABC', '3': 'DEF', '4': 'GHI', '5': 'JKL', '6': 'MNO', '7': 'PQRS', '8': 'TUV', '9': 'WXYZ', '0': '+', '*': '', '#': '',
};

export const DIAL_PAD = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];
export const NAV = ['up', 'left', 'ok', 'right', 'down', 'cancel'];
export const FUNCTION_KEYS = ['hold', 'mute', 'transfer', 'redial', 'vol_down', 'vol_up', 'speaker', 'headset'];
export const CALL_KEYS = ['send', 'end'];

export function keyLabel(key: string): string {
  return KEY_LABELS[key] ?? key;
}
