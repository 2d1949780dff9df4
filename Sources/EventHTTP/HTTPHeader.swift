import Glibc

/// One response header, kept as the bytes a response stores it as (`HTTPHeader.writeEntry`),
/// so a header built once is added to each reply by copying them. A NUL inside the name or
/// value ends it there, as it would for evhttp, and cannot shift the headers after it.
public struct HTTPHeader: Sendable, Equatable {
    let bytes: [UInt8]

    public init(_ name: String, _ value: String) {
        var name = name
        var value = value
        bytes = name.withUTF8 { name in
            value.withUTF8 { value in
                let name = UnsafeBufferPointer(rebasing: name[..<Self.lengthUpToNUL(name)])
                let value = UnsafeBufferPointer(rebasing: value[..<Self.lengthUpToNUL(value)])
                return [UInt8](unsafeUninitializedCapacity: Self.entrySize(name.count, value.count)) { memory, count in
                    Self.writeEntry(name: name, value: value, to: memory.baseAddress!)
                    count = memory.count
                }
            }
        }
    }

    /// The bytes a header takes in a response: the name's and the value's lengths as
    /// `UInt32`s, so that the reply walks its headers without measuring them, then the
    /// name, NUL, value, NUL, as `evhttp_add_header` takes them.
    static func entrySize(_ nameCount: Int, _ valueCount: Int) -> Int { 8 + nameCount + valueCount + 2 }

    /// Writes `entrySize` bytes at `memory`: `name` and `value` hold no NUL.
    static func writeEntry(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>, to memory: UnsafeMutablePointer<UInt8>) {
        let raw = UnsafeMutableRawPointer(memory)
        raw.storeBytes(of: UInt32(name.count), as: UInt32.self)
        raw.storeBytes(of: UInt32(value.count), toByteOffset: 4, as: UInt32.self)
        // (memcpy: the entry is fresh memory, so there is no overlap to test for.)
        if let base = name.baseAddress { memcpy(memory + 8, base, name.count) }
        memory[8 + name.count] = 0
        if let base = value.baseAddress { memcpy(memory + 9 + name.count, base, value.count) }
        memory[9 + name.count + value.count] = 0
    }

    /// Lends each entry's NUL-terminated name and value, in order, from bytes made of entries.
    static func forEachEntry(in bytes: UnsafeRawBufferPointer, _ body: (UnsafePointer<CChar>, UnsafePointer<CChar>) -> Void) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let nameCount = Int(bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            let valueCount = Int(bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
            let name = (base + offset + 8).assumingMemoryBound(to: CChar.self)
            body(name, name + nameCount + 1)
            offset += entrySize(nameCount, valueCount)
        }
    }

    /// How many bytes of `text` come before its first NUL (all of them if it has none).
    static func lengthUpToNUL(_ text: UnsafeBufferPointer<UInt8>) -> Int {
        let nul = text.baseAddress.flatMap { memchr($0, 0, text.count) }
        return nul.map { UnsafeRawPointer(text.baseAddress!).distance(to: $0) } ?? text.count
    }
}
