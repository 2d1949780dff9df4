#ifndef CRUMBS_CBYTESCAN_SHIM_H
#define CRUMBS_CBYTESCAN_SHIM_H

// Byte scans Swift cannot write as fast: its SIMD comparisons (`.<`, `.==`) compile to a
// loop over the lanes, not to one SSE2 instruction, and the lane arithmetic that avoids
// them took half as many instructions again (28 a 16-byte vector with the loop's own,
// against 19 here, where clang folds the range test into an add, a pminub and a pcmpeqb).
// Static inline, so Swift's compiler inlines them where they are called; nothing to link.

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// Whether every byte is printable ASCII (0x20 to 0x7E) other than `"` and `\`: text that
// JSON writes between quotes as it is, and a Cookie line that Werkzeug splits without
// unquoting anything or trimming anything but spaces.
static inline bool crumbs_is_plain_text(const uint8_t *bytes, size_t count) {
    size_t index = 0;
#if defined(__SSE2__)
    if (count >= 16) {
        const __m128i space = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7F);
        const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
        __m128i marked = _mm_setzero_si128();
        // A signed comparison: bytes from 0x80 up are negative, so below the space too.
        // The last vector overlaps the one before it rather than leaving a tail.
        for (;;) {
            const __m128i vector = _mm_loadu_si128((const __m128i *)(bytes + index));
            marked = _mm_or_si128(marked, _mm_or_si128(
                _mm_or_si128(_mm_cmplt_epi8(vector, space), _mm_cmpeq_epi8(vector, del)),
                _mm_or_si128(_mm_cmpeq_epi8(vector, quote), _mm_cmpeq_epi8(vector, backslash))));
            if (index + 16 == count) break;
            index = index + 32 <= count ? index + 16 : count - 16;
        }
        return _mm_movemask_epi8(marked) == 0;
    }
#endif
    for (; index < count; index++) {
        const uint8_t byte = bytes[index];
        if (byte < 0x20 || byte > 0x7E || byte == '"' || byte == '\\') return false;
    }
    return true;
}

#endif
