#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The cookies of one request, in the order the client sent them, each name once.
///
/// Parsing follows Werkzeug's `parse_cookie` (the reader Flask uses) rather than the strict
/// grammar of RFC 6265 §4.2.1, because browsers and scripts send what §5.4 lets them and
/// the lesson's users compare Crumbs with Flask:
/// - pairs are split at `;`, a pair at its first `=`, and names and values are trimmed;
/// - a pair without `=` is a name with an empty value; a pair with an empty name is skipped;
/// - a value in double quotes loses them, and `\ooo` (octal) and `\x` escapes are undone;
/// - a repeated name keeps its first value (RFC 6265 §5.4 puts the most specific first).
///
/// Bytes are read as UTF-8 and invalid sequences become U+FFFD. (Werkzeug behind a WSGI
/// server decodes raw header bytes as Latin-1 instead, which garbles non-ASCII values.)
public struct RequestCookies: Equatable, Sendable, Sequence {
    /// A struct, not a tuple, for the same reason as `JSONObject.Member`.
    public struct Cookie: Equatable, Sendable {
        public let name: String
        public let value: String
    }

    public private(set) var pairs: [Cookie] = []

    public init() {}

    /// Parses every `Cookie` header line of a request as one list, joined with `;` as
    /// Werkzeug's `Request.cookies` does.
    public init(headerLines: [String]) {
        for var line in headerLines { line.withUTF8 { parse($0) } }
    }

    /// Adds the cookies of one more `Cookie` header line, given as its bytes.
    public mutating func parse(_ header: UnsafeBufferPointer<UInt8>) {
        parseLine(header)
    }

    public init(header: String) { self.init(headerLines: [header]) }

    public var isEmpty: Bool { pairs.isEmpty }
    public var count: Int { pairs.count }

    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    public func makeIterator() -> IndexingIterator<[Cookie]> { pairs.makeIterator() }

    public static func == (lhs: RequestCookies, rhs: RequestCookies) -> Bool { lhs.pairs == rhs.pairs }

    /// Names seen so far, built only once a header carries more than a few cookies, so the
    /// common case stays a short linear scan and 10,000 cookies do not take quadratic time.
    private var seenNames: Set<String>? = nil
    private static let linearScanLimit = 8

    private mutating func append(name: String, value: String) {
        if let seen = seenNames {
            guard !seen.contains(name) else { return }
            seenNames?.insert(name)
        } else {
            guard !pairs.contains(where: { $0.name == name }) else { return }
            if pairs.count == Self.linearScanLimit { seenNames = Set(pairs.map(\.name) + [name]) }
        }
        if pairs.isEmpty { pairs.reserveCapacity(4) }
        pairs.append(Cookie(name: name, value: value))
    }

    // `\s` of Werkzeug's pattern, which is compiled with re.ASCII.
    private static func isPatternSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    private mutating func parseLine(_ header: UnsafeBufferPointer<UInt8>) {
        let semicolon = UInt8(ascii: ";")
        let equals = UInt8(ascii: "=")
        let quote = UInt8(ascii: "\"")
        let backslash = UInt8(ascii: "\\")
        let end = header.count
        var index = 0
        while index < end {
            let nameStart = index
            while index < end, header[index] != equals, header[index] != semicolon { index += 1 }
            let name = header[nameStart..<index]
            var value = header[index..<index]
            if index < end, header[index] == equals {
                index += 1
                var valueStart = index
                while valueStart < end, Self.isPatternSpace(header[valueStart]) { valueStart += 1 }
                var pairEnd: Int? = nil
                if valueStart < end, header[valueStart] == quote {
                    // A quoted value may hold `;`, but only counts if `;` (or the end) follows it.
                    var cursor = valueStart + 1
                    while cursor < end, header[cursor] != quote {
                        cursor += header[cursor] == backslash && cursor + 1 < end ? 2 : 1
                    }
                    if cursor < end {
                        let closed = cursor + 1
                        var after = closed
                        while after < end, Self.isPatternSpace(header[after]) { after += 1 }
                        if after == end || header[after] == semicolon {
                            value = header[valueStart..<closed]
                            pairEnd = after
                        }
                    }
                }
                if let pairEnd {
                    index = pairEnd
                } else {
                    index = Self.firstIndex(of: semicolon, in: header, from: index)
                    value = header[valueStart..<index]
                }
            }
            index += 1
            let trimmedName = Self.strippedText(name, unquoting: false)
            guard !trimmedName.isEmpty else { continue }
            append(name: trimmedName, value: Self.strippedText(value, unquoting: true))
        }
    }

