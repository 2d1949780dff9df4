import Testing

@testable import CrumbsSession

/// Werkzeug's `parse_cookie` behaviour, case by case (the interop suite also compares
/// against Werkzeug itself).
@Suite struct CookieHeaderTests {
    static let cases: [(header: String, expected: [(String, String)])] = [
        ("a=1;b=2", [("a", "1"), ("b", "2")]),
        ("  a = 1 ;; b=2", [("a", "1"), ("b", "2")]),
        ("a", [("a", "")]),
        ("=b; c=d", [("c", "d")]),
        ("bad name=1", [("bad name", "1")]),
        ("a=\"x y\"", [("a", "x y")]),
        ("b=\"q\\\"x\"", [("b", "q\"x")]),
        ("a=\"\\303\\251\"", [("a", "é")]),
        ("j=\"unterminated", [("j", "\"unterminated")]),
        ("a=1; a=2", [("a", "1")]),
        ("a=\"x;y\"; b=1", [("a", "x;y"), ("b", "1")]),
        ("a=\"x\"y; b=1", [("a", "\"x\"y"), ("b", "1")]),
        ("a=b=c", [("a", "b=c")]),
        ("", []),
        (";;;", []),
        ("a=é", [("a", "é")]),
        ("k=\"\\1\"", [("k", "1")]),
        ("k=\"\\400\"", [("k", "400")]),
        ("k=\"\\", [("k", "\"\\")]),
        ("session=abc.def.ghi; mouse=Cookie", [("session", "abc.def.ghi"), ("mouse", "Cookie")]),
        ("a=b\\c", [("a", "b\\c")]),
        ("a=tab\there", [("a", "tab\there")]),
        ("\u{3000}=x; b=1", [("b", "1")]),
        ("a=1; a=\"2\"", [("a", "1")]),
        ("a=del\u{7F}", [("a", "del\u{7F}")]),
        ("x; y=", [("x", ""), ("y", "")]),
        ("k=\"\\303\\251\"; z=9", [("k", "\u{E9}"), ("z", "9")]),
        // Lines of printable ASCII without quotes or backslashes, split by the plain-line
        // path (Werkzeug 3's parse_cookie gave each).
        ("a=b; ; c = d ;e", [("a", "b"), ("c", "d"), ("e", "")]),
        (" =x; y", [("y", "")]),
        ("a=1;a=2;b", [("a", "1"), ("b", "")]),
        ("a= b c ;", [("a", "b c")]),
        ("  spaced name  =  spaced value  ;x=", [("spaced name", "spaced value"), ("x", "")]),
        ("k==v=; ;=;==", [("k", "=v=")]),
        ("x=1%3B2, y; z=,", [("x", "1%3B2, y"), ("z", ",")]),
        ("mouse=Cookie; session=ab.cd.ef; mouse=Other", [("mouse", "Cookie"), ("session", "ab.cd.ef")]),
    ]

    /// Bytes, not Strings: Swift's == would take a decomposed é for a precomposed one.
    static func utf8(_ strings: [String]) -> [[UInt8]] { strings.map { Array($0.utf8) } }

    @Test(arguments: cases)
    func parsesLikeWerkzeug(header: String, expected: [(String, String)]) {
        let cookies = RequestCookies(header: header)
        #expect(Self.utf8(cookies.pairs.map(\.name)) == Self.utf8(expected.map(\.0)))
        #expect(Self.utf8(cookies.pairs.map(\.value)) == Self.utf8(expected.map(\.1)))
    }

    /// A name's end (`=`, `;` or the line's end) found at every offset of the eight-byte
    /// words it is looked for in, after names of every length up to 20, with `é` (bytes above
    /// 0x7F) next to it and a `;` before an `=`.
    @Test func findsWhereANameEndsAtEveryOffset() {
        for length in 1...20 {
            let name = String(repeating: "n", count: length - 1) + "é"
            let header = "\(name)=v\(length); \(name)x;\(name)y=w; z\(name)"
            let cookies = RequestCookies(header: header)
            #expect(cookies.pairs.map(\.name) == [name, name + "x", name + "y", "z" + name], "length \(length)")
            #expect(cookies.pairs.map(\.value) == ["v\(length)", "", "w", ""], "length \(length)")
        }
    }

