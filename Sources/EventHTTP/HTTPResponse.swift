import Glibc

/// What a handler answers. The transport adds `Date` and `Content-Length`, and frames the
/// body (none for `HEAD`, 204 and 304).
public struct HTTPResponse: Sendable {
    public var status: Int
    /// The headers one after another in the order they are sent, each as
    /// `HTTPHeader.writeEntry` lays it out (name and value as `evhttp_add_header` takes
    /// them, after their lengths). One buffer that the loop reuses, so adding a header
    /// copies its bytes and neither allocates nor touches a reference count.
    private(set) var headerBytes = ReusableBytes()
    /// The body, in a buffer the loop reuses as it does the headers' (writers append to it
    /// here; `body` is a copy).
    package var bodyBytes: ReusableBytes

    public var body: [UInt8] {
        get { bodyBytes.bytes }
        set { bodyBytes = ReusableBytes(newValue) }
    }
    /// A body sent by reference instead of `body` (which is then left empty).
    public var sharedBody: SharedBody?

    public init(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = []) {
        self.status = status
        self.bodyBytes = ReusableBytes(body)
        for header in headers { append(header) }
    }

    public init(status: Int, headers: [HTTPHeader] = [], sharedBody: SharedBody) {
        self.init(status: status, headers: headers)
        self.sharedBody = sharedBody
    }

    /// The length of the body, whichever way it is held.
    public var bodyCount: Int { sharedBody?.count ?? bodyBytes.count }

    /// Becomes a copy of `response`, written into this one's buffers (a plain assignment
    /// would swap the loop's reused buffers for the prebuilt response's, which the next
    /// reply would then have to copy before writing).
    public mutating func replace(with response: HTTPResponse) {
        status = response.status
        headerBytes.removeAll()
        response.headerBytes.withUnsafeBytes { headerBytes.append(contentsOf: $0.assumingMemoryBound(to: UInt8.self)) }
        bodyBytes.removeAll()
        response.bodyBytes.withUnsafeBytes { bodyBytes.append(contentsOf: $0.assumingMemoryBound(to: UInt8.self)) }
        // Unwrapped first: a plain copy of the optional was outlined into a call through the
        // type's metadata and value witnesses (~70 instructions, callgrind).
        if let shared = response.sharedBody { sharedBody = shared } else { sharedBody = nil }
    }

    /// In the order they are sent; a name may repeat (`Set-Cookie`).
    public var headers: [HTTPHeader] {
        var headers: [HTTPHeader] = []
        forEachHeader { name, value in
            headers.append(HTTPHeader(String(cString: name), String(cString: value)))
        }
        return headers
    }

    public mutating func append(_ header: HTTPHeader) {
        header.bytes.withUnsafeBufferPointer { headerBytes.append(contentsOf: $0) }
    }

    /// Adds a header whose value is given as bytes (up to the first NUL, as `HTTPHeader`).
    public mutating func appendHeader(named name: StaticString, value: Span<UInt8>) {
        _ = value.withUnsafeBufferPointer { appendHeader(named: name, bytes: $0) }
    }

    /// Returns the value's length (up to a NUL).
    @discardableResult
    package mutating func appendHeader(named name: StaticString, bytes value: UnsafeBufferPointer<UInt8>) -> Int {
        // memchr, not a byte loop: a session cookie is ~150 bytes and comes with every reply.
        let value = UnsafeBufferPointer(rebasing: value[..<HTTPHeader.lengthUpToNUL(value)])
        let name = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        // Written in place, in the buffer's own memory.
        headerBytes.append(count: HTTPHeader.entrySize(name.count, value.count)) { entry in
            HTTPHeader.writeEntry(name: name, value: value, to: entry.baseAddress!)
        }
        return value.count
    }

    public mutating func addHeader(_ name: String, _ value: String) {
        append(HTTPHeader(name, value))
    }

    /// Lends each header's NUL-terminated name and value, in order.
    func forEachHeader(_ body: (UnsafePointer<CChar>, UnsafePointer<CChar>) -> Void) {
        headerBytes.withUnsafeBytes { HTTPHeader.forEachEntry(in: $0, body) }
    }

    /// A body buffer larger than this is let go after its reply rather than kept for the next.
    static let retainedBodyCapacity = 64 * 1024

    /// Back to an empty 200, keeping the arrays' storage for the next reply (a large body's
    /// excepted, so one big reply does not pin its memory for the life of the loop).
    mutating func reset() {
        status = 200
        sharedBody = nil
        headerBytes.removeAll()
        if bodyBytes.capacity > Self.retainedBodyCapacity {
            bodyBytes.releaseStorage()
        } else {
            bodyBytes.removeAll()
        }
    }

    /// RFC 9110 §15 reason phrases for the statuses Crumbs sends.
    public static func reasonPhrase(for status: Int) -> String {
        knownReasonPhrase(for: status).map { $0.description } ?? "Status \(status)"
    }

    /// The phrase as a NUL-terminated literal, which evhttp can take as it is.
    static func knownReasonPhrase(for status: Int) -> StaticString? {
        switch status {
        case 200: return "OK"
        case 201: return "Created"
        case 204: return "No Content"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 415: return "Unsupported Media Type"
        case 417: return "Expectation Failed"
        case 422: return "Unprocessable Content"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 503: return "Service Unavailable"
        default: return nil
        }
    }
}
