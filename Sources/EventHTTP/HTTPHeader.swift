/// One response header, kept as the bytes a response stores it as (name, NUL, value, NUL),
/// so a header built once is added to each reply by copying them. A NUL inside the name or
/// value ends it there, as it would for evhttp, and cannot shift the headers after it.
public struct HTTPHeader: Sendable, Equatable {
    let bytes: [UInt8]

    public init(_ name: String, _ value: String) {
        bytes = Array(name.utf8.prefix { $0 != 0 }) + [0] + Array(value.utf8.prefix { $0 != 0 }) + [0]
    }
}
