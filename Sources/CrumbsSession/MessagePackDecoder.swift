/// Reads msgpack: any value of the format, with nesting bounded so that hostile bytes in
/// Redis cannot exhaust the stack.
public struct MessagePackDecoder {
    private let bytes: [UInt8]
    private let maximumDepth: Int
    private(set) var offset = 0

    public init(_ bytes: [UInt8], maximumDepth: Int = 64) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    /// The one value `bytes` hold; refuses trailing bytes.
    public static func decode(_ bytes: [UInt8], maximumDepth: Int = 64) throws(MessagePackError) -> MessagePackValue {
        var decoder = MessagePackDecoder(bytes, maximumDepth: maximumDepth)
        let value = try decoder.readValue(depth: 0)
        guard decoder.offset == bytes.count else { throw MessagePackError("\(bytes.count - decoder.offset) bytes after the value") }
        return value
    }

    /// A map's members as the byte ranges of each key and value, in order, each key decoded
    /// and each value checked without being built: a session's untouched members are written
    /// back exactly as they were.
    public static func mapMembers(_ bytes: [UInt8], maximumDepth: Int = 64) throws(MessagePackError)
        -> [(key: MessagePackValue, keyBytes: Range<Int>, value: Range<Int>)]
    {
        var decoder = MessagePackDecoder(bytes, maximumDepth: maximumDepth)
        guard let count = try decoder.readMapHeader() else { throw MessagePackError("not a map") }
        guard count <= bytes.count / 2 else { throw MessagePackError("the value ends early") }
        var members: [(key: MessagePackValue, keyBytes: Range<Int>, value: Range<Int>)] = []
        members.reserveCapacity(count)
        for _ in 0..<count {
            let keyStart = decoder.offset
            let key = try decoder.readValue(depth: 1)
            let valueStart = decoder.offset
            try decoder.skipValue(depth: 1)
            members.append((key, keyStart..<valueStart, valueStart..<decoder.offset))
        }
        guard decoder.offset == bytes.count else { throw MessagePackError("\(bytes.count - decoder.offset) bytes after the map") }
        return members
    }

    /// Python's truth of the value `bytes` hold, when its first byte decides it (nil, the
    /// booleans, small integers, short strings, arrays and maps): nil for anything else,
    /// which is decoded instead. `bytes` must hold one whole valid value, as a session's
    /// members do (each was read or written whole).
    static func truthFromHeader(_ bytes: [UInt8]) -> Bool? {
        guard let first = bytes.first else { return nil }
        switch first {
        case 0x00: return false
        case 0x01...0x7F, 0xE0...0xFF: return true
        case 0xC0, 0xC2: return false
        case 0xC3: return true
        case 0x80, 0x90, 0xA0: return false
        case 0x81...0x8F, 0x91...0x9F, 0xA1...0xBF: return true
        default: return nil
        }
    }

    /// Moves past one value, checking it exactly as `readValue` would (throwing where it
    /// throws) but building nothing: a stored session's members are read only to find where
    /// each begins and ends (building them cost ~5,000 instructions a session).
    mutating func skipValue(depth: Int) throws(MessagePackError) {
        guard depth <= maximumDepth else { throw MessagePackError("nested deeper than \(maximumDepth) levels") }
        let first = try byte()
        switch first {
        case 0x00...0x7F, 0xC0, 0xC2, 0xC3, 0xE0...0xFF: return
        case 0x80...0x8F: try skipMap(count: Int(first & 0x0F), depth: depth)
        case 0x90...0x9F: try skipArray(count: Int(first & 0x0F), depth: depth)
        case 0xA0...0xBF: try skipString(count: Int(first & 0x1F))
        case 0xC4: try skip(Int(try unsigned(1)))
        case 0xC5: try skip(Int(try unsigned(2)))
        case 0xC6: try skip(Int(try unsigned(4)))
        case 0xC7: try skipExt(count: Int(try unsigned(1)))
        case 0xC8: try skipExt(count: Int(try unsigned(2)))
        case 0xC9: try skipExt(count: Int(try unsigned(4)))
        case 0xCC, 0xD0: try skip(1)
        case 0xCD, 0xD1: try skip(2)
        case 0xCA, 0xCE, 0xD2: try skip(4)
        case 0xCB, 0xCF, 0xD3: try skip(8)
        case 0xD4: try skipExt(count: 1)
        case 0xD5: try skipExt(count: 2)
        case 0xD6: try skipExt(count: 4)
        case 0xD7: try skipExt(count: 8)
        case 0xD8: try skipExt(count: 16)
        case 0xD9: try skipString(count: Int(try unsigned(1)))
        case 0xDA: try skipString(count: Int(try unsigned(2)))
        case 0xDB: try skipString(count: Int(try unsigned(4)))
        case 0xDC: try skipArray(count: Int(try unsigned(2)), depth: depth)
        case 0xDD: try skipArray(count: Int(try unsigned(4)), depth: depth)
        case 0xDE: try skipMap(count: Int(try unsigned(2)), depth: depth)
        case 0xDF: try skipMap(count: Int(try unsigned(4)), depth: depth)
        default: throw MessagePackError("0x\(String(first, radix: 16)) is no msgpack type")
        }
    }

