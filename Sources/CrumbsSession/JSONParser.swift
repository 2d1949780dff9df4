/// Reads JSON as Python's `json.loads` does (RFC 8259 plus `NaN`, `Infinity` and
/// `-Infinity`; a repeated key keeps its last value), with two limits Python lacks: the
/// input must be UTF-8 and nesting is capped, so that no document can exhaust the stack.
public struct JSONParser {
    /// Deeper documents are refused. Python gives up near 1,000 levels with a RecursionError.
    public static let defaultMaximumDepth = 64

    /// - Parameter cache: short strings made by earlier parses, reused when the same bytes
    ///   come again (a session cookie's keys and values do, request after request).
    public static func parse(
        _ bytes: some Collection<UInt8>, maximumDepth: Int = defaultMaximumDepth, cache: JSONStringCache? = nil
    ) throws(JSONParseError) -> JSONValue {
        if let parsed = bytes.withContiguousStorageIfAvailable({ input in
            Result { () throws(JSONParseError) in try parse(input, maximumDepth: maximumDepth, cache: cache) }
        }) {
            return try parsed.get()
        }
        return try Array(bytes).withUnsafeBufferPointer { (input) throws(JSONParseError) in
            try parse(input, maximumDepth: maximumDepth, cache: cache)
        }
    }

    private static func parse(
        _ input: UnsafeBufferPointer<UInt8>, maximumDepth: Int, cache: JSONStringCache?
    ) throws(JSONParseError) -> JSONValue {
        var parser = Parser(input: input, maximumDepth: maximumDepth, cache: cache)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == input.count else { throw parser.error("extra data after the JSON value") }
        return value
    }

    public static func parse(_ text: String, maximumDepth: Int = defaultMaximumDepth) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), maximumDepth: maximumDepth)
    }
}

/// The parsing itself: one pass over the bytes, reading values as it meets them.
extension JSONParser {
    fileprivate struct Parser {
        let input: UnsafeBufferPointer<UInt8>
        let maximumDepth: Int
        let cache: JSONStringCache?
        var index = 0
        /// Whether the last string parsed is its input bytes as they are (it had no escapes).
        var lastStringWasRaw = false

        init(input: UnsafeBufferPointer<UInt8>, maximumDepth: Int, cache: JSONStringCache?) {
            self.input = input
            self.maximumDepth = maximumDepth
            self.cache = cache
        }

        func error(_ message: String) -> JSONParseError { JSONParseError(message: message, offset: index) }

        var current: UInt8? { index < input.count ? input[index] : nil }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        }

        mutating func expect(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard input.count - index >= count else { return false }
            for offset in 0..<count where input[index + offset] != literal.utf8Start[offset] { return false }
            index += count
            return true
        }

        mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
            guard let byte = current else { throw error("expected a value, found the end") }
            switch byte {
            case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
            case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"):
                if expect("true") { return .bool(true) }
            case UInt8(ascii: "f"):
                if expect("false") { return .bool(false) }
            case UInt8(ascii: "n"):
                if expect("null") { return .null }
            case UInt8(ascii: "N"):
                if expect("NaN") { return .number("NaN") }
            case UInt8(ascii: "I"):
                if expect("Infinity") { return .number("Infinity") }
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return try parseNumber()
            default:
                break
            }
            throw error("expected a value")
        }

        mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
            guard depth <= maximumDepth else { throw error("nested deeper than \(maximumDepth) levels") }
            index += 1
            var object = JSONObject()
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                index += 1
                return .object(object)
            }
            // The bytes of the greatest key so far, when known (it had no escapes): a key after
            // it in byte order is appended without searching, as Flask's sorted keys all are.
            var greatestKey: UnsafeBufferPointer<UInt8>? = nil
            while true {
                guard current == UInt8(ascii: "\"") else { throw error("expected a key in double quotes") }
                let keyStart = index + 1
                let key = try parseString()
                let keyBytes = lastStringWasRaw ? UnsafeBufferPointer(rebasing: input[keyStart..<(index - 1)]) : nil
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw error("expected ':' after a key") }
                index += 1
                skipWhitespace()
                let value = try parseValue(depth: depth)
                if let keyBytes, object.isEmpty || greatestKey.map({ JSONObject.compareBytes($0, keyBytes) < 0 }) == true {
                    object.appendInOrder(key, value)
                    greatestKey = keyBytes
                } else {
                    // Not after the greatest key, which stays the greatest; or not known to be,
                    // and after an escaped key the greatest is no longer known.
                    object.set(key, value)
                    if keyBytes == nil { greatestKey = nil }
                }
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","):
                    index += 1
                    skipWhitespace()
                case UInt8(ascii: "}"):
                    index += 1
                    return .object(object)
                default:
                    throw error("expected ',' or '}' in an object")
                }
            }
        }

        mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
            guard depth <= maximumDepth else { throw error("nested deeper than \(maximumDepth) levels") }
            index += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            }
            while true {
                items.append(try parseValue(depth: depth))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","):
                    index += 1
                    skipWhitespace()
                case UInt8(ascii: "]"):
                    index += 1
                    return .array(items)
                default:
                    throw error("expected ',' or ']' in an array")
                }
            }
        }

        mutating func parseNumber() throws(JSONParseError) -> JSONValue {
            let start = index
            if current == UInt8(ascii: "-") {
                index += 1
                if expect("Infinity") { return .number("-Infinity") }
            }
            guard let first = current, isDigit(first) else { throw error("expected a digit") }
            index += 1
            if first != UInt8(ascii: "0") {
                while let byte = current, isDigit(byte) { index += 1 }
            }
            var isInteger = true
            if current == UInt8(ascii: "."), index + 1 < input.count, isDigit(input[index + 1]) {
                isInteger = false
                index += 1
                while let byte = current, isDigit(byte) { index += 1 }
            }
            if let byte = current, byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                var lookahead = index + 1
                if lookahead < input.count, input[lookahead] == UInt8(ascii: "+") || input[lookahead] == UInt8(ascii: "-") {
                    lookahead += 1
                }
                if lookahead < input.count, isDigit(input[lookahead]) {
                    isInteger = false
                    index = lookahead
                    while let byte = current, isDigit(byte) { index += 1 }
                }
            }
            // An integer of at most 18 digits fits in an Int64: read it without making a string.
            let negative = input[start] == UInt8(ascii: "-")
            if isInteger, index - start - (negative ? 1 : 0) <= 18 {
                var value: Int64 = 0
                for byte in UnsafeBufferPointer(rebasing: input[(negative ? start + 1 : start)..<index]) {
                    value = value * 10 + Int64(byte - UInt8(ascii: "0"))
                }
                return .integer(negative ? -value : value)
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: input[start..<index]), as: UTF8.self)
            if isInteger, let value = Int64(text) { return .integer(value) }
            return .number(text)
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        mutating func parseString() throws(JSONParseError) -> String {
            index += 1
            let start = index
            // Fast path: no escapes, so the bytes are the string. Read through the base pointer
            // (the scan checks the end itself), noting on the way whether all are ASCII.
            let base = input.baseAddress!
            var seen: UInt8 = 0
            while index < input.count {
                let byte = base[index]
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { break }
                guard byte >= 0x20 else { throw error("control character in a string") }
                seen |= byte
                index += 1
            }
            guard let stop = current else { throw error("unterminated string") }
            lastStringWasRaw = stop == UInt8(ascii: "\"")
            if lastStringWasRaw {
                let raw = UnsafeBufferPointer(rebasing: input[start..<index])
                index += 1
                if seen < 0x80 { return cache?.string(raw) ?? String(decoding: raw, as: UTF8.self) }
                guard let text = String(validating: raw, as: UTF8.self) else { throw error("string is not UTF-8") }
                return text
            }
            var bytes = Array(UnsafeBufferPointer(rebasing: input[start..<index]))
            while true {
                guard let byte = current else { throw error("unterminated string") }
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    guard let text = String(validating: bytes, as: UTF8.self) else { throw error("string is not UTF-8") }
                    return text
                case UInt8(ascii: "\\"):
                    index += 1
                    try parseEscape(into: &bytes)
                case ..<0x20:
                    throw error("control character in a string")
                default:
                    bytes.append(byte)
                    index += 1
                }
            }
        }

        mutating func parseEscape(into bytes: inout [UInt8]) throws(JSONParseError) {
            guard let byte = current else { throw error("unterminated escape") }
            index += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(byte)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try parseHex4()
                if (0xD800..<0xDC00).contains(scalar), expect("\\u") {
                    let low = try parseHex4()
                    if (0xDC00..<0xE000).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        // Not a pair: the high half stands alone and the second escape is read again.
                        index -= 6
                    }
                }
                // Python keeps lone surrogates; a Swift string cannot, so they become U+FFFD.
                let character = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                bytes.append(contentsOf: String(character).utf8)
            default:
                index -= 1
                throw error("invalid escape")
            }
        }

        mutating func parseHex4() throws(JSONParseError) -> UInt32 {
            guard input.count - index >= 4 else { throw error("truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = input[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw error("invalid \\u escape")
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }
    }
}
