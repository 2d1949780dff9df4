internal import CLibevent
internal import CLibeventRequest
import Synchronization

/// The replies sent in place of the HTML pages evhttp writes for the requests it refuses
/// before any handler sees them: a request line or header block it cannot read or that is
/// too large (400), a body over its limit or broken chunked framing (413), an `Expect` it
/// cannot meet (417), a method it does not know (501). How they are caught is explained in
/// Modules/CLibeventRequest/refusal.c.
///
/// Process-wide, like libevent itself: every server's loops send the same replies. Each is
/// sent as it is with `Connection: close` (evhttp closes the connection after a refusal),
/// `Content-Length` and evhttp's `Date` added.
public enum EvhttpRefusals {
    private static let replies = Mutex<[Int: HTTPResponse]>([:])

    /// Sends `responses` (one per status) in place of evhttp's pages for their statuses,
    /// from now on, on every loop. Returns whether they will be: false when this process's
    /// libevent keeps calling its own `evhttp_send_error` (linked statically, or with
    /// `-Bsymbolic`), whose pages then stay HTML.
    @discardableResult
    public static func install(_ responses: [HTTPResponse]) -> Bool {
        replies.withLock { table in
            for response in responses { table[response.status] = response }
        }
        return setHook()
    }

    /// Routes evhttp's refusals through the hook, replies installed or not: every loop does,
    /// so that a held request evhttp fails is answered by its loop, once. Idempotent.
    @discardableResult
    static func setHook() -> Bool {
        crumbs_evhttp_set_refusal_hook(refusalHook) == 1
    }

    /// (A refusal is rare: a lock and a copy of the reply are nothing next to its connection.)
    fileprivate static func reply(for status: Int) -> HTTPResponse? {
        replies.withLock { $0[status] }
    }
}

/// Called by refusal.c's `evhttp_send_error` on the request's loop: a request the handler
/// holds gets its deadline answer from the loop; another, the installed reply for `status`
/// (or 0 for libevent's page).
private let refusalHook: crumbs_refusal_hook = { request, status in
    guard let request else { return 0 }
    let loop = EventLoop.running
    if let loop, loop.answerIfHeld(request) { return 1 }
    guard let response = EvhttpRefusals.reply(for: Int(status)) else { return 0 }
    let headers = evhttp_request_get_output_headers(request)
    // Whatever evhttp had added for this request goes, as its own page would do.
    evhttp_clear_headers(headers)
    response.forEachHeader { name, value in _ = evhttp_add_header(headers, name, value) }
    let command = evhttp_request_get_command(request)
    // As on libevent's page: what follows a request evhttp could not read (or a body it will
    // not read) cannot be framed, so the connection ends with this reply, which evhttp does
    // when the reply says so. Not for CONNECT, whose connection evhttp keeps whatever the
    // reply says: its 501 is framed like any reply and the next request read.
    if command != EVHTTP_REQ_CONNECT { evhttp_add_header(headers, "Connection", "close") }
    // Given here, not left to evhttp, which frames no body for HEAD or CONNECT: a HEAD gets
    // the length a GET would have and no body (RFC 9110 §9.3.2), a refused CONNECT both.
    evhttp_add_header(headers, "Content-Length", String(response.bodyCount))
    if command != EVHTTP_REQ_HEAD { EventLoop.addBody(of: response, to: request) }
    // Before the reply, which may free the request at once (a connection already gone).
    loop?.refused(request, status: Int(status), bodyCount: response.bodyCount)
    evhttp_send_reply(request, status, HTTPResponse.reasonPhrase(for: Int(status)), nil)
    return 1
}
