/// Strings of up to 15 UTF-8 bytes made by earlier parses, each found again by comparing
/// two words: making a string from bytes costs several times more, and a session cookie's
/// keys and values are the same few strings on every request. Eight are kept, the oldest
/// replaced first. Not thread-safe: one per event loop, in the serializer that reads cookies.
public final class JSONStringCache {
    private struct Entry {
        /// The bytes, zero-padded to 16, with the length in the last.
        var words: (UInt64, UInt64)
        var string: String
    }

    private static let capacity = 8
    /// In raw memory rather than stored properties, so lookups pay no exclusivity checks.
    private let entries: UnsafeMutablePointer<Entry>
    private let oldest: UnsafeMutablePointer<Int>

    public init() {
        entries = .allocate(capacity: Self.capacity)
        entries.initialize(repeating: Entry(words: (0, 0), string: ""), count: Self.capacity)
        oldest = .allocate(capacity: 1)
        oldest.initialize(to: 0)
    }

    deinit {
        entries.deinitialize(count: Self.capacity)
        entries.deallocate()
        oldest.deallocate()
    }

    /// The string of `bytes`, which must be valid UTF-8: a cached one, or `String(decoding:)`.
    func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard bytes.count <= 15, let base = bytes.baseAddress else { return String(decoding: bytes, as: UTF8.self) }
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { raw in
            raw.baseAddress!.copyMemory(from: base, byteCount: bytes.count)
            raw[15] = UInt8(bytes.count)
        }
        for index in 0..<Self.capacity where entries[index].words == words {
            return entries[index].string
        }
        let string = String(decoding: bytes, as: UTF8.self)
        entries[oldest.pointee] = Entry(words: words, string: string)
        oldest.pointee = (oldest.pointee + 1) % Self.capacity
        return string
    }
}
