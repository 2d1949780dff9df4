internal import CByteScan

/// Writes JSON exactly as Python's `json.dumps(..., sort_keys=True, ensure_ascii=True)` does,
/// in the two forms Flask uses: compact (`separators=(",", ":")`) inside session cookies and
/// pretty (`indent=2`, what `jsonify` sends when `app.json.compact = False`) in bodies.
public enum JSONWriter {
    public enum Style: Sendable {
        /// `{"a":1,"b":[2,3]}`: the session cookie payload.
        case compact
        /// Two-space indent, `": "` between key and value, a line per member: response bodies.
        case pretty
    }

    /// - Parameter indent: for `.pretty`, the indentation of the line the value starts on,
    ///   so a value can be written inside a document whose other parts are pre-rendered.
    package static func write(_ value: JSONValue, style: Style, indent: Int = 0, into output: inout some ByteSink) {
        switch style {
        case .compact: writeCompact(value, into: &output)
        case .pretty: writePretty(value, indent: indent, into: &output)
        }
    }

    package static func write(_ object: JSONObject, style: Style, into output: inout some ByteSink) {
        switch style {
        case .compact: writeCompactMembers(of: object, into: &output)
        case .pretty: writePretty(.object(object), indent: 0, into: &output)
        }
    }

    public static func bytes(_ value: JSONValue, style: Style) -> [UInt8] {
        var output: [UInt8] = []
        write(value, style: style, into: &output)
        return output
    }

    public static func string(_ value: JSONValue, style: Style) -> String {
        String(decoding: bytes(value, style: style), as: UTF8.self)
    }

