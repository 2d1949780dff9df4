import CrumbsSession
import EventHTTP
import Glibc

/// The lesson's two bodies written straight into bytes, the constant parts pre-rendered:
/// the same bytes `JSONWriter` would produce for the whole document (a test holds them to
/// that), without building the document first. They are written in many small pieces
/// straight into room the response's body buffer lends (`FixedByteBuffer`: a bounds check
/// and a copy a piece); the few that do not fit there (many or long cookies) are written
/// again into more.
enum LessonBody {
    /// `{"cookies": [...], "session": {"session_accessed": true, "session_key": k, "session_value": v}}`
    /// `plainPosition`: see `writeStart`.
    static func sessionValue(
        key: String, value: JSONValue, cookies: RequestCookies, plainPosition: Int? = nil, into response: inout HTTPResponse
    ) {
        write(into: &response) {
            writeSessionValue(
                key: key, quotedKey: nil, value: value, stringIsPlain: false, cookies: cookies, plainPosition: plainPosition,
                into: &$0)
        }
    }

    /// `sessionValue` at one of the lesson's keys, whose JSON is a literal (a string's
    /// check and copy cost ~200 instructions), of a lesson session's value there: a string
    /// is plain text by `LessonSession`'s rule, and is copied between quotes untested (the
    /// test and its call cost ~100 instructions a `hello` or `goodnight`).
    static func sessionValue(
        key: LessonKey, lessonValue value: JSONValue, cookies: RequestCookies, plainPosition: Int?,
        into response: inout HTTPResponse
    ) {
        write(into: &response) {
            writeSessionValue(
                key: key.name, quotedKey: key.quotedName, value: value, stringIsPlain: true, cookies: cookies,
                plainPosition: plainPosition, into: &$0)
        }
    }

    /// Appends what `write` writes to the body, in place in room its buffer lends: 2 KiB,
    /// enough for nearly any reply; four times more each time that was too little, `write`
    /// writing it all again. The closures capture what they write by reference, where a
    /// struct holding it cost a retain, an outlined copy and a destroy a reply.
    private static func write(into response: inout HTTPResponse, _ write: (inout FixedByteBuffer) -> Void) {
        var room = roomLent
        while true {
            var fitted = true
            response.bodyBytes.append(upTo: room) { memory in
                var buffer = FixedByteBuffer(memory)
                write(&buffer)
                fitted = !buffer.overflowed
                return fitted ? buffer.count : 0
            }
            if fitted { break }
            room *= 4
        }
        response.append(JSONResponse.contentType)
    }

