// The number-entry screens: dialling, and the number a call is transferred to. The end of a
// number longer than the LCD is what shows.

import type { Layout, Screen } from './screen.ts';

export function dialingLayout(screen: Screen, digits: string): Layout {
  return { lines: ['Dial:', tail(screen, digits)], softkeys: ['Call', 'Delete', '', 'Cancel'] };
}

/** `remote`: who the call being transferred is with. */
export function transferLayout(screen: Screen, digits: string, remote: string): Layout {
  return { lines: ['Transfer to:', tail(screen, digits), remote], softkeys: ['Xfer', 'Delete', '', 'Cancel'] };
}

function tail(screen: Screen, digits: string): string {
  return digits.length > screen.cols ? digits.slice(digits.length - screen.cols) : digits;
}
