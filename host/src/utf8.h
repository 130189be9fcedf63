/* UTF-8 checks the HAL needs: JavaScript strings reach C as UTF-8 (QuickJS encodes a lone
 * surrogate as its 3-byte form, which is not a Unicode scalar value and is refused here). */
#ifndef QUIP_UTF8_H
#define QUIP_UTF8_H

#include <stddef.h>

/** True when s is well-formed UTF-8 of scalar values; *units gets its length in UTF-16 code units. */
int utf8_valid_scalar_text(const unsigned char *s, size_t n, size_t *units);
/** Orders two valid UTF-8 strings as JavaScript compares strings (by UTF-16 code units). */
int utf8_compare_as_utf16(const char *a, const char *b);
/** Decodes UTF-8 text whose code points are all <= 0xFF into those octets (a JS "byte string");
 *  returns the octet count, or -1 when a code point is above 0xFF or the text is malformed. out may alias s. */
long utf8_to_latin1(const unsigned char *s, size_t n, unsigned char *out);

#endif
