#ifndef CRUMBS_CHIREDIS_SHIM_H
#define CRUMBS_CHIREDIS_SHIM_H

// The libevent adapter includes event2 headers: the system headers come first, for the
// reason given in CLibevent/shim.h.
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/select.h>
#include <netinet/in.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>
// redisLibeventAttach is a static function in this header: Swift imports it as it is.
#include <hiredis/adapters/libevent.h>

// Written against Debian's hiredis 0.14.1: no timeouts, no reconnect, RESP2 only. 1.x
// changed the callback and reply types this layer relies on.
#if HIREDIS_MAJOR != 0 || HIREDIS_MINOR < 14
#error "Crumbs' Redis store is written for hiredis 0.14"
#endif

// The reply types are #defines in read.h, which Swift imports only as macros of int type;
// named here so that the Swift side reads as the protocol does.
static inline int crumbs_redis_reply_string(void) { return REDIS_REPLY_STRING; }
static inline int crumbs_redis_reply_array(void) { return REDIS_REPLY_ARRAY; }
static inline int crumbs_redis_reply_integer(void) { return REDIS_REPLY_INTEGER; }
static inline int crumbs_redis_reply_nil(void) { return REDIS_REPLY_NIL; }
static inline int crumbs_redis_reply_status(void) { return REDIS_REPLY_STATUS; }
static inline int crumbs_redis_reply_error(void) { return REDIS_REPLY_ERROR; }

#endif
