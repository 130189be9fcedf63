// Deep copy of a session, so a re-offer can change things without touching the
// previous offer (QuickJS has no structuredClone).
import type { SdpConnection, SdpMedia, SdpSession } from './types.ts';

function cloneConnection(c: SdpConnection): SdpConnection {
  return { ...c };
}

function cloneMedia(m: SdpMedia): SdpMedia {
  return {
    ...m,
    formats: m.formats.slice(),
    connections: m.connections.map(cloneConnection),
    bandwidths: m.bandwidths.map((b) => ({ ...b })),
    attributes: m.attributes.map((a) => ({ ...a })),
    otherLines: m.otherLines.map((l) => ({ ...l })),
  };
}

export function cloneSession(s: SdpSession): SdpSession {
  return {
    ...s,
    origin: { ...s.origin },
    emails: s.emails.slice(),
    phones: s.phones.slice(),
    connection: s.connection === null ? null : cloneConnection(s.connection),
    bandwidths: s.bandwidths.map((b) => ({ ...b })),
    timings: s.timings.map((t) => ({
      ...t,
      repeats: t.repeats.map((r) => ({ ...r, offsets: r.offsets.slice() })),
    })),
    timeZones: s.timeZones.map((z) => ({ ...z })),
    attributes: s.attributes.map((a) => ({ ...a })),
    otherLines: s.otherLines.map((l) => ({ ...l })),
    media: s.media.map(cloneMedia),
  };
}
