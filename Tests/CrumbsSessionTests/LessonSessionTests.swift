import Testing

@testable import CrumbsSession

/// `LessonSession`: which payloads it reads without the JSON parser, that it reads them as
/// the parser does, and that it signs them as itsdangerous does.
@Suite struct LessonSessionTests {
    private func lesson(_ text: String) -> LessonSession? {
        Array(text.utf8).withUnsafeBufferPointer { LessonSession(payload: $0) }
    }

    /// The payload `withPayload` writes.
    private func payload(_ session: LessonSession) -> String {
        session.withPayload { String(decoding: $0, as: UTF8.self) }
    }

    @Test func readsTheLessonsShape() throws {
        let long = try #require(lesson(#"{"count":5,"goodnight":"Moon","hello":"World, and every mouse"}"#))
        #expect(long.count == 5 && long.goodnight == "Moon" && long.hello == "World, and every mouse")
        #expect(!long.isDefaultLessonSession)
        let defaults = try #require(lesson(#"{"count":999999,"goodnight":"Moon","hello":"World"}"#))
        #expect(defaults.isDefaultLessonSession && defaults == LessonSession(count: 999_999))
        let beyond = try #require(lesson(#"{"count":1000000,"goodnight":"Moon","hello":"World"}"#))
        #expect(!beyond.isDefaultLessonSession && beyond == LessonSession(count: 1_000_000))
        let edges = try #require(lesson(#"{"count":999999999999999,"goodnight":" ","hello":"~<>&'/!#"}"#))
        #expect(edges.count == 999_999_999_999_999 && edges.goodnight == " " && edges.hello == "~<>&'/!#")
        #expect(lesson(#"{"count":0,"goodnight":"a","hello":"b"}"#)?.count == 0)
        // A count set below zero leaves the default family, and is signed as itsdangerous
        // signs its members (Flask's serializer, the key "a lesson key", clock at 1,700,000,000).
        var negative = LessonSession(count: 0)
        negative.count = -1
        #expect(!negative.isDefaultLessonSession && payload(negative) == #"{"count":-1,"goodnight":"Moon","hello":"World"}"#)
        let serializer = try SessionSerializer(secretKeys: [Array("a lesson key".utf8)])
        var signed: [UInt8] = []
        serializer.encode(negative, now: 1_700_000_000, into: &signed)
        #expect(
            String(decoding: signed, as: UTF8.self)
                == "eyJjb3VudCI6LTEsImdvb2RuaWdodCI6Ik1vb24iLCJoZWxsbyI6IldvcmxkIn0.ZVPxAA.fdALlQistDfw90DSJsGK0TzUgs8")
        let longest = String(repeating: "x", count: LessonSession.maximumStringBytes)
        #expect(lesson(#"{"count":1,"goodnight":"\#(longest)","hello":"\#(longest)"}"#)?.hello == longest)
    }

    /// Anything the shape leaves out goes to the parser.
    @Test func leavesEverythingElseToTheParser() {
        let tooLong = String(repeating: "x", count: LessonSession.maximumStringBytes + 1)
        for text in [
            #"{"count":01,"goodnight":"Moon","hello":"World"}"#,
            #"{"count":1000000000000000,"goodnight":"Moon","hello":"World"}"#,
            #"{"count":-1,"goodnight":"Moon","hello":"World"}"#,
            #"{"count":1.5,"goodnight":"Moon","hello":"World"}"#,
            #"{"count":1e3,"goodnight":"Moon","hello":"World"}"#,
            #"{"count":,"goodnight":"Moon","hello":"World"}"#,
            #"{"count":true,"goodnight":"Moon","hello":"World"}"#,
            #"{"count":"1","goodnight":"Moon","hello":"World"}"#,
            #"{"count":1,"goodnight":"","hello":"World"}"#,
            #"{"count":1,"goodnight":"Moon","hello":""}"#,
            #"{"count":1,"goodnight":"M\"oon","hello":"World"}"#,
            #"{"count":1,"goodnight":"Moon","hello":"W\\orld"}"#,
            #"{"count":1,"goodnight":"Moon","hello":"W\u00f6rld"}"#,
            "{\"count\":1,\"goodnight\":\"Moon\",\"hello\":\"Wörld\"}",
            "{\"count\":1,\"goodnight\":\"Mo\ton\",\"hello\":\"World\"}",
            "{\"count\":1,\"goodnight\":\"Moon\u{7F}\",\"hello\":\"World\"}",
            #"{"count":1,"goodnight":"\#(tooLong)","hello":"World"}"#,
            #"{"count":1,"goodnight":"Moon","hello":"\#(tooLong)"}"#,
            #"{"count":1,"goodnight":"Moon","hello":"World","mouse":"Cookie"}"#,
            #"{"count":1,"goodnight":"Moon"}"#,
            #"{"count":1,"hello":"World"}"#,
            #"{"goodnight":"Moon","hello":"World"}"#,
            #"{"count": 1,"goodnight":"Moon","hello":"World"}"#,
            #"{"count":1,"goodnight":"Moon","hello":"World"} "#,
            #"{"count":1,"goodnight":"Moon","hello":"World""#,
            #"{"count":1,"goodnight":"Moon","hello":"World}"#,
            #"{"count":1,"goodnight":"Moon","hello":"World"}}"#,
            #"{"count":1}"#,
            "",
        ] {
            #expect(lesson(text) == nil, "\(text)")
        }
        #expect(LessonSession(count: -1, goodnight: "Moon", hello: "World") == nil)
        #expect(LessonSession(count: 1_000_000_000_000_000, goodnight: "Moon", hello: "World") == nil)
        #expect(LessonSession(count: 1, goodnight: "", hello: "World") == nil)
        #expect(LessonSession(count: 1, goodnight: "Moon", hello: "Wörld") == nil)
        #expect(LessonSession(count: 1, goodnight: "Moon", hello: tooLong) == nil)
        #expect(LessonSession(count: 1, goodnight: "Mo\"on", hello: "World") == nil)
    }

    /// On random sessions of the shape (any printable ASCII but `"` and `\`, any length up
    /// to the limit, counts of every size): the fields are what the parser reads, the
    /// members the parser's object, and the payload written again the same bytes.
    @Test func readsAndWritesAsTheParserAndWriterDo() throws {
        var generator = SplitMix64(seed: testSeed(default: 31, "readsAndWritesAsTheParserAndWriterDo"))
        let plain = (UInt8(0x20)...0x7E).filter { $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        func randomString() -> String {
            let longest = [1, 2, 5, 40, LessonSession.maximumStringBytes].randomElement(using: &generator)!
            let length = Int.random(in: 1...longest, using: &generator)
            return String(decoding: (0..<length).map { _ in plain.randomElement(using: &generator)! }, as: UTF8.self)
        }
        for _ in 0..<2_000 {
            let digits = Int.random(in: 1...LessonSession.maximumCountDigits, using: &generator)
            let count = Int64.random(in: 0...(Array(repeating: Int64(10), count: digits).reduce(1, *) - 1), using: &generator)
            let (goodnight, hello) = (randomString(), randomString())
            let text = #"{"count":\#(count),"goodnight":"\#(goodnight)","hello":"\#(hello)"}"#
            let session = try #require(lesson(text), "\(text)")
            let parsed = try SessionSerializer.session(fromJSON: Array(text.utf8), maximumDepth: 32)
            #expect(session.values == parsed)
            #expect(parsed["count"] == .integer(count) && parsed["goodnight"] == .string(goodnight))
            #expect(payload(session) == text)
            var written: [UInt8] = []
            JSONWriter.write(parsed, style: .compact, into: &written)
            #expect(String(decoding: written, as: UTF8.self) == text)
        }
    }

    /// Signing a lesson session writes the cookie itsdangerous writes for its members
    /// (Flask's session serializer, the key "a lesson key", its clock held at
    /// 1,700,000,000), compressed where itsdangerous compresses it; the encrypted mode's
    /// cookie opens to the same members.
    @Test func signsAsItsdangerousDoes() throws {
        let itsdangerous: [(LessonSession?, String)] = [
            (
                LessonSession(count: 5, goodnight: "Moon", hello: "World, and every mouse that ever followed crumbs"),
                "eyJjb3VudCI6NSwiZ29vZG5pZ2h0IjoiTW9vbiIsImhlbGxvIjoiV29ybGQsIGFuZCBldmVyeSBtb3VzZSB0aGF0IGV2ZXIgZm9sbG93ZWQgY3J1bWJzIn0.ZVPxAA.BgFmRzY05WOtrFF6dl5kifK_OyY"
            ),
            (
                LessonSession(count: 1_000_000),
                "eyJjb3VudCI6MTAwMDAwMCwiZ29vZG5pZ2h0IjoiTW9vbiIsImhlbGxvIjoiV29ybGQifQ.ZVPxAA.EpQs935yadDeRwwExRkBMVe-CPs"
            ),
            (
                LessonSession(count: 0, goodnight: "Sleep tight <3 & don't let the bedbugs bite!", hello: "~"),
                "eyJjb3VudCI6MCwiZ29vZG5pZ2h0IjoiU2xlZXAgdGlnaHQgPDMgJiBkb24ndCBsZXQgdGhlIGJlZGJ1Z3MgYml0ZSEiLCJoZWxsbyI6In4ifQ.ZVPxAA.9NTGEvc8psROaN8lR1RvGnzWZII"
            ),
            (
                LessonSession(count: 999_999_999_999_999, goodnight: String(repeating: "crumb ", count: 60), hello: "World"),
                ".eJyrVkrOL80rUbKyRAU6Sun5-Sl5mekZQDml5KLS3CSFUZLWpJKOUkZqTk4-MMjD84tyUpRqAfHClg4.ZVPxAA.2AUvPrCZFBMn_Z5-GxCvkaAGywM"
            ),
        ]
        let key = Array("a lesson key".utf8)
        let serializer = try SessionSerializer(secretKeys: [key])
        let encrypting = try SessionCodec(secretKeys: [key], mode: .encrypted)
        for (session, cookie) in itsdangerous {
            let session = try #require(session)
            var signed = Array("session=".utf8)
            serializer.encode(session, now: 1_700_000_000, into: &signed)
            #expect(String(decoding: signed, as: UTF8.self) == "session=" + cookie)
            // Read back, it is the same lesson session, compressed or not.
            let verified = try serializer.decode(cookie, now: 1_700_000_001)
            #expect(verified.lessonSession == session)
            #expect(verified.wasCompressed == cookie.hasPrefix("."))
            var encrypted: [UInt8] = []
            try encrypting.encode(session, now: 1_700_000_000, into: &encrypted)
            #expect(try encrypting.decode(String(decoding: encrypted, as: UTF8.self), now: 1_700_000_001).values == session.values)
        }
    }
}
