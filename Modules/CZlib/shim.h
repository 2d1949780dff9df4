#ifndef CRUMBS_CZLIB_SHIM_H
#define CRUMBS_CZLIB_SHIM_H

#include <zlib.h>

// inflateInit is a macro over inflateInit_ that passes the library version and stream
// size: Swift cannot import it.
static inline int crumbs_inflate_init(z_streamp stream) {
    return inflateInit(stream);
}

// deflateInit2 is a macro over deflateInit2_ for the same reason. The window is zlib's
// default (MAX_WBITS), as in Python's zlib.compress: it is written into the stream header.
static inline int crumbs_deflate_init(z_streamp stream, int level, int memory_level) {
    return deflateInit2(stream, level, Z_DEFLATED, MAX_WBITS, memory_level, Z_DEFAULT_STRATEGY);
}

#endif
