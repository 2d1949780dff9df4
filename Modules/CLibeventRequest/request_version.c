// Before any event2 header, for the reason given in CLibevent/shim.h.
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/select.h>
#include <netinet/in.h>

#include <event2/http.h>
#include <event2/http_struct.h>

#include "CLibeventRequest.h"

int crumbs_request_http_major(const struct evhttp_request *request) {
    return request->major;
}

int crumbs_request_http_minor(const struct evhttp_request *request) {
    return request->minor;
}
