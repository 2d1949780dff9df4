import CrumbsSession
import EventHTTP

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An access log in Common Log Format, one line per request:
/// `127.0.0.1 - - [26/Nov/2026:16:11:39 +0000] "GET /sessions/count HTTP/1.1" 200 290`.
///
/// `@unchecked Sendable`: the descriptor is written with one `write` per line, which the
/// kernel keeps whole for appends of this size, so loops need no lock between them.
public final class AccessLog: @unchecked Sendable {
    private let descriptor: Int32
    private let ownsDescriptor: Bool

    /// `path` is a file (appended to, created mode 0640) or `-` for standard output.
    public init(path: String) throws(ConfigurationError) {
        if path == "-" {
            descriptor = STDOUT_FILENO
            ownsDescriptor = false
        } else {
            descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
            guard descriptor >= 0 else {
                throw ConfigurationError("cannot open access log \(path): \(String(cString: strerror(errno)))")
            }
            ownsDescriptor = true
        }
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    func record(client: String, method: String, target: String, version: (major: Int, minor: Int), status: Int, bytes: Int, at time: Int64) {
        let size = bytes > 0 ? String(bytes) : "-"
        let line = "\(client) - - [\(Self.commonLogDate(time))] \"\(method) \(Self.escaped(target)) HTTP/\(version.major).\(version.minor)\" \(status) \(size)\n"
        _ = line.utf8CString.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count - 1) }
    }

    /// Quotes and control characters in the target would break the line's format.
    private static func escaped(_ target: String) -> String {
        guard target.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 >= 0x7F }) else { return target }
        var output = ""
        for byte in target.utf8 {
            if byte < 0x20 || byte == 0x22 || byte == 0x5C || byte >= 0x7F {
                let hex = String(byte, radix: 16)
                output += "\\x" + (hex.count == 1 ? "0" : "") + hex
            } else {
                output.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return output
    }

    /// `26/Nov/2026:16:11:39 +0000`, from the IMF-fixdate of the same instant.
    static func commonLogDate(_ time: Int64) -> String {
        // "Thu, 26 Nov 2026 16:11:39 GMT"
        let parts = HTTPDate.format(epochSeconds: time).split(separator: " ")
        return "\(parts[1])/\(parts[2])/\(parts[3]):\(parts[4]) +0000"
    }
}

/// Who the client is and how it connected, believing `X-Forwarded-For` and
/// `X-Forwarded-Proto` only from the proxies given with `--trusted-proxy`.
struct ClientOrigin {
    let address: String
    let isHTTPS: Bool

    init(request: HTTPRequest, trustedProxies: Set<String>) {
        let peer = request.peerAddress
        guard trustedProxies.contains(peer) else {
            address = peer
            isHTTPS = false
            return
        }
        // The nearest address not one of ours is the client (proxies append on the right).
        let forwarded = request.headerValues("X-Forwarded-For")
            .flatMap { $0.split(separator: ",") }
            .map { String($0.trimmingSpaces()) }
        address = forwarded.reversed().first { !trustedProxies.contains($0) } ?? forwarded.first ?? peer
        isHTTPS = request.header("X-Forwarded-Proto")?.lowercased() == "https"
    }
}
