import Glibc

/// One response header, kept as the bytes a response stores it as (name, NUL, value, NUL),
/// so a header built once is added to each reply by copying them. A NUL inside the name or
/// value ends it there, as it would for evhttp, and cannot shift the headers after it.
public struct HTTPHeader: Sendable, Equatable {
    let bytes: [UInt8]

    public init(_ name: String, _ value: String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(name.utf8.count + value.utf8.count + 2)
        Self.appendUpToNUL(name, to: &bytes)
        Self.appendUpToNUL(value, to: &bytes)
        self.bytes = bytes
    }

    /// The string's bytes up to its first NUL, then a NUL, copied from its contiguous UTF-8
    /// (walking the UTF-8 view cost ~40 instructions a byte, and store mode builds a cookie
    /// header for each reply).
    private static func appendUpToNUL(_ string: String, to bytes: inout [UInt8]) {
        var string = string
        string.withUTF8 { appendUpToNUL($0, to: &bytes) }
    }

    /// `text` up to its first NUL (one memchr), then a NUL: how a header's name and value
    /// are stored, whether it is built once or written by the request.
    static func appendUpToNUL(_ text: UnsafeBufferPointer<UInt8>, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[..<lengthUpToNUL(text)]))
        bytes.append(0)
    }

    /// How many bytes of `text` come before its first NUL (all of them if it has none).
    static func lengthUpToNUL(_ text: UnsafeBufferPointer<UInt8>) -> Int {
        let nul = text.baseAddress.flatMap { memchr($0, 0, text.count) }
        return nul.map { UnsafeRawPointer(text.baseAddress!).distance(to: $0) } ?? text.count
    }
}
