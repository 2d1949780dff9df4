import Testing

@testable import CrumbsSession

/// `DefaultLessonSession`: which payloads are members, and the exhaustive check that lets
/// Crumbs write them without asking zlib (Python's side: `Tests/interop/test_zlib_family.py`).
@Suite struct DefaultLessonSessionTests {
    private func member(_ text: String) -> Bool {
        Array(text.utf8).withUnsafeBufferPointer { DefaultLessonSession.contains($0) }
    }

    @Test func membersAreTheLessonsDefaultsWithACountUpTo999999() {
        #expect(member(#"{"count":0,"goodnight":"Moon","hello":"World"}"#))
        #expect(member(#"{"count":7,"goodnight":"Moon","hello":"World"}"#))
        #expect(member(#"{"count":999999,"goodnight":"Moon","hello":"World"}"#))
        #expect(member(#"{"count":100000,"goodnight":"Moon","hello":"World"}"#))
        #expect(!member(#"{"count":1000000,"goodnight":"Moon","hello":"World"}"#))
        #expect(!member(#"{"count":-1,"goodnight":"Moon","hello":"World"}"#))
        #expect(!member(#"{"count":01,"goodnight":"Moon","hello":"World"}"#))
        #expect(!member(#"{"count":,"goodnight":"Moon","hello":"World"}"#))
        #expect(!member(#"{"count":1.5,"goodnight":"Moon","hello":"World"}"#))
        #expect(!member(#"{"count":1e5,"goodnight":"Moon","hello":"World"}"#))
        #expect(!member(#"{"count":12,"goodnight":"Moon","hello":"Worle"}"#))
        #expect(!member(#"{"count":12,"goodnight":"Noon","hello":"World"}"#))
        #expect(!member(#"{"count":12,"goodnight":"Moon","hello":"World","x":1}"#))
        #expect(!member(#"{"count": 12,"goodnight":"Moon","hello":"World"}"#))
        #expect(!member(#"["count":12,"goodnight":"Moon","hello":"World"}"#))
        #expect(!member(""))
        #expect(
            DefaultLessonSession.payload(count: 42) == Array(#"{"count":42,"goodnight":"Moon","hello":"World"}"#.utf8))
    }

    /// itsdangerous compresses only when zlib saves 2 bytes or more. Every member is checked
    /// with zlib at Python's settings (the standard table alone, reset per message): if one
    /// were ever shortened enough, Crumbs would write it uncompressed where Flask would not.
    @Test func zlibNeverShortensAMemberByTwoBytes() {
        let zlib = Zlib(smallTable: false)
        var shortened: [Int] = []
        for count in 0...DefaultLessonSession.largestCount {
            let json = DefaultLessonSession.payload(count: count)
            let compressedCount = json.withUnsafeBufferPointer { zlib.compress($0) { $0.count } }
            if compressedCount < json.count - 1 { shortened.append(count) }
        }
        #expect(shortened.isEmpty, "zlib \(Zlib.loadedVersion) shortens \(shortened.prefix(10))")
        // The check itself can tell: a repetitive payload of the same length is shortened.
        let repetitive = Array(String(repeating: "ab", count: 24).utf8)
        #expect(repetitive.withUnsafeBufferPointer { zlib.compress($0) { $0.count } } < repetitive.count - 1)
    }

    /// The shortcut changes no byte: cookies signed with it and without it are equal, for
    /// members and for payloads next to the family.
    @Test func theShortcutChangesNoCookie() throws {
        let key = Array("a lesson key".utf8)
        let fast = try SessionSerializer(secretKeys: [key], skipsZlibForDefaultSessions: true)
        let plain = try SessionSerializer(secretKeys: [key], skipsZlibForDefaultSessions: false)
        for count in [0, 1, 9, 10, 111_111, 123_456, 999_999, 1_000_000, 1_111_111, -5] {
            let session = JSONObject([
                ("count", .integer(Int64(count))), ("goodnight", .string("Moon")), ("hello", .string("World")),
            ])
            #expect(fast.encode(session, now: 1_700_000_000) == plain.encode(session, now: 1_700_000_000), "\(count)")
        }
    }

    /// A member read without the parser is the object the parser reads; anything else is
    /// left to the parser.
    @Test func readsAMemberAsTheParserDoes() throws {
        for count in [0, 5, 10, 99_999, 999_999] {
            let json = DefaultLessonSession.payload(count: count)
            let fast = try #require(json.withUnsafeBufferPointer(DefaultLessonSession.count(ofPayload:)))
            #expect(fast == Int64(count))
            let session = LessonSession(count: fast).values
            #expect(session == (try SessionSerializer.session(fromJSON: json, maximumDepth: 32)))
            #expect(DefaultLessonSession.count(of: session) == Int64(count))
        }
        for text in [
            #"{"count":1000000,"goodnight":"Moon","hello":"World"}"#, #"{"count":01,"goodnight":"Moon","hello":"World"}"#,
            #"{"count":1,"goodnight":"Moon","hello":"World","x":1}"#,
        ] {
            #expect(Array(text.utf8).withUnsafeBufferPointer(DefaultLessonSession.count(ofPayload:)) == nil, "\(text)")
        }
    }

    /// `count(of:)` accepts exactly the objects whose JSON is a member.
    @Test func knowsAMemberFromItsObject() {
        func session(_ count: JSONValue, _ goodnight: String = "Moon", _ hello: String = "World") -> JSONObject {
            JSONObject([("count", count), ("goodnight", .string(goodnight)), ("hello", .string(hello))])
        }
        #expect(DefaultLessonSession.count(of: session(.integer(42))) == 42)
        #expect(DefaultLessonSession.count(of: session(.integer(1_000_000))) == nil)
        #expect(DefaultLessonSession.count(of: session(.integer(-1))) == nil)
        #expect(DefaultLessonSession.count(of: session(.number("42"))) == nil)
        #expect(DefaultLessonSession.count(of: session(.string("42"))) == nil)
        #expect(DefaultLessonSession.count(of: session(.integer(1), "Moon ")) == nil)
        #expect(DefaultLessonSession.count(of: session(.integer(1), "Moon", "Wörld")) == nil)
        var extra = session(.integer(1))
        extra["mouse"] = .string("Cookie")
        #expect(DefaultLessonSession.count(of: extra) == nil)
        #expect(DefaultLessonSession.count(of: JSONObject()) == nil)
    }

    /// What `decode` says of a cookie: a default lesson session is one with its count, a
    /// session with another key no lesson session.
    @Test func decodingTellsTheCountOfADefaultSession() throws {
        let serializer = try SessionSerializer(secretKeys: [Array("a lesson key".utf8)])
        let member = JSONObject([("count", .integer(41)), ("goodnight", .string("Moon")), ("hello", .string("World"))])
        let verified = try serializer.decode(serializer.encode(member, now: 1_700_000_000), now: 1_700_000_001)
        #expect(verified.lessonSession == LessonSession(count: 41))
        #expect(verified.lessonSession?.isDefaultLessonSession == true)
        #expect(verified.values == member)
        var other = member
        other["mouse"] = .string("Cookie")
        #expect(try serializer.decode(serializer.encode(other, now: 1_700_000_000), now: 1_700_000_001).lessonSession == nil)
    }

    /// Signing a member from its count writes the cookie itsdangerous writes (Flask's session
    /// serializer, the key "a lesson key", its clock held at 1,700,000,000), appended after
    /// what the output held; the encrypted mode's cookie opens to the member's object.
    @Test func signingFromTheCountWritesItsdangerousCookie() throws {
        let itsdangerous: [Int64: String] = [
            0: "eyJjb3VudCI6MCwiZ29vZG5pZ2h0IjoiTW9vbiIsImhlbGxvIjoiV29ybGQifQ.ZVPxAA.J_nXRMD5vsyygytweJYrHeNgPL0",
            1: "eyJjb3VudCI6MSwiZ29vZG5pZ2h0IjoiTW9vbiIsImhlbGxvIjoiV29ybGQifQ.ZVPxAA.tqQOmE76-4tRQR7wdYvfqIO7Bi4",
            9: "eyJjb3VudCI6OSwiZ29vZG5pZ2h0IjoiTW9vbiIsImhlbGxvIjoiV29ybGQifQ.ZVPxAA.I_SF9q_Ymer0TDyOx4QzmaGEur4",
            10: "eyJjb3VudCI6MTAsImdvb2RuaWdodCI6Ik1vb24iLCJoZWxsbyI6IldvcmxkIn0.ZVPxAA.yE9VjaxQ95tAbvti05y8HE5rWE8",
            99_999: "eyJjb3VudCI6OTk5OTksImdvb2RuaWdodCI6Ik1vb24iLCJoZWxsbyI6IldvcmxkIn0.ZVPxAA.BjV08j5LIFvzYUJUP2QWizF7Bko",
            100_000: "eyJjb3VudCI6MTAwMDAwLCJnb29kbmlnaHQiOiJNb29uIiwiaGVsbG8iOiJXb3JsZCJ9.ZVPxAA.U4FR5DmeK2X_MQuu1Q9RFfaOeWU",
            999_999: "eyJjb3VudCI6OTk5OTk5LCJnb29kbmlnaHQiOiJNb29uIiwiaGVsbG8iOiJXb3JsZCJ9.ZVPxAA.3Ltfh85WcsgwWi_DSjjJ6KVN6zg",
        ]
        let key = Array("a lesson key".utf8)
        let serializer = try SessionSerializer(secretKeys: [key])
        let encrypting = try SessionCodec(secretKeys: [key], mode: .encrypted)
        for (count, cookie) in itsdangerous {
            var fromCount = Array("session=".utf8)
            serializer.encode(LessonSession(count: count), now: 1_700_000_000, into: &fromCount)
            #expect(String(decoding: fromCount, as: UTF8.self) == "session=" + cookie, "\(count)")
            let object = JSONObject([("count", .integer(count)), ("goodnight", .string("Moon")), ("hello", .string("World"))])
            var encrypted: [UInt8] = []
            try encrypting.encode(LessonSession(count: count), now: 1_700_000_000, into: &encrypted)
            let opened = try encrypting.decode(String(decoding: encrypted, as: UTF8.self), now: 1_700_000_001)
            #expect(opened.values == object, "\(count)")
        }
    }
}
