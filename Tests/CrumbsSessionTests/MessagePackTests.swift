import Testing

@testable import CrumbsSession

/// Every expected byte string is what msgspec 0.23 (Flask-Session 0.8's encoder) wrote for
/// the same Python value: `msgspec.msgpack.Encoder().encode(value).hex()`.
@Suite struct MessagePackTests {
    static func bytes(_ hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return result
    }

    static let vectors: [(MessagePackValue, String)] = [
        (.null, "c0"), (.bool(true), "c3"), (.bool(false), "c2"), (.int(0), "00"), (.int(127), "7f"), (.int(128), "cc80"),
        (.int(255), "ccff"), (.int(256), "cd0100"), (.int(65535), "cdffff"), (.int(65536), "ce00010000"),
        (.int(4_294_967_295), "ceffffffff"), (.int(4_294_967_296), "cf0000000100000000"),
        (.int(Int64.max), "cf7fffffffffffffff"), (.uint(1 << 63), "cf8000000000000000"), (.uint(UInt64.max), "cfffffffffffffffff"),
        (.int(-1), "ff"), (.int(-32), "e0"), (.int(-33), "d0df"), (.int(-128), "d080"), (.int(-129), "d1ff7f"),
        (.int(-32768), "d18000"), (.int(-32769), "d2ffff7fff"), (.int(-2_147_483_648), "d280000000"),
        (.int(-2_147_483_649), "d3ffffffff7fffffff"), (.int(Int64.min), "d38000000000000000"),
        (.float(1.0), "cb3ff0000000000000"), (.float(2.5), "cb4004000000000000"), (.float(-0.0), "cb8000000000000000"),
        (.string(""), "a0"), (.string(String(repeating: "a", count: 31)), "bf" + String(repeating: "61", count: 31)),
        (.string(String(repeating: "a", count: 32)), "d920" + String(repeating: "61", count: 32)),
        (.string(String(repeating: "b", count: 256)), "da0100" + String(repeating: "62", count: 256)),
        (.string("é😀"), "a6c3a9f09f9880"), (.binary([0, 255]), "c40200ff"),
        (.binary([UInt8](repeating: 0x78, count: 300)), "c5012c" + String(repeating: "78", count: 300)),
        (.array([.int(1), .string("a"), .null]), "9301a161c0"),
        (.array((0..<16).map { .int($0) }), "dc0010000102030405060708090a0b0c0d0e0f"),
        (.map([.init(.string("b"), .int(1)), .init(.string("a"), .array([.bool(true)]))]), "82a16201a16191c3"),
        (.map([.init(.int(1), .string("one")), .init(.int(-2), .string("minus two"))]), "8201a36f6e65fea96d696e75732074776f"),
        (.ext(type: -1, data: bytes("6b0cf4c0")), "d6ff6b0cf4c0"),
        (.ext(type: -1, data: bytes("1d6f28006b0cf4c0")), "d7ff1d6f28006b0cf4c0"),
        (.ext(type: -1, data: bytes("00000000ffffffff7c558180")), "c70cff00000000ffffffff7c558180"),
    ]

    @Test func writesMsgspecsBytesAndReadsThemBack() throws {
        for (value, hex) in Self.vectors {
            #expect(MessagePackEncoder.encode(value) == Self.bytes(hex), "\(value)")
            #expect(try MessagePackDecoder.decode(Self.bytes(hex)) == value, "\(hex)")
        }
    }

    @Test func readsForeignFormsMsgspecDoesNotWrite() throws {
        // float32, a signed form for a small positive number, a str8 for a short string.
        #expect(try MessagePackDecoder.decode(Self.bytes("ca3fc00000")) == .float(1.5))
        #expect(try MessagePackDecoder.decode(Self.bytes("d001")) == .int(1))
        #expect(try MessagePackDecoder.decode(Self.bytes("d90161")) == .string("a"))
    }

