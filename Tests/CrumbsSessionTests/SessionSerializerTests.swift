import Testing

@testable import CrumbsSession

/// itsdangerous vectors for the lesson's secret key, computed with itsdangerous 2.2.0
/// (the interop suite re-checks the format against Flask itself on every run).
@Suite struct SessionSerializerTests {
    /// The lesson's 16-byte key, `bytes.fromhex("3f77855a0851bd4fb8a9b6354b6aa95f")`.
    static let lessonKey: [UInt8] = [
        0x3F, 0x77, 0x85, 0x5A, 0x08, 0x51, 0xBD, 0x4F, 0xB8, 0xA9, 0xB6, 0x35, 0x4B, 0x6A, 0xA9, 0x5F,
    ]
    static let signedAt: Int64 = 1_700_000_000
    static let count0 = "eyJjb3VudCI6MCwiZ29vZG5pZ2h0IjoiTW9vbiIsImhlbGxvIjoiV29ybGQifQ.ZVPxAA.TLlHrxjFXkf2SCUAHKdJjFBjaCY"
    static let count1 = "eyJjb3VudCI6MSwiZ29vZG5pZ2h0IjoiTW9vbiIsImhlbGxvIjoiV29ybGQifQ.ZVPxAA.6CHD_IJT3Tas9HSuC-EXBZvvYZY"
    static let lessonSession = JSONObject([("hello", "World"), ("goodnight", "Moon"), ("count", 0)])

    func serializer(keys: [[UInt8]] = [lessonKey], lifetime: Int64 = SessionSerializer.flaskLifetimeSeconds) throws
        -> SessionSerializer
    {
        try SessionSerializer(secretKeys: keys, lifetimeSeconds: lifetime)
    }

    @Test func derivesTheKeyWithHMACOverTheSalt() {
        let derived = SessionSerializer.derivedKey(secret: Self.lessonKey, salt: SessionSerializer.flaskSalt)
        #expect(derived.map { String($0, radix: 16).leftPadded(to: 2) }.joined() == "392bade37947f07841cda9faf4168ee64f6c8275")
    }

    @Test func signsTheKnownVectors() throws {
        let serializer = try serializer()
        #expect(serializer.encode(Self.lessonSession, now: Self.signedAt) == Self.count0)
        var counted = Self.lessonSession
        counted["count"] = 1
        #expect(serializer.encode(counted, now: Self.signedAt) == Self.count1)
    }

    @Test func verifiesTheKnownVectors() throws {
        let session = try serializer().decode(Self.count1, now: Self.signedAt + 10)
        #expect(session.values["count"] == 1)
        #expect(session.values["hello"] == "World")
        #expect(session.timestamp == Self.signedAt)
        #expect(session.keyIndex == 0)
        #expect(!session.wasCompressed)
    }

    @Test func compressesWhenShorterAndReadsItBack() throws {
        let serializer = try serializer()
        let big = JSONObject([("list", .array(Array(repeating: "crumb", count: 200)))])
        let cookie = serializer.encode(big, now: Self.signedAt)
        #expect(cookie.hasPrefix("."))
        let session = try serializer.decode(cookie, now: Self.signedAt)
        #expect(session.wasCompressed)
        #expect(session.values == big)
    }

    /// A cookie longer than the stack buffer it is first written into is written again into
    /// the array, whole: it still verifies and reads back.
    @Test func aCookiePastTheStackBufferIsWhole() throws {
        let serializer = try serializer()
        // Incompressible: each value is its index's digits, scrambled.
        let values = JSONObject((0..<150).map { ("k\($0)", .string(String(($0 &* 2_654_435_761) % 1_000_003, radix: 36) + "\($0 * 7919)")) })
        let cookie = serializer.encode(values, now: Self.signedAt)
        #expect(cookie.utf8.count > FixedByteBuffer.stackCapacity)
        #expect(try serializer.decode(cookie, now: Self.signedAt).values == values)
        var appended = Array("prefix=".utf8)
        serializer.encode(values, now: Self.signedAt, into: &appended)
        #expect(appended == Array("prefix=".utf8) + Array(cookie.utf8))
    }