    private static func writeCompact(_ value: JSONValue, into output: inout some ByteSink) {
        switch value {
        case .array(let items):
            output.append(UInt8(ascii: "["))
            for (position, item) in items.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                writeCompact(item, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            writeCompactMembers(of: object, into: &output)
        default:
            writeScalar(value, into: &output)
        }
    }

    private static func writeCompactMembers(of object: JSONObject, into output: inout some ByteSink) {
        output.append(UInt8(ascii: "{"))
        // Members read in place: iterating the array would copy (retain and release) each.
        object.members.withUnsafeBufferPointer { members in
            for index in members.indices {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                writeString(members[index].key, into: &output)
                output.append(UInt8(ascii: ":"))
                writeCompact(members[index].value, into: &output)
            }
        }
        output.append(UInt8(ascii: "}"))
    }

    private static func writePretty(_ value: JSONValue, indent: Int, into output: inout some ByteSink) {
        switch value {
        case .array(let items) where !items.isEmpty:
            output.append(UInt8(ascii: "["))
            for (position, item) in items.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                newline(indent: indent + 2, into: &output)
                writePretty(item, indent: indent + 2, into: &output)
            }
            newline(indent: indent, into: &output)
            output.append(UInt8(ascii: "]"))
        case .object(let object) where !object.isEmpty:
            output.append(UInt8(ascii: "{"))
            for (position, member) in object.members.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                newline(indent: indent + 2, into: &output)
                writeString(member.key, into: &output)
                output.append(UInt8(ascii: ":"))
                output.append(UInt8(ascii: " "))
                writePretty(member.value, indent: indent + 2, into: &output)
            }
            newline(indent: indent, into: &output)
            output.append(UInt8(ascii: "}"))
        default:
            writeCompact(value, into: &output)
        }
    }

    /// A line break and the deepest indentation written in one copy; deeper ones add spaces.
    private static let lineBreak = Array("\n".utf8) + [UInt8](repeating: UInt8(ascii: " "), count: 64)

    private static func newline(indent: Int, into output: inout some ByteSink) {
        let copied = min(indent, lineBreak.count - 1)
        lineBreak.withUnsafeBufferPointer { output.append(contentsOf: UnsafeBufferPointer(rebasing: $0[...copied])) }
        for _ in copied..<indent { output.append(UInt8(ascii: " ")) }
    }

    private static func writeScalar(_ value: JSONValue, into output: inout some ByteSink) {
        switch value {
        case .null: output.append(utf8: "null")
        case .bool(true): output.append(utf8: "true")
        case .bool(false): output.append(utf8: "false")
        case .integer(let number): writeInteger(number, into: &output)
        case .number(var text): text.withUTF8 { output.append(contentsOf: $0) }
        case .string(let text): writeString(text, into: &output)
        case .array, .object: writeCompact(value, into: &output)
        }
    }

    /// Decimal digits written from the stack (`String(number)` allocates on every call).
    /// (Inlinable, so that callers in other modules get a copy made for their sink.)
    @inlinable package static func writeInteger(_ number: Int64, into output: inout some ByteSink) {
        if number < 0 { output.append(UInt8(ascii: "-")) }
        var rest = number.magnitude
        // Digits counted a power of ten at a time for short numbers (a count is nearly always
        // short); a long one is first brought under 10,000 four, eight or sixteen digits at a
        // time (a six-digit count cost ~15 instructions more each time it was written).
        var digitCount = 1
        var high = rest
        if high >= 10_000 {
            if high >= 10_000_000_000_000_000 { digitCount += 16; high /= 10_000_000_000_000_000 }
            if high >= 100_000_000 { digitCount += 8; high /= 100_000_000 }
            if high >= 10_000 { digitCount += 4; high /= 10_000 }
        }
        var power: UInt64 = 10
        while high >= power {
            digitCount += 1
            power &*= 10
        }
        // Written where the output lends its memory, last digits first, two at a time from
        // a table: half the divisions (a count is signed and shown with every reply).
        output.append(count: digitCount) { digits in
            let pairs = twoDigitPairs.utf8Start
            var index = digitCount
            while rest >= 100 {
                let pair = Int(rest % 100) &* 2
                rest /= 100
                index -= 2
                digits[index] = pairs[pair]
                digits[index + 1] = pairs[pair + 1]
            }
            if rest >= 10 {
                digits[index - 2] = pairs[Int(rest) &* 2]
                digits[index - 1] = pairs[Int(rest) &* 2 + 1]
            } else {
                digits[index - 1] = UInt8(ascii: "0") + UInt8(rest)
            }
        }
    }

    /// "00" to "99", back to back.
    @usableFromInline static let twoDigitPairs: StaticString = """
        0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849\
        5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899
        """

    @usableFromInline static let hexDigits = Array("0123456789abcdef".utf8)

    /// `ensure_ascii`: printable ASCII stays, `"` and `\` and the usual controls get short
    /// escapes, everything else becomes `\uxxxx` (a surrogate pair above U+FFFF).
    /// (Inlinable, so that callers in other modules get a copy made for their sink.)
    @inlinable package static func writeString(_ text: String, into output: inout some ByteSink) {
        // Fast path: printable ASCII without `"` or `\\` is copied as it is. (Read through the
        // view, not a mutable copy, which would cost a retain and a release per string.)
        let copied = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard isPlainASCII(bytes) else { return false }
            output.append(UInt8(ascii: "\""))
            output.append(contentsOf: bytes)
            output.append(UInt8(ascii: "\""))
            return true
        }
        if copied == true { return }
        output.append(UInt8(ascii: "\""))
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22: writeShortEscape(0x22, into: &output)
            case 0x5C: writeShortEscape(0x5C, into: &output)
            case 0x0A: writeShortEscape(UInt8(ascii: "n"), into: &output)
            case 0x0D: writeShortEscape(UInt8(ascii: "r"), into: &output)
            case 0x09: writeShortEscape(UInt8(ascii: "t"), into: &output)
            case 0x08: writeShortEscape(UInt8(ascii: "b"), into: &output)
            case 0x0C: writeShortEscape(UInt8(ascii: "f"), into: &output)
            case 0x20...0x7E: output.append(UInt8(scalar.value))
            case 0x10000...:
                let offset = scalar.value - 0x10000
                writeUnicodeEscape(0xD800 + (offset >> 10), into: &output)
                writeUnicodeEscape(0xDC00 + (offset & 0x3FF), into: &output)
            default:
                writeUnicodeEscape(scalar.value, into: &output)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// `writeString` of text given as valid UTF-8 bytes, copied as they are when they need
    /// no escape.
    @inlinable package static func writeString(utf8 bytes: Span<UInt8>, into output: inout some ByteSink) {
        bytes.withUnsafeBufferPointer { writeString(utf8Bytes: $0, into: &output) }
    }

    @inlinable package static func writeString(utf8Bytes bytes: UnsafeBufferPointer<UInt8>, into output: inout some ByteSink) {
        guard isPlainASCII(bytes) else { return writeString(String(decoding: bytes, as: UTF8.self), into: &output) }
        output.append(UInt8(ascii: "\""))
        output.append(contentsOf: bytes)
        output.append(UInt8(ascii: "\""))
    }

    /// Whether every byte is printable ASCII other than `"` and `\\`: sixteen bytes at a time
    /// from 16 bytes on (SSE2, in C: `crumbs_is_plain_text`), else eight at a time with the
    /// word tricks of "Bit Twiddling Hacks" (a byte below n; a byte equal to n).
    /// The last bytes are tested as a word too: the final eight, overlapping, or for a
    /// shorter string its first and last four (or first, middle and last), as memcpy
    /// implementations read short copies, padded with `a`.
    @usableFromInline package static func isPlainASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return true }
        if bytes.count >= 16 { return crumbs_is_plain_text(base, bytes.count) }
        if bytes.count >= 8 {
            return isPlainASCII(word: UnsafeRawPointer(base).loadUnaligned(as: UInt64.self))
                && isPlainASCII(word: UnsafeRawPointer(base + bytes.count - 8).loadUnaligned(as: UInt64.self))
        }
        let raw = UnsafeRawPointer(base)
        if bytes.count >= 4 {
            let head = UInt64(raw.loadUnaligned(as: UInt32.self))
            let tail = UInt64(raw.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self))
            return isPlainASCII(word: head | tail << 32)
        }
        let (first, middle, last) = (UInt64(base[0]), UInt64(base[bytes.count / 2]), UInt64(base[bytes.count - 1]))
        return isPlainASCII(word: first | middle << 8 | last << 16 | 0x6161_6161_6100_0000)
    }

    private static func isPlainASCII(word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        func zeroBytes(_ word: UInt64) -> UInt64 { (word &- ones) & ~word }
        // One branch: the high bit of a byte is set where it is a control character,
        // non-ASCII, `"`, `\\` or DEL.
        let control = (word &- ones &* 0x20) & ~word
        let marked = control | word | zeroBytes(word ^ (ones &* 0x22)) | zeroBytes(word ^ (ones &* 0x5C)) | zeroBytes(word ^ (ones &* 0x7F))
        return marked & 0x8080_8080_8080_8080 == 0
    }

    /// A backslash and the letter that follows it.
    @usableFromInline static func writeShortEscape(_ letter: UInt8, into output: inout some ByteSink) {
        output.append(0x5C)
        output.append(letter)
    }

    @usableFromInline static func writeUnicodeEscape(_ unit: UInt32, into output: inout some ByteSink) {
        output.append(0x5C)
        output.append(UInt8(ascii: "u"))
        for shift in stride(from: 12, through: 0, by: -4) {
            output.append(hexDigits[Int((unit >> UInt32(shift)) & 0xF)])
        }
    }
}
