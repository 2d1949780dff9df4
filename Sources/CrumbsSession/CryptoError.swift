/// Errors from libcrypto, which Crumbs only expects when the library itself is broken.
public struct CryptoError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public var description: String { "libcrypto failed in \(operation)" }
}
