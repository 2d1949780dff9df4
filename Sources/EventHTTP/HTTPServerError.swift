import Glibc

/// Why the server could not start.
public struct HTTPServerError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// The `errno` of the call that failed, if a call did: `EADDRINUSE` for a port taken.
    public let code: Int32?

    init(_ operation: String, errno code: Int32) {
        description = "\(operation): \(String(cString: strerror(code)))"
        self.code = code
    }

    init(_ message: String) {
        description = message
        code = nil
    }
}
