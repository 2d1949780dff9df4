import CrumbsSession

/// A setting that cannot work, said in words a user can act on.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