    /// `memchr`, for the scan to the end of a value (a session cookie's is ~100 bytes).
    private static func firstIndex(of byte: UInt8, in header: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard start < header.count, let base = header.baseAddress,
            let found = memchr(base + start, Int32(byte), header.count - start)
        else { return header.count }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// `str.strip()` of the bytes as text, then for values Werkzeug's unquoting. The ASCII
    /// part of the strip and the checks are done on the bytes, so the common case makes one
    /// string and looks at it no further.
    private static func strippedText(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, unquoting: Bool) -> String {
        let base = bytes.base
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isASCIIPythonSpace(base[start]) { start += 1 }
        while end > start, isASCIIPythonSpace(base[end - 1]) { end -= 1 }
        let trimmed = UnsafeBufferPointer(rebasing: base[start..<end])
        let text = String(decoding: trimmed, as: UTF8.self)
        guard let first = trimmed.first, let last = trimmed.last else { return text }
        if first >= 0x80 || last >= 0x80 {
            // Non-ASCII whitespace (U+00A0, U+3000, ...) may be left at an end.
            let stripped = pythonStrip(text)
            return unquoting ? unquote(stripped) : stripped
        }
        let quote = UInt8(ascii: "\"")
        return unquoting && trimmed.count >= 2 && first == quote && last == quote ? unquote(text) : text
    }

    /// The ASCII characters `str.isspace()` is true for.
    private static func isASCIIPythonSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte) || (0x1C...0x1F).contains(byte)
    }

    /// Python's `str.strip()`: removes what `str.isspace()` calls whitespace at both ends.
    static func pythonStrip(_ text: String) -> String {
        // Only non-ASCII whitespace can be left after `asciiTrimmed`; most values are ASCII.
        if let first = text.utf8.first, let last = text.utf8.last, first < 0x80, last < 0x80,
            !isPythonSpace(Unicode.Scalar(first)), !isPythonSpace(Unicode.Scalar(last))
        {
            return text
        }
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isPythonSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isPythonSpace($0) })!
        if first == scalars.startIndex && last == scalars.index(before: scalars.endIndex) { return text }
        return String(scalars[first...last])
    }

    static func isPythonSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// Removes the quotes of `"…"` and undoes `\ooo` and `\x` escapes, as Werkzeug's
    /// `_cookie_unslash_re` does on the UTF-8 bytes.
    static func unquote(_ value: String) -> String {
        guard value.utf8.count >= 2, value.utf8.first == UInt8(ascii: "\""), value.utf8.last == UInt8(ascii: "\"") else {
            return value
        }
        let bytes = Array(value.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count - 2)
        var index = 1
        let end = bytes.count - 1
        func isOctal(_ byte: UInt8, upTo limit: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= limit }
        while index < end {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < end else {
                output.append(byte)
                index += 1
                continue
            }
            if index + 3 < end, isOctal(bytes[index + 1], upTo: UInt8(ascii: "3")),
                isOctal(bytes[index + 2], upTo: UInt8(ascii: "7")), isOctal(bytes[index + 3], upTo: UInt8(ascii: "7"))
            {
                let digits = bytes[(index + 1)...(index + 3)].map { $0 - UInt8(ascii: "0") }
                output.append(digits[0] << 6 | digits[1] << 3 | digits[2])
                index += 4
            } else if bytes[index + 1] == UInt8(ascii: "\n") {
                output.append(byte)
                index += 1
            } else {
                output.append(bytes[index + 1])
                index += 2
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
