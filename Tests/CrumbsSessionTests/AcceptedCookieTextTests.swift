import Testing

@testable import CrumbsSession

/// What the lesson's JSON writer relies on to copy a verified session cookie as it is: any
/// cookie `SessionCodec.decode` accepts, signed or encrypted, is printable ASCII without `"`
/// or `\` (base64url and dots; `JSONWriter.isPlainASCII`, itself held to the byte rule by
/// the JSON tests).
@Suite struct AcceptedCookieTextTests {
    static let now: Int64 = 1_700_000_000

    /// Sessions of every kind the codec writes (lesson sessions, compressed ones, strings
    /// needing escapes), each accepted back as it was written, and each with one byte
    /// replaced by a character JSON would escape, or by a byte above 0x7F, at every position
    /// of its first 40 and last 40: never accepted then.
    @Test(arguments: [SessionCodec.Mode.signed, .encrypted])
    func acceptsOnlyPlainText(mode: SessionCodec.Mode) throws {
        let codec = try SessionCodec(secretKeys: [Array("accepted cookie text test key, 32".utf8)], mode: mode)
        let sessions: [JSONObject] = [
            JSONObject([("count", 0), ("goodnight", "Moon"), ("hello", "World")]),
            JSONObject([("count", 41), ("goodnight", "Moon"), ("hello", "World, and every mouse that ever followed crumbs")]),
            JSONObject([("quote", "a \"b\" \\ c\n"), ("é", "ü"), ("big", .string(String(repeating: "crumbs ", count: 60)))]),
            JSONObject(),
        ]
        let unwanted: [UInt8] = [0x22, 0x5C, 0x20, 0x09, 0x00, 0x7F, 0x80, 0xC3, 0xFF]
        for session in sessions {
            let cookie = Array(try codec.encode(session, now: Self.now).utf8)
            #expect(cookie.withUnsafeBufferPointer { JSONWriter.isPlainASCII($0) }, "\(session)")
            #expect((try? codec.decode(cookie.span, now: Self.now))?.values == session, "\(session)")
            let positions = Set(Array(0..<min(40, cookie.count)) + Array(max(0, cookie.count - 40)..<cookie.count))
            for position in positions.sorted() {
                for byte in unwanted {
                    var changed = cookie
                    changed[position] = byte
                    #expect((try? codec.decode(changed.span, now: Self.now)) == nil, "\(session) \(position) \(byte)")
                }
            }
        }
    }
}