    @Test func joinsSeveralHeaderLines() {
        let cookies = RequestCookies(headerLines: ["a=1; b=2", "c=3", "a=4"])
        #expect(cookies.pairs.map(\.name) == ["a", "b", "c"])
        #expect(cookies["a"] == "1")
        #expect(cookies["c"] == "3")
    }

    @Test func invalidUTF8BecomesReplacementCharacters() {
        let cookies = RequestCookies(header: "a=\"\\377x\"")
        #expect(cookies["a"] == "\u{FFFD}x")
    }

    @Test func tenThousandCookiesKeepFirstValues() {
        let header = (0..<10_000).map { "c\($0 % 5000)=\($0)" }.joined(separator: "; ")
        let cookies = RequestCookies(header: header)
        #expect(cookies.count == 5000)
        #expect(cookies["c4999"] == "4999")
        #expect(cookies["c0"] == "0")
    }

    @Test func lendsNamesAndValuesAsBytesAndStartsAfreshAfterRemoveAll() {
        var cookies = RequestCookies(header: "session=abc.def; mouse=Cookie; e=\"\\303\\251\"")
        var seen: [String] = []
        func text(_ bytes: Span<UInt8>) -> String { bytes.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) } }
        cookies.forEach { name, value in seen.append(text(name) + "=" + text(value)) }
        #expect(seen == ["session=abc.def", "mouse=Cookie", "e=é"])
        #expect(cookies.withValue(named: "mouse") { value in value.withUnsafeBufferPointer { Array($0) } } == Array("Cookie".utf8))
        #expect(cookies.withValue(named: "absent") { _ in true } == nil)
        cookies.removeAll()
        #expect(cookies.isEmpty && cookies["session"] == nil)
        cookies.parse(Array("mouse=Again; session=x".utf8).span)
        #expect(cookies == RequestCookies(header: "mouse=Again; session=x"))
        #expect(cookies.pairs.map(\.value) == ["Again", "x"])
    }

    /// A copy keeps its cookies whatever happens to the original after it (they share
    /// memory until one changes), and the other way round; past the first capacity too.
    @Test func copiesAreIndependentValues() {
        var original = RequestCookies(header: "a=1; b=2")
        let copy = original
        original.removeAll()
        #expect(copy.pairs.map(\.name) == ["a", "b"] && original.isEmpty)
        original.parse(Array("c=3".utf8).span)
        let second = original
        original.parse(Array((0..<40).map { "n\($0)=\(String(repeating: "v", count: $0 * 10))" }.joined(separator: "; ").utf8).span)
        #expect(second.pairs.map(\.name) == ["c"] && copy.pairs.map(\.value) == ["1", "2"])
        #expect(original.count == 41 && original["n39"] == String(repeating: "v", count: 390))
        var third = second
        third.parse(Array("d=4; c=5".utf8).span)
        #expect(third.pairs.map(\.value) == ["3", "4"] && second.pairs.map(\.value) == ["3"])
        #expect(original["c"] == "3" && original.count == 41)
    }

    /// What a JSON writer tests once for needing no escape: each pair's bytes run from its
    /// name's first byte to its value's last, the name their start and the value their end,
    /// whether the pair was stored as sent or unquoted and repaired; the position
    /// `withValueAndPosition` gives is the pair's in that order. The pairs are Werkzeug's.
    @Test func lendsEachPairFromItsNameToItsValue() {
        for (header, expected) in Self.cases {
            let cookies = RequestCookies(header: header)
            var seen: [(String, String)] = []
            cookies.forEachPair { name, value, pair in
                #expect(pair.baseAddress == name.baseAddress && pair.count >= name.count + value.count, "\(header)")
                #expect(Array(pair.prefix(name.count)) == Array(name) && Array(pair.suffix(value.count)) == Array(value), "\(header)")
                seen.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
            }
            #expect(Self.utf8(seen.map(\.0)) == Self.utf8(expected.map(\.0)), "\(header)")
            #expect(Self.utf8(seen.map(\.1)) == Self.utf8(expected.map(\.1)), "\(header)")
            for (position, (name, value)) in seen.enumerated() {
                let found = cookies.withValueAndPosition(named: name) { bytes, at in
                    (bytes.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }, at)
                }
                #expect(found?.0 == value && found?.1 == position, "\(header) \(name)")
            }
        }
    }

    /// Whether a JSON writer may copy every name and value as it is: only while each line
    /// parsed was printable ASCII without `"` or `\\` (a quoted or escaped value, a tab, a
    /// control character or UTF-8 anywhere makes it say no, which leaves the writer to test).
    @Test func knowsWhenEveryNameAndValueIsPlainText() {
        #expect(RequestCookies().arePlainText)
        #expect(RequestCookies(header: "session=ab.cd-_ef; mouse=Cookie; x=1%3B2, y").arePlainText)
        #expect(RequestCookies(header: String(repeating: "n=v; ", count: 20)).arePlainText)
        for header in ["a=\"x\"", "a=b\\c", "a=tab\tb", "a=\u{7F}", "a=\u{1}", "a=é", "a=\"" + String(repeating: "v", count: 40)] {
            #expect(!RequestCookies(header: header).arePlainText, "\(header)")
        }
        var cookies = RequestCookies(headerLines: ["a=1", "b=\"2\""])
        #expect(!cookies.arePlainText)
        cookies.removeAll()
        #expect(cookies.arePlainText)
        cookies.parse(Array("c=3; d=4".utf8).span)
        #expect(cookies.arePlainText && cookies.pairs.map(\.value) == ["3", "4"])
    }

    /// A line of plain text is split on a path of its own; the general path, which the cases
    /// above and the interop suite hold to Werkzeug, must split it the same way. A control
    /// character ending the line sends it down the general path (Werkzeug keeps it as a name
    /// of its own, since it is no whitespace), and the cookies before it must be the same.
    @Test func plainLinesSplitAsTheGeneralPathSplitsThem() {
        var generator = SplitMix64(seed: testSeed(default: 1201, "plainLinesSplitAsTheGeneralPathSplitsThem"))
        let pieces = ["a", "b", "ab", "session", "mouse", "=", ";", "; ", " ", "  ", "x.y-z_", "%3B", ",", "!", "~", "0"]
        for _ in 0..<20_000 {
            let line = (0..<Int.random(in: 1...30, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }
                .joined()
            let plain = RequestCookies(header: line)
            let general = RequestCookies(header: line + ";\u{1}")
            #expect(plain.arePlainText && !general.arePlainText, "\(line)")
            #expect(Self.utf8(plain.pairs.map(\.name)) + [[0x01]] == Self.utf8(general.pairs.map(\.name)), "\(line)")
            #expect(Self.utf8(plain.pairs.map(\.value)) + [[]] == Self.utf8(general.pairs.map(\.value)), "\(line)")
        }
    }

    @Test func namesCompareAsPythonComparesThemByCodePoint() {
        // Precomposed and decomposed é are equal Swift strings but different cookie names.
        let cookies = RequestCookies(header: "caf\u{E9}=1; cafe\u{301}=2")
        #expect(cookies.count == 2)
    }

    @Test func stripsPythonWhitespace() {
        #expect(RequestCookies.pythonStrip("\u{A0} a \u{1F}") == "a")
        #expect(RequestCookies.pythonStrip("   ") == "")
    }
}
