internal import CLibevent
internal import CLibeventRequest

import Glibc

/// A request as evhttp parsed it. It reads evhttp's own structures, so it is only valid
/// during the `HTTPHandler.respond(to:into:)` call it is passed to: copy out what must outlive it.
public struct HTTPRequest {
    private let request: OpaquePointer
    /// Unowned and unchecked: a request lives only inside its loop's call to the handler.
    private unowned(unsafe) let loop: EventLoop

    init(_ request: OpaquePointer, loop: EventLoop) {
        self.request = request
        self.loop = loop
    }

    /// Keeps this request to be answered later, on this loop, through the `HeldRequest`
    /// returned; whatever `respond(to:into:)` writes into its response is then not sent.
    /// Past `deadlineSeconds` the loop answers with what `onDeadline` writes. Copy what the
    /// answer needs from the request first: it cannot be read once `respond` returns.
    public func hold(deadlineSeconds: Double, onDeadline: @escaping (inout HTTPResponse) -> Void) -> HeldRequest {
        loop.hold(request, deadlineSeconds: deadlineSeconds, onDeadline: onDeadline)
    }

    /// Nil for a method evhttp knows but Crumbs does not (none today).
    public var method: HTTPMethod? {
        switch evhttp_request_get_command(request) {
        case EVHTTP_REQ_GET: return .get
        case EVHTTP_REQ_HEAD: return .head
        case EVHTTP_REQ_POST: return .post
        case EVHTTP_REQ_PUT: return .put
        case EVHTTP_REQ_DELETE: return .delete
        case EVHTTP_REQ_OPTIONS: return .options
        case EVHTTP_REQ_PATCH: return .patch
        case EVHTTP_REQ_TRACE: return .trace
        case EVHTTP_REQ_CONNECT: return .connect
        default: return nil
        }
    }

    /// The request target exactly as sent, e.g. `/sessions/count?x=1`.
    public var target: String {
        guard let uri = evhttp_request_get_uri(request) else { return "" }
        return String(cString: uri)
    }

    /// The request's HTTP version, e.g. `(1, 1)`.
    public var version: (major: Int, minor: Int) {
        (Int(crumbs_request_http_major(request)), Int(crumbs_request_http_minor(request)))
    }

    /// The target's path, before `?` or `#`, percent-decoded; nil if an escape is malformed
    /// or the decoded bytes are not UTF-8.
    public var path: String? {
        withPathBytes { PercentDecoding.decode(bytes: $0) }
    }

    /// The target's path, before `?` or `#`, still percent-encoded.
    public var rawPath: String {
        withPathBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// Lends the target's path as sent (up to `?` or `#`, still percent-encoded), read in
    /// place from evhttp.
    public func withRawPath<Result>(_ body: (Span<UInt8>) -> Result) -> Result {
        withPathBytes { body($0.span) }
    }

    /// Lends the bytes of the target up to `?` or `#`, read in place from evhttp.
    private func withPathBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        guard let uri = evhttp_request_get_uri(request) else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        return body(UnsafeBufferPointer(start: UnsafeRawPointer(uri).assumingMemoryBound(to: UInt8.self), count: strcspn(uri, "?#")))
    }

    /// Every value of a header, in the order received; names compare case-insensitively
    /// (RFC 9110 §5.1). Unlike `evhttp_find_header`, repeated lines are all returned.
    public func headerValues(_ name: String) -> [String] {
        var values: [String] = []
        forEachHeaderValue(name) { value in values.append(value.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }) }
        return values
    }

    /// Calls `body` with the bytes of every value of a header, in the order received,
    /// without copying them: they are evhttp's, and the span cannot outlive the call.
    public func forEachHeaderValue(_ name: String, _ body: (Span<UInt8>) -> Void) {
        name.withCString { forEachHeaderValue(cName: $0, body) }
    }

    /// `forEachHeaderValue` of a name written in the source (`Cookie`, on every request):
    /// read where the compiler put it, without a C copy of a string.
    public func forEachHeaderValue(_ name: StaticString, _ body: (Span<UInt8>) -> Void) {
        forEachHeaderValue(cName: UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self), body)
    }

    private func forEachHeaderValue(cName name: UnsafePointer<CChar>, _ body: (Span<UInt8>) -> Void) {
        guard let headers = evhttp_request_get_input_headers(request), name[0] != 0 else { return }
        // Names whose first letters differ (in ASCII case) are passed over without strcasecmp.
        let first = UInt8(bitPattern: name[0]) | 0x20
        var entry = crumbs_headers_first(headers)
        while let header = entry {
            if let key = header.pointee.key, let value = header.pointee.value, UInt8(bitPattern: key[0]) | 0x20 == first,
                strcasecmp(key, name) == 0
            {
                let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(value).assumingMemoryBound(to: UInt8.self), count: strlen(value))
                body(bytes.span)
            }
            entry = crumbs_headers_next(header)
        }
    }

    /// The first value of a header.
    public func header(_ name: String) -> String? {
        guard let headers = evhttp_request_get_input_headers(request), let value = evhttp_find_header(headers, name)
        else { return nil }
        return String(cString: value)
    }

    /// The body bytes (evhttp has already enforced the body size limit).
    public var body: [UInt8] {
        guard let buffer = evhttp_request_get_input_buffer(request) else { return [] }
        let length = evbuffer_get_length(buffer)
        guard length > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: length)
        let copied = evbuffer_copyout(buffer, &bytes, length)
        return copied == length ? bytes : Array(bytes.prefix(max(copied, 0)))
    }

    /// The address of the peer that connected (a proxy's, behind one), for logs.
    public var peerAddress: String {
        guard let connection = evhttp_request_get_connection(request) else { return "-" }
        var address: UnsafeMutablePointer<CChar>? = nil
        var port: UInt16 = 0
        evhttp_connection_get_peer(connection, &address, &port)
        return address.map { String(cString: $0) } ?? "-"
    }
}
