// evhttp answers some requests itself, before any callback of ours runs: a request line or
// header block it cannot read or that is past --max-header-bytes (400), a body past its
// limit or chunked framing it cannot read (413), an Expect other than 100-continue (417),
// a method it does not know (501). libevent 2.1 writes those replies as HTML pages in
// evhttp_send_error, which it calls through its PLT; this definition in the executable
// takes its place (ELF symbol interposition, as a malloc replacement does), so that the
// app's JSON is sent instead. Until a hook is set, and for a status the hook declines,
// libevent's own function answers as before.

// dlsym's RTLD_NEXT and RTLD_DEFAULT. (event-config.h defines it too, to the same value.)
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <dlfcn.h>
#include <stdatomic.h>

// Before any event2 header, for the reason given in CLibevent/shim.h.
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/select.h>
#include <netinet/in.h>

#include <event2/http.h>
#include <event2/http_struct.h>

#include "CLibeventRequest.h"

// Set once, before or while loops run: published with release, read with acquire.
static _Atomic(crumbs_refusal_hook) refusal_hook = NULL;

typedef void (*send_error_function)(struct evhttp_request *, int, const char *);

void evhttp_send_error(struct evhttp_request *request, int status, const char *reason) {
    crumbs_refusal_hook hook = atomic_load_explicit(&refusal_hook, memory_order_acquire);
    if (hook != NULL) {
        // As libevent's evhttp_send_page_ does: a request whose major or minor version is 0
        // (no version could be read, or HTTP/1.0) is answered in HTTP/1.1, never "HTTP/0.0".
        if (request->major == 0 || request->minor == 0) {
            request->major = 1;
            request->minor = 1;
        }
        if (hook(request, status)) return;
    }
    // libevent's own, the next definition after this one. (A rare path: looked up each time
    // rather than cached, which would need a second atomic.)
    send_error_function own = (send_error_function)dlsym(RTLD_NEXT, "evhttp_send_error");
    if (own != NULL) {
        own(request, status, reason);
    } else {
        evhttp_send_reply(request, status, reason != NULL ? reason : "Error", NULL);
    }
}

int crumbs_evhttp_set_refusal_hook(crumbs_refusal_hook hook) {
    atomic_store_explicit(&refusal_hook, hook, memory_order_release);
    // Whether the dynamic linker binds the name to this file's definition: if the executable
    // does not export it, libevent's calls go to its own and the pages stay HTML.
    return dlsym(RTLD_DEFAULT, "evhttp_send_error") == (void *)&evhttp_send_error;
}
