import CrumbsSession
import EventHTTP

/// What one request carries through the routes: the request, the cookie headers that apply
/// to its client (plain or HTTPS), its parsed cookies, and the buffer its session cookie is
/// written into. The buffers are the handler's, lent for the request and emptied after it.
struct RequestContext {
    /// The handler's reusable buffers, kept between requests.
    struct Scratch {
        var cookies = RequestCookies()
        var sessionHeader: [UInt8] = []
    }

    let request: HTTPRequest
    /// Unowned and unchecked: the handler owns both sets of headers and outlives every
    /// request it answers (a reference counted per request costs a retain and a release).
    unowned(unsafe) let cookieHeaders: CookieHeaders
    /// The handler's buffers, lent by address: moving them into the context and back cost a
    /// reference-count operation per array, twice, on every request. The handler outlives
    /// its requests and serves one at a time, so nothing else touches them meanwhile.
    private let scratch: UnsafeMutablePointer<Scratch>

    init(request: HTTPRequest, cookieHeaders: CookieHeaders, lending scratch: UnsafeMutablePointer<Scratch>) {
        self.request = request
        self.cookieHeaders = cookieHeaders
        self.scratch = scratch
    }

    var cookies: RequestCookies {
        _read { yield scratch.pointee.cookies }
        nonmutating _modify { yield &scratch.pointee.cookies }
    }

    /// The session's `Set-Cookie` value, once written.
    var sessionHeader: [UInt8] {
        _read { yield scratch.pointee.sessionHeader }
        nonmutating _modify { yield &scratch.pointee.sessionHeader }
    }

    /// Empties the buffers, keeping their capacity, for the next request.
    func finish() {
        scratch.pointee.cookies.removeAll()
        if !scratch.pointee.sessionHeader.isEmpty { scratch.pointee.sessionHeader.removeAll(keepingCapacity: true) }
    }
}
