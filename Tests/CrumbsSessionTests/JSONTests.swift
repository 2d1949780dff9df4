import Testing

@testable import CrumbsSession

@Suite struct JSONTests {
    @Test func writesFlaskPrettyForm() {
        let value: JSONValue = ["session": ["b": [], "a": [:], "c": [1, "x"]], "cookies": []]
        #expect(
            JSONWriter.string(value, style: .pretty) == """
                {
                  "cookies": [],
                  "session": {
                    "a": {},
                    "b": [],
                    "c": [
                      1,
                      "x"
                    ]
                  }
                }
                """)
    }

    @Test func writesCompactSortedForm() {
        let value: JSONValue = ["hello": "World", "count": 0, "goodnight": "Moon"]
        #expect(JSONWriter.string(value, style: .compact) == #"{"count":0,"goodnight":"Moon","hello":"World"}"#)
    }

    @Test func writesEveryInt64() {
        let value: JSONValue = [.integer(0), .integer(-7), .integer(Int64.max), .integer(Int64.min), .integer(10)]
        #expect(
            JSONWriter.string(value, style: .compact) == "[0,-7,9223372036854775807,-9223372036854775808,10]")
    }

    /// Every length of decimal, at the powers of ten where it changes, as Swift's own
    /// `String(_:)` writes them.
    @Test func writesIntegersOfEveryLength() {
        var numbers: [Int64] = [0, Int64.max, Int64.min, Int64.min + 1]
        var power: Int64 = 1
        for _ in 0...18 {
            numbers += [power, power - 1, power + 1, -power, -(power - 1)]
            if power <= Int64.max / 10 { power *= 10 }
        }
        for number in numbers {
            #expect(JSONWriter.string(.integer(number), style: .compact) == String(number), "\(number)")
        }
    }

    /// Random integers of every size, two digits at a time, as `String(_:)` writes them.
    @Test func writesRandomIntegersAsStringDoes() {
        var generator = SplitMix64(seed: testSeed(default: 41, "writesRandomIntegersAsStringDoes"))
        for _ in 0..<20_000 {
            let bits = Int.random(in: 0...63, using: &generator)
            let magnitude = Int64(bitPattern: (generator.next() >> UInt64(63 - bits)) >> 1)
            let number = Bool.random(using: &generator) ? magnitude : -magnitude
            #expect(JSONWriter.string(.integer(number), style: .compact) == String(number), "\(number)")
        }
    }

    @Test func readsIntegersOfEveryLength() throws {
        for text in ["0", "-0", "7", "-7", "123456789012345678", "-123456789012345678", "9223372036854775807",
            "-9223372036854775808", "1234567890123456789"]
        {
            #expect(try JSONParser.parse(text) == .integer(Int64(text)!), "\(text)")
        }
        #expect(try JSONParser.parse("9223372036854775808") == .number("9223372036854775808"))
        #expect(try JSONParser.parse("-9223372036854775809") == .number("-9223372036854775809"))
    }

    @Test func keysInAnyOrderEndUpSortedAndUnique() throws {
        let object = try JSONParser.parse(#"{"b":1,"a":2,"c":3,"a":4,"d":5}"#)
        #expect(JSONWriter.string(object, style: .compact) == #"{"a":4,"b":1,"c":3,"d":5}"#)
        // A key after the previous one but before the greatest; escaped keys among plain ones.
        let mixed = #"{"b":1,"a":2,"ab":3,"\u0061c":4,"aa":5,"b":6,"\u0062b":7,"ba":8,"a":9}"#
        #expect(
            JSONWriter.string(try JSONParser.parse(mixed), style: .compact)
                == #"{"a":9,"aa":5,"ab":3,"ac":4,"b":6,"ba":8,"bb":7}"#)
        // The same, every time, through a cache of the strings made.
        let cache = JSONStringCache()
        for _ in 0..<3 {
            #expect(JSONWriter.string(try JSONParser.parse(Array(mixed.utf8), cache: cache), style: .compact) == JSONWriter.string(try JSONParser.parse(mixed), style: .compact))
        }
    }

    /// Bytes written in place: into a fixed buffer's own memory while they fit, and into an
    /// array through a copy.
    @Test func bytesWrittenInPlaceLandAfterTheOthers() {
        func fill(_ buffer: UnsafeMutableBufferPointer<UInt8>) { for index in buffer.indices { buffer[index] = UInt8(ascii: "a") + UInt8(index) } }
        var array: [UInt8] = [1, 2]
        array.append(count: 3, writingWith: fill)
        #expect(array == [1, 2, 97, 98, 99])
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 6) { memory in
            var buffer = FixedByteBuffer(memory)
            [UInt8(1), 2].withUnsafeBufferPointer { buffer.append(contentsOf: $0) }
            buffer.append(count: 3, writingWith: fill)
            #expect(Array(buffer.written) == [1, 2, 97, 98, 99] && !buffer.overflowed)
            buffer.append(count: 2, writingWith: fill)
            #expect(Array(buffer.written) == [1, 2, 97, 98, 99] && buffer.overflowed)
        }
    }

    @Test func aFixedBufferTakesWhatFitsAndSaysWhenItDidNot() {
        /// What `write` leaves in a buffer of `capacity` bytes, nil if it overflowed.
        func written(capacity: Int, _ write: (inout FixedByteBuffer) -> Void) -> [UInt8]? {
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { memory in
                var buffer = FixedByteBuffer(memory)
                write(&buffer)
                return buffer.overflowed ? nil : Array(buffer.written)
            }
        }
        let fitted = written(capacity: 8) { buffer in
            buffer.append(utf8: "abc")
            buffer.append(UInt8(ascii: "d"))
            buffer.append(utf8: "efgh")
            #expect(buffer.count == 8 && !buffer.overflowed)
        }
        #expect(fitted == Array("abcdefgh".utf8))
        for overflowing: StaticString in ["123456789", "12345678\u{0}"] {
            #expect(written(capacity: 8) { $0.append(utf8: overflowing) } == nil)
        }
        let byteTooMany = written(capacity: 2) { buffer in
            buffer.append(1)
            buffer.append(2)
            buffer.append(3)
        }
        #expect(byteTooMany == nil)
    }

    @Test func theStringCacheNeverConfusesStrings() throws {
        let cache = JSONStringCache()
        // More distinct strings than it holds, lengths around its 15-byte limit, and strings
        // that differ only in length or in their last byte.
        let strings = (0..<40).map { String(repeating: "k", count: $0 % 18) + String($0 % 3) } + ["a", "a\u{0}", "é", "abcdefghijklmno", "abcdefghijklmnp"]
        for round in 0..<3 {
            for text in strings.shuffled() {
                let json = JSONWriter.bytes(.string(text), style: .compact)
                #expect(try JSONParser.parse(json, cache: cache) == .string(text), "\(text) in round \(round)")
            }
        }
    }

    @Test func plainASCIICheckAgreesWithTheByteRule() {
        // Every byte value at every position of strings around the eight-byte word and the
        // sixteen-byte vector sizes, and of a session cookie's length.
        for length in [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 47, 48, 49, 130] {
            for position in 0..<length {
                for byte in UInt8.min...UInt8.max {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    bytes[position] = byte
                    let expected = (0x20...0x7E).contains(byte) && byte != 0x22 && byte != 0x5C
                    #expect(bytes.withUnsafeBufferPointer { JSONWriter.isPlainASCII($0) } == expected)
                }
            }
        }
    }

    /// Random strings mixing plain bytes with any byte, each checked against the rule.
    @Test func plainASCIICheckAgreesWithTheByteRuleOnRandomStrings() {
        var generator = SplitMix64(seed: testSeed(default: 37, "plainASCIICheckAgreesWithTheByteRuleOnRandomStrings"))
        func isPlain(_ byte: UInt8) -> Bool { (0x20...0x7E).contains(byte) && byte != 0x22 && byte != 0x5C }
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...160, using: &generator)
            let bytes = (0..<length).map { _ in
                Int.random(in: 0..<4, using: &generator) == 0
                    ? UInt8.random(in: .min ... .max, using: &generator) : UInt8.random(in: 0x20...0x7E, using: &generator)
            }
            #expect(bytes.withUnsafeBufferPointer { JSONWriter.isPlainASCII($0) } == bytes.allSatisfy(isPlain), "\(bytes)")
        }
    }

    /// Whatever `write` writes reaches `consume` whole, on the stack or, past its capacity,
    /// in heap memory made as large as it takes.
    @Test func writtenBytesReachTheirConsumerWhole() {
        for length in [0, 1, FixedByteBuffer.stackCapacity - 1, FixedByteBuffer.stackCapacity, FixedByteBuffer.stackCapacity + 1, 4096, 4097, 70_000] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            var runs = 0
            let seen = bytes.withUnsafeBufferPointer { source in
                FixedByteBuffer.withWritten { buffer in
                    runs += 1
                    buffer.append(contentsOf: source)
                } _: { Array($0) }
            }
            #expect(seen == bytes, "\(length)")
            #expect(length <= FixedByteBuffer.stackCapacity ? runs == 1 : runs > 1, "\(length)")
        }
    }

    @Test func escapesLikeEnsureASCII() {
        let value: JSONValue = .string("é\"\\\n\r\t\u{08}\u{0C}\u{01}\u{7F}😀/")
        #expect(JSONWriter.string(value, style: .compact) == #""\u00e9\"\\\n\r\t\b\f\u0001\u007f\ud83d\ude00/""#)
    }

    @Test func sortsKeysByCodePoint() {
        let object = JSONObject([("é", 1), ("z", 2), ("Z", 3), ("a", 4), ("😀", 5), ("\u{FFFF}", 6)])
        #expect(object.keys == ["Z", "a", "z", "é", "\u{FFFF}", "😀"])
    }

    @Test func parsesWhatPythonWrites() throws {
        let value = try JSONParser.parse(#" {"a": [1, -0, 2.50, 1e400, NaN, -Infinity, 123456789012345678901234567890], "b": {"c": null, "d": true}, "a": "last"} "#)
        #expect(value == ["a": "last", "b": ["c": nil, "d": true]])
        let numbers = try JSONParser.parse("[1, -0, 2.50, 1e400, NaN, -Infinity, 123456789012345678901234567890]")
        #expect(
            numbers == .array([
                .integer(1), .integer(0), .number("2.50"), .number("1e400"), .number("NaN"), .number("-Infinity"),
                .number("123456789012345678901234567890"),
            ]))
    }

    @Test func decodesEscapesAndSurrogates() throws {
        #expect(try JSONParser.parse(#""\u00e9\ud83d\ude00\n\/""#) == .string("é😀\n/"))
        #expect(try JSONParser.parse(#""\ud800x""#) == .string("\u{FFFD}x"))
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "tru", "\"\u{01}\"", "[1] 2", "{'a': 1}", "\"\\x\""])
    func refusesInvalidDocuments(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func refusesInvalidUTF8AndDeepNesting() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        let allowed = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONParser.parse(allowed) }
    }

    @Test func roundTripsThroughBothWriters() throws {
        let value: JSONValue = ["k": [1, .number("2.5"), ["x": "é"], [], [:]], "n": nil]
        for style in [JSONWriter.Style.compact, .pretty] {
            #expect(try JSONParser.parse(JSONWriter.bytes(value, style: style)) == value)
        }
    }

    @Test func truthinessFollowsPython() {
        let falsy: [JSONValue] = [nil, false, 0, "", [], [:], .number("0.0"), .number("-0e5")]
        let truthy: [JSONValue] = [true, 1, "x", [nil], ["a": nil], .number("NaN"), .number("0.1")]
        #expect(falsy.allSatisfy { !$0.isTruthy })
        #expect(truthy.allSatisfy { $0.isTruthy })
    }
}

