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

/// One response header line. (A struct, not a tuple: arrays of tuples are copied and
/// destroyed through runtime metadata lookups, measurable on every request.)
public struct HTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
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
    func respond(to request: HTTPRequest) -> HTTPResponse
}
