/// The URL-safe base64 alphabet of RFC 4648 §5 without `=` padding, as itsdangerous writes
/// every part of a session cookie.
public enum Base64URL {
    // Both tables are literals, placed in the binary by the compiler: a table computed at
    // run time is initialised lazily, which costs a check on every use.
    private static let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

    /// Each byte's 6-bit value, or 0xFF for a byte outside the alphabet (`Base64URLTests`
    /// derives it from the alphabet again).
    package static let values: [UInt8] = [
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x3E, 0xFF, 0xFF,
        0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E,
        0x0F, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0xFF, 0xFF, 0xFF, 0xFF, 0x3F,
        0xFF, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
        0x29, 0x2A, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F, 0x30, 0x31, 0x32, 0x33, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    ]

    /// Whether `byte` is one of the alphabet's 64 characters.
    public static func isAlphabetByte(_ byte: UInt8) -> Bool { values[Int(byte)] != 0xFF }

    public static func encode(_ bytes: some Collection<UInt8>, into output: inout [UInt8]) {
        if let done: Void = bytes.withContiguousStorageIfAvailable({ encode(UnsafeRawBufferPointer($0), into: &output) }) {
            return done
        }
        encode(Array(bytes), into: &output)
    }

    package static func encode(_ bytes: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        encode(bytes, appendingTo: &output)
    }

    /// Three bytes in, four characters out, straight from memory to the table to where the
    /// output lends its memory (appending a byte at a time costs several times more).
    static func encode(_ bytes: UnsafeRawBufferPointer, appendingTo output: inout some ByteSink) {
        let count = bytes.count
        let encodedCount = (count * 4 + 2) / 3
        output.append(count: encodedCount) { buffer in
            do {
                let alphabet = UnsafeBufferPointer(start: alphabet.utf8Start, count: alphabet.utf8CodeUnitCount)
                var target = 0
                var index = 0
                while index + 3 <= count {
                    let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
                    buffer[target] = alphabet[Int(chunk >> 18)]
                    buffer[target + 1] = alphabet[Int(chunk >> 12 & 0x3F)]
                    buffer[target + 2] = alphabet[Int(chunk >> 6 & 0x3F)]
                    buffer[target + 3] = alphabet[Int(chunk & 0x3F)]
                    target += 4
                    index += 3
                }
                switch count - index {
                case 1:
                    let chunk = UInt32(bytes[index]) << 16
                    buffer[target] = alphabet[Int(chunk >> 18)]
                    buffer[target + 1] = alphabet[Int(chunk >> 12 & 0x3F)]
                case 2:
                    let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
                    buffer[target] = alphabet[Int(chunk >> 18)]
                    buffer[target + 1] = alphabet[Int(chunk >> 12 & 0x3F)]
                    buffer[target + 2] = alphabet[Int(chunk >> 6 & 0x3F)]
                default:
                    break
                }
            }
        }
    }

    public static func encode(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        encode(bytes, into: &output)
        return output
    }

    public static func encodeToString(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: encode(bytes), as: UTF8.self)
    }

    /// Strict decoding: only the URL-safe alphabet, no padding, no whitespace, and unused
    /// low bits of the last character must be zero, so each byte string has exactly one
    /// accepted spelling. (Python's decoder is lenient on all of these; refusing them only
    /// affects hand-made cookies.)
    public static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        if let decoded = text.withContiguousStorageIfAvailable({ decode(bytes: $0) }) { return decoded }
        return Array(text).withUnsafeBufferPointer { decode(bytes: $0) }
    }

    package static func decode(bytes text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var output: [UInt8] = []
        return decode(bytes: text, replacing: &output) ? output : nil
    }

    /// Decodes into `output`, replacing what it held but keeping its capacity; false (and
    /// `output` unspecified) if the text is not strict base64url.
    package static func decode(bytes text: UnsafeBufferPointer<UInt8>, replacing output: inout [UInt8]) -> Bool {
        // Resized, not refilled: the bytes are all overwritten, and a buffer reused for
        // cookies of one size is then already the right size.
        let count = text.count * 3 / 4
        if output.count > count {
            output.removeLast(output.count - count)
        } else if output.count < count {
            output.append(contentsOf: repeatElement(0, count: count - output.count))
        }
        return output.withUnsafeMutableBufferPointer { decode(bytes: text, into: $0) } != nil
    }

    /// The bytes of strict base64url (as `decode(bytes:into:)` accepts it) read as one
    /// big-endian number, for at most 7 bytes (10 characters); nil for anything else. Six bits
    /// a character straight into one word, where decoding into bytes and folding them cost a
    /// cookie's timestamp ~60 instructions more a request.
    package static func decodeBigEndianInteger(bytes text: UnsafeBufferPointer<UInt8>) -> UInt64? {
        // 10 characters carry 60 bits, 7 whole bytes; 1, 5 or 9 leave a character over.
        guard text.count <= 10, text.count % 4 != 1 else { return nil }
        return values.withUnsafeBufferPointer { values -> UInt64? in
            var bits: UInt64 = 0
            var marks: UInt8 = 0
            for character in text {
                let value = values[Int(character)]
                marks |= value
                bits = bits << 6 | UInt64(value & 0x3F)
            }
            // As `decode`: any character outside the alphabet (0xFF), or bits of a last,
            // partial group that make no whole byte and are not zero, and it is refused.
            let unusedBits = UInt64(text.count * 6 % 8)
            guard marks < 64, bits & ((1 << unusedBits) - 1) == 0 else { return nil }
            return bits >> unusedBits
        }
    }

    /// Four characters in, three bytes out, straight into `buffer`, the table read through
    /// one pointer. Returns how many bytes were written, or nil if the text is not strict
    /// base64url or its bytes do not fit.
    package static func decode(bytes text: UnsafeBufferPointer<UInt8>, into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int? {
        let count = text.count
        guard count % 4 != 1, count * 3 / 4 <= buffer.count else { return nil }
        return values.withUnsafeBufferPointer { values -> Int? in
            // Every valid value is below 64 and the mark of an invalid one is 0xFF, so one
            // test of four values or'ed together finds any invalid character.
            func value(_ index: Int) -> UInt32 { UInt32(values[Int(text[index])]) }
            var index = 0
            var written = 0
            while index + 4 <= count {
                let (a, b, c, d) = (value(index), value(index + 1), value(index + 2), value(index + 3))
                guard a | b | c | d < 64 else { return nil }
                let chunk = a << 18 | b << 12 | c << 6 | d
                buffer[written] = UInt8(truncatingIfNeeded: chunk >> 16)
                buffer[written + 1] = UInt8(truncatingIfNeeded: chunk >> 8)
                buffer[written + 2] = UInt8(truncatingIfNeeded: chunk)
                index += 4
                written += 3
            }
            // The bits of a last, partial group that make no whole byte must be zero.
            switch count - index {
            case 2:
                let (first, second) = (value(index), value(index + 1))
                guard first | second < 64, second & 0x0F == 0 else { return nil }
                buffer[written] = UInt8(truncatingIfNeeded: first << 2 | second >> 4)
                written += 1
            case 3:
                let (first, second, third) = (value(index), value(index + 1), value(index + 2))
                guard first | second | third < 64, third & 0x03 == 0 else { return nil }
                let chunk = first << 12 | second << 6 | third
                buffer[written] = UInt8(truncatingIfNeeded: chunk >> 10)
                buffer[written + 1] = UInt8(truncatingIfNeeded: chunk >> 2)
                written += 2
            default:
                break
            }
            return written
        }
    }
}
