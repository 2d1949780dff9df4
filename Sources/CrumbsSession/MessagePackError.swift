/// Bytes that are not one msgpack value Crumbs can read.
public struct MessagePackError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String

    init(_ description: String) { self.description = description }
}
