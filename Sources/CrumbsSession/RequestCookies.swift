internal import CByteScan
import Glibc

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
///
/// The names and values are kept as UTF-8 bytes, back to back in one buffer, so a request's
/// cookies cost no allocation once a buffer has grown (`removeAll` keeps it) and reach the
/// session decoder and the JSON writer without becoming strings.
public struct RequestCookies: Equatable, Sendable, Sequence {
    /// A struct, not a tuple, for the same reason as `JSONObject.Member`.
    public struct Cookie: Equatable, Sendable {
        public let name: String
        public let value: String
    }

    /// Every cookie's name and value, as valid UTF-8 (trimmed, unquoted and repaired), and
    /// where each lies; nil until the first cookie.
    private var storage: CookieStorage?

    /// Whether every name and value is known to be printable ASCII other than `"` and `\\`,
    /// which JSON writes as it is: true while every line parsed was (`false` is no answer).
    package private(set) var arePlainText = true

    public init() {}

    /// Parses every `Cookie` header line of a request as one list, joined with `;` as
    /// Werkzeug's `Request.cookies` does.
    public init(headerLines: [String]) {
        for var line in headerLines { line.withUTF8 { parseLine($0) } }
    }

    public init(header: String) { self.init(headerLines: [header]) }

    /// Adds the cookies of one more `Cookie` header line, given as its bytes.
    public mutating func parse(_ header: Span<UInt8>) {
        header.withUnsafeBufferPointer { parseLine($0) }
    }

    /// Forgets every cookie, keeping the memory for the next request's (unless a copy
    /// shares it).
    public mutating func removeAll() {
        if isKnownUniquelyReferenced(&storage) {
            storage?.removeAll()
        } else {
            storage = nil
        }
        seenNames = nil
        arePlainText = true
    }

    public var isEmpty: Bool { count == 0 }
    public var count: Int { storage?.extentCount ?? 0 }

    public var pairs: [Cookie] { Array(self) }

