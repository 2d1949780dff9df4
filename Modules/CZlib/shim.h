#ifndef CRUMBS_CZLIB_SHIM_H
#define CRUMBS_CZLIB_SHIM_H

#include <zlib.h>

// inflateInit and deflateInit are macros over inflateInit_/deflateInit_ that pass the
// library version and stream size: Swift cannot import them.
static inline int crumbs_inflate_init(z_streamp stream) {
    return inflateInit(stream);
}

static inline int crumbs_deflate_init(z_streamp stream, int level) {
    return deflateInit(stream, level);
}

#endif
