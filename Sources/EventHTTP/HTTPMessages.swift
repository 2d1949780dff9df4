/// The request methods evhttp parses (`enum evhttp_cmd_type`).
public enum HTTPMethod: String, Sendable, CaseIterable {
    case get = "GET"
    case head = "HEAD"
    case post = "POST"
    case put = "PUT"
    case delete = "DELETE"
    case options = "OPTIONS"
    case patch = "PATCH"
    case trace = "TRACE"
    case connect = "CONNECT"
}

/// One response header line, kept as the NUL-terminated bytes `evhttp_add_header` copies,
/// so a header built once (or written as bytes) reaches evhttp without conversion.
public struct HTTPHeader: Sendable, Equatable {
    let nameBytes: [UInt8]
    let valueBytes: [UInt8]

    public init(_ name: String, _ value: String) {
        self.init(nameBytes: Array(name.utf8) + [0], terminatedValueBytes: Array(value.utf8) + [0])
    }

    /// A header of the same name with another value, sharing the name's storage (for a
    /// header built on every request). The value already ends in its NUL terminator, and its
    /// buffer is shared, not copied, so a caller can keep it and write the next value into it
    /// once the reply has let go of this header.
    public func replacingValue(terminated valueBytes: [UInt8]) -> HTTPHeader {
        precondition(valueBytes.last == 0, "a terminated header value ends in NUL")
        return HTTPHeader(nameBytes: nameBytes, terminatedValueBytes: valueBytes)
    }

    private init(nameBytes: [UInt8], terminatedValueBytes: [UInt8]) {
        self.nameBytes = nameBytes
        self.valueBytes = terminatedValueBytes
    }

    /// The value's length in bytes.
    public var valueCount: Int { valueBytes.count - 1 }
}

/// What a handler answers. The transport adds `Date` and `Content-Length`, and frames the
/// body (none for `HEAD`, 204 and 304).
public struct HTTPResponse: Sendable {
    public var status: Int
    /// In the order they are sent; a name may repeat (`Set-Cookie`).
    public var headers: [HTTPHeader]
    public var body: [UInt8]

    public init(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public mutating func addHeader(_ name: String, _ value: String) {
        headers.append(HTTPHeader(name, value))
    }

    /// A body buffer larger than this is let go after its reply rather than kept for the next.
    static let retainedBodyCapacity = 64 * 1024

    /// Back to an empty 200, keeping the arrays' storage for the next reply (a large body's
    /// excepted, so one big reply does not pin its memory for the life of the loop).
    mutating func reset() {
        status = 200
        headers.removeAll(keepingCapacity: true)
        if body.capacity > Self.retainedBodyCapacity {
            body = []
        } else {
            body.removeAll(keepingCapacity: true)
        }
    }

    /// RFC 9110 §15 reason phrases for the statuses Crumbs sends.
    public static func reasonPhrase(for status: Int) -> String {
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
        default: return "Status \(status)"
        }
    }
}

/// Answers the requests of one event loop. A handler is created on its loop's thread and
/// only ever called there, so it may keep per-loop state (buffers, keyed MAC contexts)
/// without locks.
public protocol HTTPHandler: AnyObject {
    /// Writes the reply into `response`, which arrives as an empty 200 whose header and body
    /// arrays keep the storage of the loop's earlier replies: a handler that appends to them
    /// allocates nothing once the loop has warmed up. Assigning a whole response works too.
    func respond(to request: HTTPRequest, into response: inout HTTPResponse)
}