    @Test func refusesWhatIsNotOneValue() {
        for hex in ["", "c1", "a2 61", "93 01 02", "c0c0", "c5 ff ff", "df ffffffff", "a1ff", "dd ffffffff 00"] {
            let bytes = Self.bytes(hex.replacingOccurrences(of: " ", with: ""))
            #expect(throws: MessagePackError.self, "\(hex)") { try MessagePackDecoder.decode(bytes) }
        }
        let deep = [UInt8](repeating: 0x91, count: 100) + [0xC0]
        #expect(throws: MessagePackError.self) { try MessagePackDecoder.decode(deep) }
    }

    /// The lesson's session as Flask-Session 0.8 stores it (47 bytes).
    static let lesson = bytes("84aa5f7065726d616e656e74c3a568656c6c6fa5576f726c64a9676f6f646e69676874a44d6f6f6ea5636f756e7400")

    @Test func aStoredSessionKeepsItsOrderAndTheBytesOfWhatNoRouteTouched() throws {
        var session = try StoredSession(decoding: Self.lesson)
        #expect(session.keys == ["_permanent", "hello", "goodnight", "count"])
        #expect(session.encoded() == Self.lesson)
        session["count"] = .int(1)
        #expect(session.keys == ["_permanent", "hello", "goodnight", "count"])
        #expect(session.encoded() == Array(Self.lesson.dropLast()) + [0x01])
        // A float32 and a non-minimal integer stay as they were stored, beside a new member.
        let foreign = Self.bytes("82a166ca3fc00000a169d001")
        var kept = try StoredSession(decoding: foreign)
        kept["new"] = .binary([1])
        #expect(kept.encoded() == Self.bytes("83a166ca3fc00000a169d001a36e6577c40101"))
        kept["new"] = nil
        #expect(kept.encoded() == foreign)
        #expect(throws: MessagePackError.self) { try StoredSession(decoding: Self.bytes("8101a0")) }
        // A pickle, as older Flask-Session versions wrote: not msgpack at all.
        #expect(throws: MessagePackError.self) { try StoredSession(decoding: Array("\u{80}\u{04}\u{95}".utf8)) }
    }

    /// `skipValue` must accept and refuse exactly what `readValue` does, and end where it
    /// ends: the vectors, then mutations of them (bytes changed, cut, added), seeded.
    @Test func skippingAValueChecksItAsReadingItDoes() {
        var generator = SplitMix64(seed: testSeed(default: 23, "skippingAValueChecksItAsReadingItDoes"))
        let valid = Self.vectors.map { Self.bytes($0.1) } + [
            Self.lesson, Self.bytes("a2c3a9"), Self.bytes("a3eda080"), Self.bytes("a2c0af"), Self.bytes("91" + String(repeating: "91", count: 70) + "c0"),
        ]
        var checked = 0
        for original in valid {
            for round in 0..<400 {
                var bytes = original
                if round > 0 {
                    for _ in 0..<Int.random(in: 1...3, using: &generator) {
                        switch Int.random(in: 0..<4, using: &generator) {
                        case 0 where !bytes.isEmpty:
                            bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                        case 1 where !bytes.isEmpty:
                            bytes.removeLast(Int.random(in: 1...bytes.count, using: &generator))
                        case 2:
                            bytes.insert(UInt8.random(in: 0...255, using: &generator), at: Int.random(in: 0...bytes.count, using: &generator))
                        default:
                            bytes.append(contentsOf: [0xC3, 0xA9, 0x80, 0xFF].shuffled(using: &generator).prefix(2))
                        }
                    }
                }
                var reader = MessagePackDecoder(bytes, maximumDepth: 64)
                var skipper = MessagePackDecoder(bytes, maximumDepth: 64)
                let read = Result { () throws(MessagePackError) in try reader.readValue(depth: 0) }
                let skipped = Result { () throws(MessagePackError) in try skipper.skipValue(depth: 0) }
                switch (read, skipped) {
                case (.success, .success): #expect(reader.offset == skipper.offset, "\(bytes)")
                case (.failure, .failure): break
                default: Issue.record("read \(read), skipped \(skipped): \(bytes)")
                }
                checked += 1
            }
        }
        #expect(checked == valid.count * 400)
    }

