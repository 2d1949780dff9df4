import CrumbsSession
import EventHTTP

/// What one request carries through the routes: the request, the cookie headers that apply
/// to its client (plain or HTTPS), its parsed cookies, and the buffer its session cookie is
/// written into. The buffers are the loop's, lent for the request and given back after it.
struct RequestContext {
    /// The loop's reusable buffers, kept by the handler between requests.
    struct Scratch {
        var cookies = RequestCookies()
        var sessionHeader: [UInt8] = []
    }

    let request: HTTPRequest
    /// Unowned and unchecked: the handler owns both sets of headers and outlives every
    /// request it answers (a reference counted per request costs a retain and a release).
    unowned(unsafe) let cookieHeaders: CookieHeaders
    var cookies = RequestCookies()
    /// The session's `Set-Cookie` value, once written.
    var sessionHeader: [UInt8] = []

    /// A context holding the loop's buffers for this request, moved in without copying.
    init(request: HTTPRequest, cookieHeaders: CookieHeaders, lending scratch: inout Scratch) {
        self.request = request
        self.cookieHeaders = cookieHeaders
        swap(&cookies, &scratch.cookies)
        swap(&sessionHeader, &scratch.sessionHeader)
    }

    /// Moves the buffers back, emptied but keeping their capacity, for the next request.
    mutating func giveBack(to scratch: inout Scratch) {
        cookies.removeAll()
        if !sessionHeader.isEmpty { sessionHeader.removeAll(keepingCapacity: true) }
        swap(&cookies, &scratch.cookies)
        swap(&sessionHeader, &scratch.sessionHeader)
    }
}