/// Python compares strings by code point; Swift's `==` by canonical equivalence, under which
/// precomposed "é" (U+00E9) equals "e" + U+0301. JSON keys and strings must compare as Python's.
@Suite struct JSONCodePointTests {
    static let precomposed = "\u{E9}"
    static let decomposed = "e\u{301}"

    @Test func canonicallyEqualKeysAreTwoMembersInASmallObject() throws {
        let parsed = try JSONParser.parse(#"{"\u00e9": 1, "e\u0301": 2}"#)
        guard case .object(let object) = parsed else { Issue.record("not an object"); return }
        #expect(object.count == 2)
        #expect(object[Self.precomposed] == .integer(1))
        #expect(object[Self.decomposed] == .integer(2))
        // `json.dumps(json.loads(...), sort_keys=True, separators=(",", ":"))`
        #expect(JSONWriter.string(parsed, style: .compact) == #"{"e\u0301":2,"\u00e9":1}"#)
    }

    @Test func canonicallyEqualKeysAreTwoMembersInALargeObject() throws {
        let members = (0..<9).map { "\"k\($0)\": \($0)" }.joined(separator: ", ")
        let parsed = try JSONParser.parse(#"{"\u00e9": 1, "# + members + #", "e\u0301": 2}"#)
        guard case .object(let object) = parsed else { Issue.record("not an object"); return }
        #expect(object.count == 11)
        #expect(
            JSONWriter.string(parsed, style: .compact)
                == #"{"e\u0301":2,"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"\u00e9":1}"#)
    }

    @Test func settingAKeyKeepsTheCanonicallyEqualOne() {
        for size in [0, 12] {
            var object = JSONObject((0..<size).map { ("k\($0)", .integer(Int64($0))) })
            object[Self.precomposed] = 1
            object[Self.decomposed] = 2
            object.set(Self.precomposed, 3)
            #expect(object.count == size + 2)
            #expect(object[Self.precomposed] == .integer(3) && object[Self.decomposed] == .integer(2))
            object[Self.decomposed] = nil
            #expect(object.count == size + 1 && object[Self.precomposed] == .integer(3))
        }
    }

    @Test func canonicallyEqualStringsAndKeysAreDifferentValues() {
        #expect(JSONValue.string(Self.precomposed) != JSONValue.string(Self.decomposed))
        #expect(JSONValue.object(JSONObject([(Self.precomposed, 1)])) != .object(JSONObject([(Self.decomposed, 1)])))
        #expect(JSONValue.string(Self.precomposed) == JSONValue.string("\u{E9}"))
    }
}
