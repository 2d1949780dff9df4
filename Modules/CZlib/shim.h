#ifndef CRUMBS_CZLIB_SHIM_H
#define CRUMBS_CZLIB_SHIM_H

#include <zlib.h>

// inflateInit is a macro over inflateInit_ that passes the library version and stream
// size: Swift cannot import it.
static inline int crumbs_inflate_init(z_streamp stream) {
    return inflateInit(stream);
}

#endif