    @Test func utf8IsCheckedAsTheStandardLibraryChecksIt() {
        var generator = SplitMix64(seed: testSeed(default: 29, "utf8IsCheckedAsTheStandardLibraryChecksIt"))
        let pieces: [[UInt8]] = [[0x61], [0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80], [0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0xEF, 0xBF, 0xBD]]
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...12, using: &generator) { bytes += pieces.randomElement(using: &generator)! }
            if !bytes.isEmpty && Bool.random(using: &generator) { bytes.removeLast() }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            #expect(MessagePackDecoder.isValidUTF8(bytes, 0..<bytes.count) == expected, "\(bytes)")
        }
    }

    @Test func truthIsPythonsForEveryForm() throws {
        // (msgpack of one value, bool() of what msgspec decodes it to in Python)
        let cases: [(String, Bool)] = [
            ("c0", false), ("c2", false), ("c3", true), ("00", false), ("01", true), ("7f", true), ("ff", true),
            ("e0", true), ("cc00", false), ("cd0100", true), ("d000", false), ("d3ffffffffffffffff", true),
            ("cf0000000000000000", false), ("ca00000000", false), ("cb0000000000000000", false),
            ("cb8000000000000000", false), ("cb3ff0000000000000", true), ("a0", false), ("a178", true), ("d900", false),
            ("d90178", true), ("c400", false), ("c40100", true), ("90", false), ("9100", true), ("dc0000", false),
            ("80", false), ("810000", true), ("de0000", false), ("d6ff00000000", true),
        ]
        for (hex, truth) in cases {
            let session = try StoredSession(decoding: Self.bytes("81a16b" + hex))
            #expect(session.isTruthy("k") == truth, "\(hex)")
            #expect(session["k"]?.isTruthy == truth, "\(hex)")
        }
        #expect(!StoredSession().isTruthy("k"))
    }

    @Test func aMemberEncodedOnceIsSetAsAnAssignmentWould() throws {
        var assigned = try StoredSession(decoding: Self.lesson)
        var set = assigned
        assigned["count"] = .int(7)
        set.set(StoredSession.Member(key: "count", value: .int(7)))
        #expect(set == assigned)
        assigned["new"] = .string("x")
        set.set(StoredSession.Member(key: "new", value: .string("x")))
        #expect(set.encoded() == assigned.encoded())
        #expect(set.keys == ["_permanent", "hello", "goodnight", "count", "new"])
    }

    @Test func jsonShowsEveryTypeInItsDocumentedForm() throws {
        let value = MessagePackValue.map([
            .init(.string("bytes"), .binary([0, 255])), .init(.string("when"), .ext(type: -1, data: Self.bytes("6b0cf4c0"))),
            .init(.string("other"), .ext(type: 5, data: [1])), .init(.int(1), .float(0.1 + 0.2)), .init(.string("big"), .uint(UInt64.max)),
            .init(.string("nan"), .float(.nan)),
        ])
        // json.dumps(..., sort_keys=True, separators=(",", ":")) of the Python equivalents.
        #expect(
            JSONWriter.string(value.json, style: .compact)
                == #"{"1":0.30000000000000004,"big":18446744073709551615,"bytes":{" b":"AP8="},"nan":NaN,"# + #""other":{" x":{"data":"AQ==","type":5}},"when":{" d":"Mon, 30 Nov 2026 04:00:00 GMT"}}"#)
    }

    @Test func jsonValuesBecomeWhatPythonsJSONWouldStore() throws {
        let parsed = try JSONParser.parse(#"{"a": [1, 2.5, "x", null, true], "big": 18446744073709551615, "f": 1e3}"#)
        let value = try MessagePackValue(json: parsed)
        // msgspec.msgpack.encode(json.loads(...)) with the keys in the JSON's sorted order.
        #expect(
            MessagePackEncoder.encode(value)
                == Self.bytes("83a1619501cb4004000000000000a178c0c3a3626967cfffffffffffffffffa166cb408f400000000000"))
        #expect(throws: MessagePackValue.Unstorable.self) {
            try MessagePackValue(json: try JSONParser.parse("18446744073709551616"))
        }
    }
}
