import CrumbsSession
import EventHTTP

/// What one request carries through the routes: the request, the cookie headers that apply
/// to its client (plain or HTTPS) and its parsed cookies, in the loop's buffers, lent for
/// the request and given back after it.
struct RequestContext {
    /// The loop's reusable buffers, kept by the handler between requests.
    struct Scratch {
        var cookies = RequestCookies()
    }

    let request: HTTPRequest
    /// Unowned and unchecked: the handler owns both sets of headers and outlives every
    /// request it answers (a reference counted per request costs a retain and a release).
    unowned(unsafe) let cookieHeaders: CookieHeaders
    var cookies = RequestCookies()

    /// A context holding the loop's buffers for this request, moved in without copying.
    init(request: HTTPRequest, cookieHeaders: CookieHeaders, lending scratch: inout Scratch) {
        self.request = request
        self.cookieHeaders = cookieHeaders
        swap(&cookies, &scratch.cookies)
    }

    /// Moves the buffers back, emptied but keeping their capacity, for the next request.
    mutating func giveBack(to scratch: inout Scratch) {
        cookies.removeAll()
        swap(&cookies, &scratch.cookies)
    }
}