    private mutating func skip(_ count: Int) throws(MessagePackError) {
        guard count >= 0, bytes.count - offset >= count else { throw MessagePackError("the value ends early") }
        offset += count
    }

    private mutating func skipString(count: Int) throws(MessagePackError) {
        try skip(count)
        guard Self.isValidUTF8(bytes, (offset - count)..<offset) else { throw MessagePackError("a string is not UTF-8") }
    }

    private mutating func skipExt(count: Int) throws(MessagePackError) {
        _ = try byte()
        try skip(count)
    }

    private mutating func skipArray(count: Int, depth: Int) throws(MessagePackError) {
        guard count <= bytes.count - offset else { throw MessagePackError("the value ends early") }
        for _ in 0..<count { try skipValue(depth: depth + 1) }
    }

    private mutating func skipMap(count: Int, depth: Int) throws(MessagePackError) {
        guard count <= (bytes.count - offset) / 2 else { throw MessagePackError("the value ends early") }
        for _ in 0..<count {
            try skipValue(depth: depth + 1)
            try skipValue(depth: depth + 1)
        }
    }

    /// Whether `bytes[range]` is UTF-8: ASCII eight bytes at a time (session strings nearly
    /// always are), else decoded, which repairs exactly what is not valid. (The standard
    /// library's `String(validating:as:)` is generic over the encoding and cost ~2,000
    /// instructions a string here.)
    static func isValidUTF8(_ bytes: [UInt8], _ range: Range<Int>) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            let text = UnsafeBufferPointer(rebasing: buffer[range])
            guard let base = text.baseAddress else { return true }
            var index = 0
            var high: UInt64 = 0
            while index + 8 <= text.count {
                high |= UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                index += 8
            }
            while index < text.count {
                high |= UInt64(text[index])
                index += 1
            }
            if high & 0x8080_8080_8080_8080 == 0 { return true }
            return String(decoding: text, as: UTF8.self).utf8.elementsEqual(text)
        }
    }

    private mutating func readMapHeader() throws(MessagePackError) -> Int? {
        let first = try byte()
        switch first {
        case 0x80...0x8F: return Int(first & 0x0F)
        case 0xDE: return Int(try unsigned(2))
        case 0xDF: return Int(try unsigned(4))
        default: return nil
        }
    }

    mutating func readValue(depth: Int) throws(MessagePackError) -> MessagePackValue {
        guard depth <= maximumDepth else { throw MessagePackError("nested deeper than \(maximumDepth) levels") }
        let first = try byte()
        switch first {
        case 0x00...0x7F: return .int(Int64(first))
        case 0x80...0x8F: return try readMap(count: Int(first & 0x0F), depth: depth)
        case 0x90...0x9F: return try readArray(count: Int(first & 0x0F), depth: depth)
        case 0xA0...0xBF: return try readString(count: Int(first & 0x1F))
        case 0xC0: return .null
        case 0xC2: return .bool(false)
        case 0xC3: return .bool(true)
        case 0xC4: return .binary(try take(Int(try unsigned(1))))
        case 0xC5: return .binary(try take(Int(try unsigned(2))))
        case 0xC6: return .binary(try take(Int(try unsigned(4))))
        case 0xC7: return try readExt(count: Int(try unsigned(1)))
        case 0xC8: return try readExt(count: Int(try unsigned(2)))
        case 0xC9: return try readExt(count: Int(try unsigned(4)))
        case 0xCA: return .float(Double(Float(bitPattern: UInt32(try unsigned(4)))))
        case 0xCB: return .float(Double(bitPattern: try unsigned(8)))
        case 0xCC: return .int(Int64(try unsigned(1)))
        case 0xCD: return .int(Int64(try unsigned(2)))
        case 0xCE: return .int(Int64(try unsigned(4)))
        case 0xCF:
            let value = try unsigned(8)
            return value <= UInt64(Int64.max) ? .int(Int64(value)) : .uint(value)
        case 0xD0: return .int(Int64(Int8(truncatingIfNeeded: try unsigned(1))))
        case 0xD1: return .int(Int64(Int16(truncatingIfNeeded: try unsigned(2))))
        case 0xD2: return .int(Int64(Int32(truncatingIfNeeded: try unsigned(4))))
        case 0xD3: return .int(Int64(bitPattern: try unsigned(8)))
        case 0xD4: return try readExt(count: 1)
        case 0xD5: return try readExt(count: 2)
        case 0xD6: return try readExt(count: 4)
        case 0xD7: return try readExt(count: 8)
        case 0xD8: return try readExt(count: 16)
        case 0xD9: return try readString(count: Int(try unsigned(1)))
        case 0xDA: return try readString(count: Int(try unsigned(2)))
        case 0xDB: return try readString(count: Int(try unsigned(4)))
        case 0xDC: return try readArray(count: Int(try unsigned(2)), depth: depth)
        case 0xDD: return try readArray(count: Int(try unsigned(4)), depth: depth)
        case 0xDE: return try readMap(count: Int(try unsigned(2)), depth: depth)
        case 0xDF: return try readMap(count: Int(try unsigned(4)), depth: depth)
        case 0xE0...0xFF: return .int(Int64(Int8(bitPattern: first)))
        default: throw MessagePackError("0x\(String(first, radix: 16)) is no msgpack type")
        }
    }

    private mutating func byte() throws(MessagePackError) -> UInt8 {
        guard offset < bytes.count else { throw MessagePackError("the value ends early") }
        offset += 1
        return bytes[offset - 1]
    }

    /// A big-endian unsigned integer of `count` bytes.
    private mutating func unsigned(_ count: Int) throws(MessagePackError) -> UInt64 {
        guard bytes.count - offset >= count else { throw MessagePackError("the value ends early") }
        var value: UInt64 = 0
        for index in offset..<(offset + count) { value = value << 8 | UInt64(bytes[index]) }
        offset += count
        return value
    }

    private mutating func take(_ count: Int) throws(MessagePackError) -> [UInt8] {
        guard count >= 0, bytes.count - offset >= count else { throw MessagePackError("the value ends early") }
        offset += count
        return Array(bytes[(offset - count)..<offset])
    }

    private mutating func readString(count: Int) throws(MessagePackError) -> MessagePackValue {
        try skip(count)
        let range = (offset - count)..<offset
        guard Self.isValidUTF8(bytes, range) else { throw MessagePackError("a string is not UTF-8") }
        return .string(bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) })
    }

    private mutating func readExt(count: Int) throws(MessagePackError) -> MessagePackValue {
        let type = Int8(bitPattern: try byte())
        return .ext(type: type, data: try take(count))
    }

    private mutating func readArray(count: Int, depth: Int) throws(MessagePackError) -> MessagePackValue {
        // Each element takes a byte at least: a count beyond what is left is a lie.
        guard count <= bytes.count - offset else { throw MessagePackError("the value ends early") }
        var items: [MessagePackValue] = []
        items.reserveCapacity(count)
        for _ in 0..<count { items.append(try readValue(depth: depth + 1)) }
        return .array(items)
    }

    private mutating func readMap(count: Int, depth: Int) throws(MessagePackError) -> MessagePackValue {
        guard count <= (bytes.count - offset) / 2 else { throw MessagePackError("the value ends early") }
        var pairs: [MessagePackValue.Pair] = []
        pairs.reserveCapacity(count)
        for _ in 0..<count {
            let key = try readValue(depth: depth + 1)
            pairs.append(MessagePackValue.Pair(key, try readValue(depth: depth + 1)))
        }
        return .map(pairs)
    }
}
