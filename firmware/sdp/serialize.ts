// SdpSession -> SDP text. Lines go out in RFC 4566 §5 order with CRLF endings;
// attributes keep their order and unknown lines close their section.
import type { SdpAttribute, SdpLine, SdpMedia, SdpSession } from './types.ts';
import {
  formatBandwidth,
  formatConnection,
  formatMediaLine,
  formatOrigin,
  formatRepeat,
  formatTimeZones,
  formatTiming,
} from './fields.ts';

function pushAttributes(out: string[], attributes: SdpAttribute[]): void {
  for (const a of attributes) out.push(a.value === null ? 'a=' + a.name : `a=${a.name}:${a.value}`);
}

function pushOtherLines(out: string[], lines: SdpLine[]): void {
  for (const l of lines) out.push(`${l.type}=${l.value}`);
}

function pushMedia(out: string[], m: SdpMedia): void {
  out.push('m=' + formatMediaLine(m));
  if (m.information !== null) out.push('i=' + m.information);
  for (const c of m.connections) out.push('c=' + formatConnection(c));
  for (const b of m.bandwidths) out.push('b=' + formatBandwidth(b));
  if (m.encryptionKey !== null) out.push('k=' + m.encryptionKey);
  pushAttributes(out, m.attributes);
  pushOtherLines(out, m.otherLines);
}

export function serializeSdp(session: SdpSession): string {
  const out: string[] = ['v=0', 'o=' + formatOrigin(session.origin), 's=' + session.sessionName];
  if (session.information !== null) out.push('i=' + session.information);
  if (session.uri !== null) out.push('u=' + session.uri);
  for (const e of session.emails) out.push('e=' + e);
  for (const p of session.phones) out.push('p=' + p);
  if (session.connection !== null) out.push('c=' + formatConnection(session.connection));
  for (const b of session.bandwidths) out.push('b=' + formatBandwidth(b));
  for (const t of session.timings) {
    out.push('t=' + formatTiming(t));
    for (const r of t.repeats) out.push('r=' + formatRepeat(r));
  }
  if (session.timeZones.length > 0) out.push('z=' + formatTimeZones(session.timeZones));
  if (session.encryptionKey !== null) out.push('k=' + session.encryptionKey);
  pushAttributes(out, session.attributes);
  pushOtherLines(out, session.otherLines);
  for (const m of session.media) pushMedia(out, m);
  out.push('');
  return out.join('\r\n');
}
