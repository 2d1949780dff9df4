import Glibc

/// A session of the shape the lesson writes, `{"count":N,"goodnight":"G","hello":"H"}` as
/// Flask's compact sorted JSON, read and written without the JSON parser, object or writer:
/// the lesson's routes need only its three fields. Every session the lesson itself makes
/// has this shape; a visitor who edits a value through the API may leave it.
///
/// Its payload is held to a form the general path reads the same way:
/// - N: 1 to 15 decimal digits without a leading zero (or "0" alone), so counting it never
///   overflows and Python's integer is the same number;
/// - G and H: 1 to `maximumStringBytes` bytes of printable ASCII other than `"` and `\`,
///   which JSON writes as they are, so the bytes are the string's JSON both ways.
///
/// Neither can be falsy but a count of 0, which `show_session`'s defaults replace with 0:
/// the defaults never change such a session. Anything else (another key, an escape, a
/// space, a float, an empty string) is no lesson session and goes through the parser.
public struct LessonSession: Sendable {
    public var count: Int64
    /// The two strings when either is not the lesson's default; nil for "Moon" and "World",
    /// which are then literals. (One reference, which may be null: copying a default
    /// session, as every lesson request does, is then a null test, where two strings
    /// in an optional made the compiler copy them through generic value witnesses,
    /// ~250 instructions a request.)
    private let customStrings: CustomStrings?

    private final class CustomStrings: Sendable {
        let goodnight: String
        let hello: String

        init(goodnight: String, hello: String) {
            self.goodnight = goodnight
            self.hello = hello
        }
    }

    /// The longest string a lesson session holds: with both at this length the payload
    /// stays under the 1 KiB it is written into on the stack.
    package static let maximumStringBytes = 400
    /// The most digits a count is read with (below 10^15).
    package static let maximumCountDigits = 15

    public var goodnight: String { customStrings?.goodnight ?? Self.defaultGoodnight }
    public var hello: String { customStrings?.hello ?? Self.defaultHello }

    private static let defaultGoodnight = "Moon"
    private static let defaultHello = "World"

    /// A session with the lesson's default strings, "Moon" and "World".
    public init(count: Int64) {
        self.count = count
        customStrings = nil
    }

    /// A lesson session with these values, or nil where they leave the shape (a negative
    /// or 16-digit count, a string that is empty, too long, or not plain ASCII).
    public init?(count: Int64, goodnight: String, hello: String) {
        guard count >= 0, count < 1_000_000_000_000_000, Self.isLessonString(goodnight), Self.isLessonString(hello)
        else { return nil }
        self.init(count: count, goodnight: goodnight, hello: hello, checked: ())
    }

    private init(count: Int64, goodnight: String, hello: String, checked: Void) {
        self.count = count
        if goodnight.hasSameUTF8(as: Self.defaultGoodnight) && hello.hasSameUTF8(as: Self.defaultHello) {
            customStrings = nil
        } else {
            customStrings = CustomStrings(goodnight: goodnight, hello: hello)
        }
    }

    private static func isLessonString(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { !$0.isEmpty && $0.count <= maximumStringBytes && JSONWriter.isPlainASCII($0) }
    }

    /// Whether this is a default lesson session (`DefaultLessonSession`): the default
    /// strings and a count from 0 to 999,999 (`count` may be set to any number).
    public var isDefaultLessonSession: Bool {
        customStrings == nil && count >= 0 && count <= Int64(DefaultLessonSession.largestCount)
    }

    /// The members, as the JSON parser makes them of the payload.
    public var values: JSONObject {
        JSONObject(sortedMembers: [
            JSONObject.Member(key: "count", value: .integer(count)),
            JSONObject.Member(key: "goodnight", value: .string(goodnight)),
            JSONObject.Member(key: "hello", value: .string(hello)),
        ])
    }

    // MARK: The payload

    // The literal parts, read where the compiler put them; the opening, and the rest of a
    // session with the default strings, are the default family's (`DefaultLessonSession`).
    private static let goodnightOpening: StaticString = #","goodnight":""#
    private static let helloOpening: StaticString = #"","hello":""#
    private static let closing: StaticString = #""}"#

    /// The session a payload holds, or nil if it is not of the shape.
    package init?(payload json: UnsafeBufferPointer<UInt8>) {
        guard let base = json.baseAddress else { return nil }
        var cursor = 0
        func skip(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard json.count - cursor >= count, memcmp(base + cursor, literal.utf8Start, count) == 0 else { return false }
            cursor += count
            return true
        }
        /// A plain string running to the next `"`, made a String (the default, the literal).
        func string(default defaultString: String) -> String? {
            let start = cursor
            let remaining = json.count - start
            guard let quote = memchr(base + start, Int32(UInt8(ascii: "\"")), remaining) else { return nil }
            let length = UnsafePointer<UInt8>(quote.assumingMemoryBound(to: UInt8.self)) - (base + start)
            let bytes = UnsafeBufferPointer(start: base + start, count: length)
            guard length >= 1, length <= Self.maximumStringBytes, JSONWriter.isPlainASCII(bytes) else { return nil }
            cursor += length
            var literal = defaultString
            let isDefault = literal.withUTF8 { $0.count == length && memcmp($0.baseAddress!, bytes.baseAddress!, length) == 0 }
            return isDefault ? defaultString : String(decoding: bytes, as: UTF8.self)
        }
        guard skip(DefaultLessonSession.prefix) else { return nil }
        let digitsStart = cursor
        var count: Int64 = 0
        while cursor < json.count, cursor - digitsStart < Self.maximumCountDigits, json[cursor] &- UInt8(ascii: "0") < 10 {
            count = count * 10 + Int64(json[cursor] &- UInt8(ascii: "0"))
            cursor += 1
        }
        let digitCount = cursor - digitsStart
        guard digitCount >= 1, digitCount == 1 || json[digitsStart] != UInt8(ascii: "0"),
            skip(Self.goodnightOpening), let goodnight = string(default: Self.defaultGoodnight),
            skip(Self.helloOpening), let hello = string(default: Self.defaultHello),
            skip(Self.closing), cursor == json.count
        else { return nil }
        self.init(count: count, goodnight: goodnight, hello: hello, checked: ())
    }

    /// Lends `body` the payload, written on the stack (it always fits: see
    /// `maximumStringBytes`). A default session's strings are the family's one literal.
    /// (Always inlined: called, it cost every signed reply a retain and a release.)
    @inline(__always) func withPayload<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: FixedByteBuffer.stackCapacity) { memory in
            var json = FixedByteBuffer(memory)
            json.append(utf8: DefaultLessonSession.prefix)
            JSONWriter.writeInteger(count, into: &json)
            if customStrings == nil {
                json.append(utf8: DefaultLessonSession.suffix)
            } else {
                json.append(utf8: Self.goodnightOpening)
                var goodnight = goodnight
                goodnight.withUTF8 { json.append(contentsOf: $0) }
                json.append(utf8: Self.helloOpening)
                var hello = hello
                hello.withUTF8 { json.append(contentsOf: $0) }
                json.append(utf8: Self.closing)
            }
            precondition(!json.overflowed, "a lesson session's payload outgrew its buffer")
            return body(json.written)
        }
    }
}

extension LessonSession: Equatable {
    /// Byte equality of the strings (they are ASCII, where it is also `==`).
    public static func == (lhs: LessonSession, rhs: LessonSession) -> Bool {
        lhs.count == rhs.count && lhs.goodnight.hasSameUTF8(as: rhs.goodnight) && lhs.hello.hasSameUTF8(as: rhs.hello)
    }
}
