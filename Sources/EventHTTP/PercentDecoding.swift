/// Percent-decoding of a request target's path (RFC 3986 §2.1).
public enum PercentDecoding {
    /// Decodes `%XX` escapes; nil if an escape is malformed or the result is not UTF-8.
    public static func decode(_ text: Substring) -> String? {
        decode(bytes: text.utf8)
    }

    public static func decode(bytes text: some Collection<UInt8>) -> String? {
        if let plain = text.withContiguousStorageIfAvailable({ isPlainASCII($0.span) ? String(decoding: $0, as: UTF8.self) : nil }),
            let plain
        {
            return plain
        }
        if !text.contains(UInt8(ascii: "%")) { return String(validating: text, as: UTF8.self) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count)
        var iterator = text.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Whether `decode` would return the bytes as they are: ASCII without `%`.
    public static func isPlainASCII(_ text: Span<UInt8>) -> Bool {
        text.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress else { return true }
            // Eight bytes at a time (a path is usually 5 to 20): a high bit, or a byte equal
            // to `%` (one whose XOR with it is zero: "Bit Twiddling Hacks").
            // A path of eight bytes or more ends with its last eight, overlapping the word
            // before them, instead of a byte at a time.
            let ones: UInt64 = 0x0101_0101_0101_0101
            func isPlain(wordAt offset: Int) -> Bool {
                let word = UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self)
                let percent = word ^ (ones &* 0x25)
                return (word | ((percent &- ones) & ~percent)) & 0x8080_8080_8080_8080 == 0
            }
            var index = 0
            while index + 8 <= bytes.count {
                guard isPlain(wordAt: index) else { return false }
                index += 8
            }
            if index < bytes.count && bytes.count >= 8 { return isPlain(wordAt: bytes.count - 8) }
            while index < bytes.count {
                guard bytes[index] < 0x80, bytes[index] != UInt8(ascii: "%") else { return false }
                index += 1
            }
            return true
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
