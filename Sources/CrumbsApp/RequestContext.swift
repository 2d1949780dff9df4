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
    let cookieHeaders: CookieHeaders
    var cookies: RequestCookies
    /// The session's `Set-Cookie` value, once written.
    var sessionHeader: [UInt8]

    /// Takes the scratch buffers for this request, leaving empty ones in their place.
    init(request: HTTPRequest, cookieHeaders: CookieHeaders, lending scratch: inout Scratch) {
        self.request = request
        self.cookieHeaders = cookieHeaders
        var taken = Scratch()
        swap(&taken, &scratch)
        cookies = taken.cookies
        sessionHeader = taken.sessionHeader
    }

    /// Returns the buffers, emptied but keeping their capacity, for the next request.
    consuming func giveBack(to scratch: inout Scratch) {
        cookies.removeAll()
        sessionHeader.removeAll(keepingCapacity: true)
        scratch = Scratch(cookies: cookies, sessionHeader: sessionHeader)
    }
}