    public subscript(name: String) -> String? {
        withValue(named: name) { value in value.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) } }
    }

    /// Lends the UTF-8 bytes of the named cookie's value, if the request has that cookie.
    public func withValue<Result>(named name: String, _ body: (Span<UInt8>) -> Result) -> Result? {
        withValueAndPosition(named: name) { value, _ in body(value) }
    }

    /// `withValue(named:)`, also lending the cookie's position in the order `forEach` and
    /// `forEachPair` give the cookies.
    package func withValueAndPosition<Result>(named name: String, _ body: (Span<UInt8>, Int) -> Result) -> Result? {
        var name = name
        return name.withUTF8 { withValueAndPosition(namedUTF8: $0, body) }
    }

    /// `withValueAndPosition(named:)` of a name given as its UTF-8 bytes.
    package func withValueAndPosition<Result>(
        namedUTF8 name: UnsafeBufferPointer<UInt8>, _ body: (Span<UInt8>, Int) -> Result
    ) -> Result? {
        guard let cookies = storage?.contents else { return nil }
        var position = 0
        for extent in cookies.extents {
            if Self.isSame(cookies.name(of: extent), name) { return body(cookies.value(of: extent).span, position) }
            position += 1
        }
        return nil
    }

    /// Calls `body` with the UTF-8 bytes of each cookie's name and value, in order.
    public func forEach(_ body: (_ name: Span<UInt8>, _ value: Span<UInt8>) -> Void) {
        forEachInPlace { name, value in body(name.span, value.span) }
    }

    private func forEachInPlace(_ body: (_ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) -> Void) {
        guard let cookies = storage?.contents else { return }
        for extent in cookies.extents { body(cookies.name(of: extent), cookies.value(of: extent)) }
    }

    /// Each cookie's name and value where they are kept, with the bytes from the name's
    /// start to the value's end (the two, perhaps `=` and spaces between them): one piece
    /// that a writer can test once for needing no JSON escape.
    package func forEachPair(
        _ body: (_ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>, _ pair: UnsafeBufferPointer<UInt8>) -> Void
    ) {
        guard let cookies = storage?.contents else { return }
        for extent in cookies.extents {
            let name = cookies.name(of: extent)
            let value = cookies.value(of: extent)
            body(name, value, UnsafeBufferPointer(start: name.baseAddress, count: extent.valueEnd - extent.nameStart))
        }
    }

    public func makeIterator() -> IndexingIterator<[Cookie]> {
        var cookies: [Cookie] = []
        cookies.reserveCapacity(count)
        forEachInPlace { cookies.append(Cookie(name: String(decoding: $0, as: UTF8.self), value: String(decoding: $1, as: UTF8.self))) }
        return cookies.makeIterator()
    }

    public static func == (lhs: RequestCookies, rhs: RequestCookies) -> Bool { lhs.pairs == rhs.pairs }

    /// Names seen so far, built only once a header carries more than a few cookies, so the
    /// common case stays a short linear scan and 10,000 cookies do not take quadratic time.
    private var seenNames: Set<[UInt8]>? = nil
    private static let linearScanLimit = 8

    /// Whether no cookie of this name came earlier; the name is then noted as seen, since
    /// the caller adds it. `storage` is this line's, made unique.
    private mutating func isFirst(_ name: UnsafeBufferPointer<UInt8>, in storage: CookieStorage) -> Bool {
        if seenNames != nil { return seenNames!.insert(Array(name)).inserted }
        let cookies = storage.contents
        guard !cookies.extents.contains(where: { Self.isSame(cookies.name(of: $0), name) }) else { return false }
        if cookies.extents.count == Self.linearScanLimit {
            seenNames = Set(cookies.extents.map { Array(cookies.name(of: $0)) })
            seenNames!.insert(Array(name))
        }
        return true
    }

    /// Adds a cookie unless its name came earlier. `pair` (valid UTF-8) starts with the name,
    /// `nameCount` bytes, and ends with the value, from `valueOffset`: as it is in the header
    /// (`name=value`), copied in one piece. `storage` is this line's, made unique.
    private mutating func append(pair: UnsafeBufferPointer<UInt8>, nameCount: Int, valueOffset: Int, to storage: CookieStorage) {
        guard isFirst(UnsafeBufferPointer(rebasing: pair[..<nameCount]), in: storage) else { return }
        storage.append(pair: pair, nameCount: nameCount, valueOffset: valueOffset)
    }

    /// `append` of text that needed Unicode-aware stripping, unquoting or repair.
    private mutating func append(name: String, value: String, to storage: CookieStorage) {
        let pair = Array(name.utf8) + Array(value.utf8)
        pair.withUnsafeBufferPointer {
            append(pair: $0, nameCount: name.utf8.count, valueOffset: name.utf8.count, to: storage)
        }
    }

    /// The storage, made this value's own and ready for a line's cookies, lent without a
    /// reference of its own (a retain and a release a request): this value holds it, and
    /// does not let it go while a line is parsed.
    private mutating func uniqueStorage() -> Unmanaged<CookieStorage> {
        // (Asked before the reference is bound, which would be a second one.)
        if !isKnownUniquelyReferenced(&storage) {
            storage = storage?.copy() ?? CookieStorage(byteCapacity: 256, extentCapacity: 4)
        }
        return Unmanaged.passUnretained(storage.unsafelyUnwrapped)
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
        guard end > 0 else { return }
        let storage = uniqueStorage()
        if crumbs_is_plain_text(header.baseAddress, end) {
            return storage._withUnsafeGuaranteedRef { parsePlainLine(header, into: $0) }
        }
        arePlainText = false
        // Asked once of the whole line (nearly always ASCII), not of each pair.
        let lineIsASCII = Self.isASCII(header)
        var index = 0
        while index < end {
            let nameStart = index
            index = Self.firstEqualsOrSemicolon(in: header, from: index)
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
            storage._withUnsafeGuaranteedRef { appendStripped(name: name, value: value, lineIsASCII: lineIsASCII, to: $0) }
        }
    }

    /// `parseLine` of a line of printable ASCII without `"` or `\\`, as nearly every Cookie
    /// line is: no value can be quoted, the only whitespace to strip is the space, and each
    /// name and value is kept as it lies, so the line is copied once and a pair is found
    /// with two `memchr`s. (Callgrind, the lesson's two cookies: ~380 instructions fewer a
    /// request, with the JSON escape test of each cookie that this line's test spares.)
    private mutating func parsePlainLine(_ line: UnsafeBufferPointer<UInt8>, into storage: CookieStorage) {
        let base = line.baseAddress!
        let end = line.count
        let copy = storage.appendBytes(line)
        // The only whitespace such a line can hold is the space: trimmed by a comparison a
        // byte (`asciiTrimmed`, which asks `str.isspace()`'s question, cost ~35 instructions
        // more a request).
        let space = UInt8(ascii: " ")
        var index = 0
        while index < end {
            let pairEnd = Self.firstIndex(of: UInt8(ascii: ";"), in: line, from: index)
            let equals = Self.firstIndex(of: UInt8(ascii: "="), in: line, from: index, before: pairEnd)
            var (nameStart, nameEnd) = (index, equals)
            while nameStart < nameEnd, base[nameStart] == space { nameStart += 1 }
            while nameEnd > nameStart, base[nameEnd - 1] == space { nameEnd -= 1 }
            if nameStart < nameEnd, isFirst(UnsafeBufferPointer(start: base + nameStart, count: nameEnd - nameStart), in: storage) {
                var (valueStart, valueEnd) = (Swift.min(equals + 1, pairEnd), pairEnd)
                while valueStart < valueEnd, base[valueStart] == space { valueStart += 1 }
                while valueEnd > valueStart, base[valueEnd - 1] == space { valueEnd -= 1 }
                storage.appendExtent(
                    CookieStorage.Extent(
                        nameStart: copy + nameStart, nameEnd: copy + nameEnd, valueStart: copy + valueStart,
                        valueEnd: copy + valueEnd))
            }
            index = pairEnd + 1
        }
    }

    /// `str.strip()` of the name and the value as text, then Werkzeug's unquoting of the
    /// value; a pair whose name strips to nothing is skipped. The common case, ASCII with no
    /// quotes, is trimmed and stored as the bytes are.
    @inline(__always) private mutating func appendStripped(
        name: Slice<UnsafeBufferPointer<UInt8>>, value: Slice<UnsafeBufferPointer<UInt8>>, lineIsASCII: Bool,
        to storage: CookieStorage
    ) {
        let name = Self.asciiTrimmed(name)
        let value = Self.asciiTrimmed(value)
        let quote = UInt8(ascii: "\"")
        // ASCII and unquoted (the usual cookie): stored as the bytes are. Name and value lie
        // in the header in that order, so one test covers both, from the name's start to the
        // value's end (what lies between, `=` and perhaps spaces, is ASCII too). Whether
        // they need a JSON escape is the writer's question, asked once where it matters.
        let isASCII: Bool
        if lineIsASCII {
            isASCII = true
        } else if let nameBase = name.baseAddress, let valueBase = value.baseAddress, nameBase <= valueBase {
            isASCII = Self.isASCII(UnsafeBufferPointer(start: nameBase, count: nameBase.distance(to: valueBase) + value.count))
        } else {
            isASCII = Self.isASCII(name) && Self.isASCII(value)
        }
        let isQuoted = value.count >= 2 && value.first == quote && value.last == quote
        guard !isASCII || isQuoted else {
            // Both lie in the header, the value after the name (an absent value is an empty
            // slice where the pair ends).
            guard let nameBase = name.baseAddress, let valueBase = value.baseAddress, !name.isEmpty else { return }
            let valueOffset = nameBase.distance(to: valueBase)
            let pair = UnsafeBufferPointer(start: nameBase, count: valueOffset + value.count)
            append(pair: pair, nameCount: name.count, valueOffset: valueOffset, to: storage)
            return
        }
        let text = Self.pythonStrip(String(decoding: name, as: UTF8.self))
        guard !text.isEmpty else { return }
        append(name: text, value: Self.unquote(Self.pythonStrip(String(decoding: value, as: UTF8.self))), to: storage)
    }

    /// Without the ASCII characters `str.isspace()` is true for at either end.
    @inline(__always) private static func asciiTrimmed(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> UnsafeBufferPointer<UInt8> {
        let base = bytes.base
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isASCIIPythonSpace(base[start]) { start += 1 }
        while end > start, isASCIIPythonSpace(base[end - 1]) { end -= 1 }
        return UnsafeBufferPointer(rebasing: base[start..<end])
    }

    /// Whether every byte is below 0x80: sixteen at a time from 16 bytes on (a session
    /// cookie is ~100), the high bits gathered and tested once, the last vector overlapping
    /// the one before it; shorter ones as one or two overlapping words.
    private static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        let count = bytes.count
        let highs: UInt64 = 0x8080_8080_8080_8080
        if count >= 16 {
            var marks = SIMD16<UInt8>(repeating: 0)
            var index = 0
            while index + 16 <= count {
                marks |= raw.loadUnaligned(fromByteOffset: index, as: SIMD16<UInt8>.self)
                index &+= 16
            }
            marks |= raw.loadUnaligned(fromByteOffset: count - 16, as: SIMD16<UInt8>.self)
            let halves = unsafeBitCast(marks, to: SIMD2<UInt64>.self)
            return (halves[0] | halves[1]) & highs == 0
        }
        if count >= 8 {
            let marks = raw.loadUnaligned(as: UInt64.self) | raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            return marks & highs == 0
        }
        var marks: UInt8 = 0
        for byte in bytes { marks |= byte }
        return marks < 0x80
    }

    /// Where the name that starts at `start` ends: the first `=` or `;`, or the end. Eight
    /// bytes a step ("Bit Twiddling Hacks": a word has a zero byte; the lowest one found is
    /// exact), where a byte loop cost ~11 instructions a byte (callgrind).
    private static func firstEqualsOrSemicolon(in header: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let end = header.count
        guard start < end, let base = header.baseAddress else { return end }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var index = start
        while end - index >= 8 {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
            let equals = word ^ (ones &* UInt64(UInt8(ascii: "=")))
            let semicolon = word ^ (ones &* UInt64(UInt8(ascii: ";")))
            let found = ((equals &- ones) & ~equals | (semicolon &- ones) & ~semicolon) & highs
            if found != 0 { return index &+ found.trailingZeroBitCount / 8 }
            index &+= 8
        }
        while index < end, base[index] != UInt8(ascii: "="), base[index] != UInt8(ascii: ";") { index &+= 1 }
        return index
    }

    /// `memchr`, for the scan to the end of a value (a session cookie's is ~100 bytes): where
    /// `byte` first is from `start` on, before `end` (the line's end unless given), or `end`.
    private static func firstIndex(of byte: UInt8, in header: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        firstIndex(of: byte, in: header, from: start, before: header.count)
    }

    private static func firstIndex(of byte: UInt8, in header: UnsafeBufferPointer<UInt8>, from start: Int, before end: Int) -> Int {
        guard start < end, let base = header.baseAddress, let found = memchr(base + start, Int32(byte), end - start)
        else { return end }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// The ASCII characters `str.isspace()` is true for. (Anything above the space is
    /// none: one comparison for nearly every byte asked about.)
    private static func isASCIIPythonSpace(_ byte: UInt8) -> Bool {
        byte <= 0x20 && (byte == 0x20 || (0x09...0x0D).contains(byte) || (0x1C...0x1F).contains(byte))
    }

    /// Byte equality by length and `memcmp` (`elementsEqual` steps through both a byte at a
    /// time, for every cookie looked up or added).
    private static func isSame(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Bool {
        left.count == right.count && (left.isEmpty || memcmp(left.baseAddress!, right.baseAddress!, left.count) == 0)
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