    private static func writeSessionValue(
        key: String, quotedKey: StaticString?, value: JSONValue, stringIsPlain: Bool, cookies: RequestCookies,
        plainPosition: Int?, into body: inout FixedByteBuffer
    ) {
        writeStart(cookies: cookies, plainPosition: plainPosition, into: &body)
        body.append(utf8: sessionOpening)
        if let quotedKey {
            body.append(utf8: quotedKey)
        } else {
            JSONWriter.writeString(key, into: &body)
        }
        body.append(utf8: sessionValueLabel)
        // The lesson's values, a count or a string, without the writer's generic walk (~200
        // instructions).
        switch value {
        case .integer(let count): JSONWriter.writeInteger(count, into: &body)
        case .string(let text):
            // (`JSONWriter.writeString`'s own copy of plain text, without its test: handing it
            // a flag instead kept it from being inlined, ~100 instructions more a request.)
            let copied =
                stringIsPlain
                && text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
                    body.append(UInt8(ascii: "\""))
                    body.append(contentsOf: bytes)
                    body.append(UInt8(ascii: "\""))
                    return true
                } == true
            if !copied { JSONWriter.writeString(text, into: &body) }
        default: JSONWriter.write(value, style: .pretty, indent: 4, into: &body)
        }
        body.append(utf8: sessionClosing)
    }

    static func sessionValue(key: String, value: JSONValue, cookies: RequestCookies) -> HTTPResponse {
        var response = HTTPResponse(status: 200)
        sessionValue(key: key, value: value, cookies: cookies, into: &response)
        return response
    }

    /// A constant `message` member and the end of the document, rendered once.
    struct Message {
        let tail: [UInt8]

        init(_ text: String) {
            var tail: [UInt8] = []
            tail.append(utf8: LessonBody.messageLabel)
            JSONWriter.writeString(text, into: &tail)
            tail.append(utf8: LessonBody.documentClosing)
            self.tail = tail
        }
    }

    /// `{"cookies": [...], "message": m}`
    static func message(_ message: Message, cookies: RequestCookies, into response: inout HTTPResponse) {
        write(into: &response) { body in
            writeStart(cookies: cookies, plainPosition: nil, into: &body)
            message.tail.withUnsafeBufferPointer { body.append(contentsOf: $0) }
        }
    }

    /// The room a body is written into first (a computed constant: a stored one is reached
    /// through its lazy initialiser's check).
    private static var roomLent: Int { 2048 }

    private static let noCookies: StaticString = "{\n  \"cookies\": []"
    private static let cookiesLabel: StaticString = "{\n  \"cookies\": ["
    private static let cookieOpening: StaticString = "\n    {\n      "
    private static let nextCookieOpening: StaticString = ",\n    {\n      "
    private static let plainCookieOpening: StaticString = "\n    {\n      \""
    private static let nextPlainCookieOpening: StaticString = ",\n    {\n      \""
    private static let cookieClosing: StaticString = "\n    }"
    private static let plainCookieClosing: StaticString = "\"\n    }"
    private static let nameValueSeparator: StaticString = "\": \""
    private static let listClosing: StaticString = "\n  ]"
    private static let sessionOpening: StaticString = ",\n  \"session\": {\n    \"session_accessed\": true,\n    \"session_key\": "
    private static let sessionValueLabel: StaticString = ",\n    \"session_value\": "
    private static let sessionClosing: StaticString = "\n  }\n}\n"
    private static let messageLabel: StaticString = ",\n  \"message\": "
    private static let documentClosing: StaticString = "\n}\n"

    /// `{` and the `cookies` member: `[{cookie: request.cookies[cookie]} for cookie in request.cookies]`.
    /// A cookie that needs no JSON escape (the usual case) is written as it is, between
    /// literal pieces that carry the quotes. It is not tested when its header line was found
    /// to need none as it was parsed (`arePlainText`), nor when it sits at `plainPosition` (a
    /// session cookie the codec accepted, which is base64url and dots, under a plain name).
    private static func writeStart(cookies: RequestCookies, plainPosition: Int?, into bytes: inout FixedByteBuffer) {
        guard !cookies.isEmpty else {
            bytes.append(utf8: noCookies)
            return
        }
        bytes.append(utf8: cookiesLabel)
        var position = 0
        let arePlainText = cookies.arePlainText
        cookies.forEachPair { name, value, pair in
            // (Each literal appended on its own line: one chosen between two is no constant,
            // and is copied by a call rather than a few moves.)
            if arePlainText || position == plainPosition || JSONWriter.isPlainASCII(pair) {
                // One bounds check for the whole entry, not one a piece (callgrind: with the
                // header line's single ASCII test, ~90 instructions fewer a lesson reply).
                let opening = position == 0 ? plainCookieOpening : nextPlainCookieOpening
                let entryCount = opening.utf8CodeUnitCount + name.count + 4 + value.count + plainCookieClosing.utf8CodeUnitCount
                bytes.append(count: entryCount) { entry in
                    var cursor = entry.baseAddress!
                    func put(_ text: UnsafeRawPointer, _ count: Int) {
                        memcpy(cursor, text, count)
                        cursor += count
                    }
                    if position == 0 {
                        put(plainCookieOpening.utf8Start, plainCookieOpening.utf8CodeUnitCount)
                    } else {
                        put(nextPlainCookieOpening.utf8Start, nextPlainCookieOpening.utf8CodeUnitCount)
                    }
                    if let base = name.baseAddress { put(base, name.count) }
                    put(nameValueSeparator.utf8Start, nameValueSeparator.utf8CodeUnitCount)
                    if let base = value.baseAddress { put(base, value.count) }
                    put(plainCookieClosing.utf8Start, plainCookieClosing.utf8CodeUnitCount)
                }
            } else {
                if position == 0 { bytes.append(utf8: cookieOpening) } else { bytes.append(utf8: nextCookieOpening) }
                JSONWriter.writeString(utf8Bytes: name, into: &bytes)
                bytes.append(utf8: ": ")
                JSONWriter.writeString(utf8Bytes: value, into: &bytes)
                bytes.append(utf8: cookieClosing)
            }
            position += 1
        }
        bytes.append(utf8: listClosing)
    }
}
