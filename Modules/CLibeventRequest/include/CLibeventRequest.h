#ifndef CRUMBS_CLIBEVENTREQUEST_H
#define CRUMBS_CLIBEVENTREQUEST_H

// Only a declaration: Swift keeps seeing `struct evhttp_request *` as an opaque pointer.
struct evhttp_request;

// The HTTP version of a request, which evhttp 2.1 keeps in the struct without an accessor.
int crumbs_request_http_major(const struct evhttp_request *request);
int crumbs_request_http_minor(const struct evhttp_request *request);

// Answers one of evhttp's own refusals (`status` is 400, 413, 417 or 501 in libevent 2.1)
// with a reply of the app's, sent on `request` with evhttp_send_reply; returns 0 to leave
// the status to libevent's HTML page. Runs on the request's loop thread.
typedef int (*crumbs_refusal_hook)(struct evhttp_request *request, int status);

// Routes evhttp's refusals through `hook` (NULL: back to libevent's pages), from any thread.
// Returns 1 when the refusals do reach this executable's evhttp_send_error, 0 when this
// process's libevent keeps calling its own (the hook is then never called).
int crumbs_evhttp_set_refusal_hook(crumbs_refusal_hook hook);

#endif