    @Test func refusesEveryKindOfTampering() throws {
        let serializer = try serializer()
        let now = Self.signedAt + 1
        var flipped = Array(Self.count0.utf8)
        flipped[3] = flipped[3] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(throws: SessionCookieRejection.badSignature) {
            try serializer.decode(String(decoding: flipped, as: UTF8.self), now: now)
        }
        // "Y" and "Z" differ only in the last character's unused bits: another spelling of
        // the same signature, refused as malformed.
        #expect(throws: SessionCookieRejection.malformed) {
            try serializer.decode(Self.count0.replacingLast("Y", with: "Z"), now: now)
        }
        #expect(throws: SessionCookieRejection.badSignature) {
            try serializer.decode(Self.count0.replacingLast("j", with: "k"), now: now)
        }
        for malformed in ["", "abc", "a.b", "..", Self.count0 + "=", Self.count0 + ".", "!" + Self.count0] {
            #expect(throws: SessionCookieRejection.self) { try serializer.decode(malformed, now: now) }
        }
        let otherKey = try self.serializer(keys: [Array("another secret key of 32 bytes!!".utf8)])
        #expect(throws: SessionCookieRejection.badSignature) { try otherKey.decode(Self.count0, now: now) }
        // The signature's dot is looked for 28 bytes from the end first: a dot inside the
        // last 27 characters, there or not, leaves no 27-character signature, as with
        // itsdangerous' `rsplit`.
        let bytes = Array(Self.count0.utf8)
        for position in (bytes.count - 27)..<bytes.count {
            var dotted = bytes
            dotted[position] = UInt8(ascii: ".")
            #expect(throws: SessionCookieRejection.malformed) {
                try serializer.decode(String(decoding: dotted, as: UTF8.self), now: now)
            }
        }
        var moved = bytes
        moved.remove(at: bytes.count - 28)
        moved.insert(UInt8(ascii: "."), at: bytes.count - 27)
        #expect(throws: SessionCookieRejection.self) { try serializer.decode(String(decoding: moved, as: UTF8.self), now: now) }
    }

    @Test func enforcesTheLifetimeAndRefusesTheFuture() throws {
        let serializer = try serializer(lifetime: 60)
        #expect(throws: Never.self) { try serializer.decode(Self.count0, now: Self.signedAt + 60) }
        #expect(throws: SessionCookieRejection.expired(ageSeconds: 61)) {
            try serializer.decode(Self.count0, now: Self.signedAt + 61)
        }
        #expect(throws: SessionCookieRejection.notYetValid) { try serializer.decode(Self.count0, now: Self.signedAt - 1) }
    }

    @Test func verifiesWithOlderKeysAndSignsWithTheFirst() throws {
        let newKey = Array("a brand new secret key for 2026!".utf8)
        let rotated = try serializer(keys: [newKey, Self.lessonKey])
        let session = try rotated.decode(Self.count0, now: Self.signedAt)
        #expect(session.keyIndex == 1)
        let resigned = rotated.encode(session.values, now: Self.signedAt)
        #expect(try rotated.decode(resigned, now: Self.signedAt).keyIndex == 0)
        #expect(throws: SessionCookieRejection.badSignature) { try serializer().decode(resigned, now: Self.signedAt) }
    }

    @Test func refusesPayloadsThatAreNotObjectsOrTooDeep() throws {
        let serializer = try serializer()
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        for payload in ["[1,2]", "\"text\"", "{\"a\":" + deep + "}", "{bad json"] {
            let cookie = sign(payload: Array(payload.utf8), with: Self.lessonKey, at: Self.signedAt)
            #expect(throws: SessionCookieRejection.self) { try serializer.decode(cookie, now: Self.signedAt) }
        }
    }

    @Test func stopsADecompressionBomb() throws {
        let serializer = try SessionSerializer(secretKeys: [Self.lessonKey], inflateLimit: 64 * 1024)
        let bomb = Zlib().compress(Array("{\"a\":\"".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 1_000_000) + Array("\"}".utf8))
        #expect(bomb.count < 4096)
        let cookie = sign(payload: bomb, with: Self.lessonKey, at: Self.signedAt, compressed: true)
        #expect(throws: SessionCookieRejection.self) { try serializer.decode(cookie, now: Self.signedAt) }
    }

    @Test func checksTheSignatureBeforeInflating() throws {
        let serializer = try serializer()
        let corrupt: [UInt8] = [0x78, 0x9C, 0xFF, 0xFF, 0xFF]
        let signed = sign(payload: corrupt, with: Self.lessonKey, at: Self.signedAt, compressed: true)
        #expect(throws: SessionCookieRejection.badPayload("the compressed payload is not valid zlib or inflates past \(SessionSerializer.defaultInflateLimit) bytes")) {
            try serializer.decode(signed, now: Self.signedAt)
        }
        let forged = sign(payload: corrupt, with: Array("another key, also sixteen".utf8), at: Self.signedAt, compressed: true)
        #expect(throws: SessionCookieRejection.badSignature) { try serializer.decode(forged, now: Self.signedAt) }
    }

    @Test func readsBytesInPlaceAsItReadsStringsAndReusesItsBuffer() throws {
        let serializer = try serializer()
        for cookie in [Self.count1, Self.count0, serializer.encode(JSONObject([("list", .array(Array(repeating: "crumb", count: 200)))]), now: Self.signedAt), Self.count1] {
            let fromBytes = try Array(cookie.utf8).withUnsafeBufferPointer { try serializer.decode($0, now: Self.signedAt) }
            #expect(fromBytes == (try serializer.decode(cookie, now: Self.signedAt)))
        }
    }

    @Test func readsCookiePartsWithoutAKey() throws {
        let parts = try SessionCookieParts.parse(Self.count1, zlib: Zlib(), inflateLimit: 1024)
        #expect(parts.timestamp == Self.signedAt)
        #expect(try parts.payload()["count"] == 1)
    }

    @Test func timestampBytesDropLeadingZeros() {
        #expect(SessionSerializer.bigEndianMinimalBytes(1_700_000_000) == [0x65, 0x53, 0xF1, 0x00])
        #expect(SessionSerializer.bigEndianMinimalBytes(255) == [0xFF])
        #expect(SessionSerializer.bigEndianMinimalBytes(0) == [])
        #expect(SessionSerializer.bigEndianMinimalBytes(Int64.max) == [0x7F] + Array(repeating: 0xFF, count: 7))
    }

    /// itsdangerous' `base64_encode(int_to_bytes(t))`, computed in Python, read back.
    @Test func readsTimestampsAsItsdangerousWritesThem() {
        let vectors: [(String, Int64)] = [
            ("", 0), ("_w", 255), ("AQA", 256), ("ZVPxAA", 1_700_000_000), ("aSzagA", 1_764_547_200),
            ("_________w", 72_057_594_037_927_935), ("AQAAAAAAAA", 281_474_976_710_656),
        ]
        for (text, expected) in vectors {
            #expect(Array(text.utf8).withUnsafeBufferPointer { SessionSerializer.timestamp(base64URL: $0) } == expected, "\(text)")
        }
    }

    /// A timestamp is read with `Base64URL.decode`'s strictness: for every string of up to 12
    /// characters over part of the alphabet, characters outside it, and the last character's
    /// unused bits set or not, it is the decoded bytes' big-endian number, or nil where the
    /// decoder refuses the text or it decodes to more than 7 bytes.
    @Test func readsTimestampsAsTheDecoderDecodes() {
        let characters = Array("AQgw_-9azZ.=+/ ".utf8) + [0x80, 0xFF, 0x00]
        var generator = SplitMix64(seed: testSeed(default: 12, "readsTimestampsAsTheDecoderDecodes"))
        for _ in 0..<20_000 {
            let text = (0..<Int.random(in: 0...12, using: &generator)).map { _ in characters.randomElement(using: &generator)! }
            let expected: Int64? = Base64URL.decode(text).flatMap { bytes in
                bytes.count <= 7 ? bytes.reduce(Int64(0)) { $0 << 8 | Int64($1) } : nil
            }
            let read = text.withUnsafeBufferPointer { SessionSerializer.timestamp(base64URL: $0) }
            #expect(read == expected, "\(String(decoding: text, as: UTF8.self))")
        }
    }

    /// Builds a cookie around any payload bytes, signed as itsdangerous signs.
    func sign(payload: [UInt8], with key: [UInt8], at time: Int64, compressed: Bool = false) -> String {
        var text = compressed ? [UInt8(ascii: ".")] : []
        text += Base64URL.encode(payload) + [UInt8(ascii: ".")] + Base64URL.encode(SessionSerializer.bigEndianMinimalBytes(time))
        let derived = SessionSerializer.derivedKey(secret: key, salt: SessionSerializer.flaskSalt)
        let mac = HMACSHA1.oneShot(key: derived, message: text)
        return String(decoding: text + [UInt8(ascii: ".")] + Base64URL.encode(mac), as: UTF8.self)
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
    func replacingLast(_ character: Character, with replacement: Character) -> String {
        var copy = self
        if let index = copy.lastIndex(of: character) { copy.replaceSubrange(index...index, with: String(replacement)) }
        return copy
    }

    /// The word-at-a-time search for the last `.` finds what `lastIndex(of:)` finds, for
    /// every string of up to 20 bytes over `.`, `a`, the bytes just below and above `.`
    /// (`-` and `/`, which a careless word test would take for one) and `.` with its high
    /// bit set, cut at every length.
    @Test func findsTheLastDotAsLastIndexDoes() {
        let alphabet: [UInt8] = [UInt8(ascii: "."), UInt8(ascii: "a"), UInt8(ascii: "-"), UInt8(ascii: "/"), 0xAE]
        var generator = SplitMix64(seed: testSeed(default: 11, "findsTheLastDotAsLastIndexDoes"))
        for _ in 0..<5_000 {
            let bytes = (0..<Int.random(in: 0...20, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            bytes.withUnsafeBufferPointer { buffer in
                for end in 0...bytes.count {
                    #expect(SignedCookieLayout.lastDot(in: buffer, before: end) == bytes[..<end].lastIndex(of: UInt8(ascii: ".")), "\(bytes) \(end)")
                }
            }
        }
    }
}
