/// Why a document is not JSON that Crumbs accepts.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    /// Byte offset in the input where the problem was found.
    public let offset: Int

    public var description: String { "\(message) at byte \(offset)" }
}
