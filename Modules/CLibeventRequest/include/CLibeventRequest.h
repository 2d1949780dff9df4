#ifndef CRUMBS_CLIBEVENTREQUEST_H
#define CRUMBS_CLIBEVENTREQUEST_H

// Only a declaration: Swift keeps seeing `struct evhttp_request *` as an opaque pointer.
struct evhttp_request;

// The HTTP version of a request, which evhttp 2.1 keeps in the struct without an accessor.
int crumbs_request_http_major(const struct evhttp_request *request);
int crumbs_request_http_minor(const struct evhttp_request *request);

#endif
