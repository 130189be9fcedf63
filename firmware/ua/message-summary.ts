// application/simple-message-summary bodies (RFC 3842 §5.2): whether messages wait, and
// how many voice messages are new and old.

export interface MessageSummary {
  waiting: boolean;
  newVoice: number;
  oldVoice: number;
}

export function parseMessageSummary(body: string): MessageSummary | null {
  // [ \t] rather than \s: \s would span lines and make a body of blank lines quadratic.
  const waiting = /^[ \t]*Messages-Waiting[ \t]*:[ \t]*(yes|no)[ \t]*\r?$/im.exec(body);
  if (waiting === null) return null;
  const voice = /^[ \t]*Voice-Message[ \t]*:[ \t]*(\d{1,6})[ \t]*\/[ \t]*(\d{1,6})/im.exec(body);
  return {
    waiting: waiting[1]!.toLowerCase() === 'yes',
    newVoice: voice ? Number(voice[1]) : 0,
    oldVoice: voice ? Number(voice[2]) : 0,
  };
}
