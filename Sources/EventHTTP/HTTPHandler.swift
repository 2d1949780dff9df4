/// Answers the requests of one event loop. A handler is created on its loop's thread and
/// only ever called there, so it may keep per-loop state (buffers, keyed MAC contexts)
/// without locks.
public protocol HTTPHandler: AnyObject {
    /// Writes the reply into `response`, which arrives as an empty 200 whose header and body
    /// arrays keep the storage of the loop's earlier replies: a handler that appends to them
    /// allocates nothing once the loop has warmed up. Assigning a whole response works too.
    func respond(to request: HTTPRequest, into response: inout HTTPResponse)

    /// Told of a request evhttp refused itself (`EvhttpRefusals`), before the refusal of
    /// `bodyCount` bytes with `status` is sent: for an access log. What evhttp could not
    /// read is missing (a nil method, an empty target); the request cannot be held.
    func refused(_ request: HTTPRequest, status: Int, bodyCount: Int)
}

extension HTTPHandler {
    public func refused(_ request: HTTPRequest, status: Int, bodyCount: Int) {}
}
