import Glibc

/// What a handler answers. The transport adds `Date` and `Content-Length`, and frames the
/// body (none for `HEAD`, 204 and 304).
public struct HTTPResponse: Sendable {
    public var status: Int
    /// The headers as `evhttp_add_header` takes them, one after another in the order they
    /// are sent: name, NUL, value, NUL. One buffer that the loop reuses, so adding a header
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
        sharedBody = response.sharedBody
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
        let length = HTTPHeader.lengthUpToNUL(value)
        let nameCount = name.utf8CodeUnitCount
        let total = nameCount + length + 2
        // Laid out on the stack and appended in one piece: a header is four appends.
        guard total <= Self.stackLineCapacity else {
            headerBytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: nameCount))
            headerBytes.append(0)
            headerBytes.append(contentsOf: UnsafeBufferPointer(rebasing: value[..<length]))
            headerBytes.append(0)
            return length
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.stackLineCapacity) { line in
            let base = line.baseAddress!
            // (memcpy: the line is fresh stack memory, so there is no overlap to test for.)
            memcpy(base, name.utf8Start, nameCount)
            base[nameCount] = 0
            if length > 0 { memcpy(base + nameCount + 1, value.baseAddress!, length) }
            base[total - 1] = 0
            headerBytes.append(contentsOf: UnsafeBufferPointer(rebasing: line[..<total]))
        }
        return length
    }

    /// The longest header line laid out on the stack (above 1 KiB Swift asks the runtime
    /// whether the stack has room). A computed constant: a stored one is reached through its
    /// lazy initialiser's check.
    static var stackLineCapacity: Int { 1024 }

    public mutating func addHeader(_ name: String, _ value: String) {
        append(HTTPHeader(name, value))
    }

    /// Lends each header's NUL-terminated name and value, in order.
    func forEachHeader(_ body: (UnsafePointer<CChar>, UnsafePointer<CChar>) -> Void) {
        headerBytes.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self) else { return }
            var offset = 0
            while offset < bytes.count {
                let name = base + offset
                offset += strlen(name) + 1
                let value = base + offset
                offset += strlen(value) + 1
                body(name, value)
            }
        }
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
        case 422: return "Unprocessable Content"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 503: return "Service Unavailable"
        default: return nil
        }
    }
}
