// Caps that keep hostile SDP from eating the phone's memory. A real offer from a
// PBX is a few hundred bytes, 20-60 lines and 1-3 media sections.

export interface SdpLimits {
  /** Maximum length of the text in characters. */
  maxLength: number;
  /** Maximum number of lines, blank lines included. */
  maxLines: number;
  /** Maximum number of m= sections. */
  maxMedia: number;
}

export const DEFAULT_SDP_LIMITS: Readonly<SdpLimits> = {
  maxLength: 64 * 1024,
  maxLines: 1024,
  maxMedia: 16,
};
