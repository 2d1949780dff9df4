#ifndef CRUMBS_CLIBEVENT_SHIM_H
#define CRUMBS_CLIBEVENT_SHIM_H

// libevent 2.1's event-config.h defines _GNU_SOURCE; if an event2 header came first, the
// system headers below would define fd_set differently from Foundation's view of them.
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/select.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

// A header list is a TAILQ whose accessors are <sys/queue.h> macros, which Swift cannot
// import (and keyvalq_struct.h does not define): these spell out TAILQ_FIRST and TAILQ_NEXT.
static inline struct evkeyval *crumbs_headers_first(struct evkeyvalq *headers) {
    return headers->tqh_first;
}

static inline struct evkeyval *crumbs_headers_next(struct evkeyval *header) {
    return header->next.tqe_next;
}

// fcntl is variadic, which Swift cannot call.
static inline int crumbs_set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL, 0);
    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

#endif
