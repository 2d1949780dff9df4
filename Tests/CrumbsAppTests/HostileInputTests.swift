import CrumbsApp
import CrumbsSession
import EventHTTP
import Foundation
import HTTPTestSupport
import Testing

/// What a hostile request may get back.
enum Outcome: CustomStringConvertible {
    /// A reply with one of these statuses (evhttp may close the connection after it).
    case status(Set<Int>)
    /// 200 with a fresh session: count back to 1 on `/sessions/count`.
    case freshSession
    /// No reply at all, only the connection closed (evhttp's answer to some broken heads).
    case statusOrClosed(Set<Int>)

    var description: String {
        switch self {
        case .status(let statuses): return "status \(statuses.sorted())"
        case .freshSession: return "a fresh session"
        case .statusOrClosed(let statuses): return "status \(statuses.sorted()) or a closed connection"
        }
    }
}

struct HostileCase: CustomStringConvertible, Sendable {
    let name: String
    let request: [UInt8]
    let outcome: Outcome

    var description: String { name }
}

extension Outcome: @unchecked Sendable {}

private func request(_ head: String, body: [UInt8] = []) -> [UInt8] { Array(head.utf8) + body }

private func get(_ path: String, cookie: String? = nil, extra: String = "") -> [UInt8] {
    let cookieLine = cookie.map { "Cookie: \($0)\r\n" } ?? ""
    return request("GET \(path) HTTP/1.1\r\nHost: a\r\n\(cookieLine)\(extra)Connection: close\r\n\r\n")
}

/// A session cookie with any payload bytes, signed with the test key at the test clock's
/// time (1,700,000,000 is `ZVPxAA`), so the signature passes and the payload is what is tested.
private func signed(payload: [UInt8], compressed: Bool = false) -> String {
    var text: [UInt8] = compressed ? [UInt8(ascii: ".")] : []
    text += Base64URL.encode(payload) + [UInt8(ascii: ".")] + Base64URL.encode([0x65, 0x53, 0xF1, 0x00])
    let derived = SessionSerializer.derivedKey(secret: LiveApp.secret, salt: SessionSerializer.flaskSalt)
    let mac = HMACSHA1.oneShot(key: derived, message: text)
    return String(decoding: text + [UInt8(ascii: ".")] + Base64URL.encode(mac), as: UTF8.self)
}

let clientErrors = Set(400..<500)

let hostileCases: [HostileCase] = [
    // Broken request lines and heads: evhttp's own 400 (or a close).
    HostileCase(name: "garbage request line", request: request("GARBAGE\r\n\r\n"), outcome: .statusOrClosed(clientErrors)),
    HostileCase(name: "method only", request: request("GET\r\n\r\n"), outcome: .statusOrClosed(clientErrors)),
    HostileCase(name: "unknown method", request: request("BREW /crumbs HTTP/1.1\r\nHost: a\r\n\r\n"), outcome: .statusOrClosed(clientErrors.union([501]))),
    HostileCase(name: "lowercase method", request: request("get /crumbs HTTP/1.1\r\nHost: a\r\n\r\n"), outcome: .statusOrClosed(clientErrors.union([501]))),
    HostileCase(name: "CONNECT", request: request("CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n"), outcome: .statusOrClosed(clientErrors.union([501]))),
    HostileCase(name: "HTTP/9.9", request: request("GET /crumbs HTTP/9.9\r\nHost: a\r\n\r\n"), outcome: .statusOrClosed(clientErrors.union([505]))),
    HostileCase(name: "header without a colon", request: request("GET /crumbs HTTP/1.1\r\nHost a\r\nBroken\r\n\r\n"), outcome: .statusOrClosed(clientErrors)),
    HostileCase(name: "20 KB header", request: get("/crumbs", extra: "X-Big: \(String(repeating: "x", count: 20_000))\r\n"), outcome: .statusOrClosed(clientErrors)),
    HostileCase(name: "1 MB cookie header", request: get("/sessions/count", cookie: "a=" + String(repeating: "y", count: 1_000_000)), outcome: .statusOrClosed(clientErrors)),
    HostileCase(name: "20 KB request target", request: get("/sessions/" + String(repeating: "k", count: 20_000)), outcome: .statusOrClosed(clientErrors)),
    HostileCase(name: "NUL in the path", request: request("GET /sessions/he\u{0}llo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"), outcome: .statusOrClosed(clientErrors)),
    HostileCase(name: "negative Content-Length", request: request("PUT /sessions/x HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n1"), outcome: .statusOrClosed(clientErrors)),
    HostileCase(name: "huge Content-Length", request: request("PUT /sessions/x HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n1"), outcome: .statusOrClosed(clientErrors)),
    HostileCase(name: "broken chunked body", request: request("PUT /sessions/x HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n1\r\n0\r\n\r\n"), outcome: .statusOrClosed(clientErrors)),
    HostileCase(name: "absolute-form target", request: request("GET http://evil.example/sessions/hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"), outcome: .status(clientErrors)),
    // Paths: decoded as Flask decodes them, errors in JSON.
    HostileCase(name: "%00 key", request: get("/sessions/%00"), outcome: .status([404])),
    HostileCase(name: "%2F in the key", request: get("/sessions/a%2Fb"), outcome: .status([404])),
    HostileCase(name: "overlong UTF-8 slash", request: get("/sessions/%C0%AF"), outcome: .status([400])),
    HostileCase(name: "invalid UTF-8 escape", request: get("/sessions/%FF"), outcome: .status([400])),
    HostileCase(name: "truncated escape", request: get("/sessions/hello%"), outcome: .status([400])),
    HostileCase(name: "non-hex escape", request: get("/sessions/%zz"), outcome: .status([400])),
    HostileCase(name: "dot segments", request: get("/sessions/../crumbs"), outcome: .status([404])),
    HostileCase(name: "raw UTF-8 path", request: get("/sessions/é"), outcome: .status([404])),
    // Cookies: never a crash, at worst a fresh session.
    HostileCase(name: "invalid UTF-8 in a cookie", request: Array("GET /sessions/count HTTP/1.1\r\nHost: a\r\nCookie: a=".utf8) + [0xFF, 0xFE] + Array("\r\nConnection: close\r\n\r\n".utf8), outcome: .freshSession),
    HostileCase(name: "NUL in a cookie", request: get("/sessions/count", cookie: "a=b\u{0}c; session=x"), outcome: .freshSession),
    HostileCase(name: "empty Cookie header", request: get("/sessions/count", cookie: ""), outcome: .freshSession),
    HostileCase(name: "only separators", request: get("/sessions/count", cookie: ";;;==;;"), outcome: .freshSession),
    HostileCase(name: "unterminated quoted cookie", request: get("/sessions/count", cookie: "a=\"\\\\\\"), outcome: .freshSession),
    HostileCase(name: "session without signature", request: get("/sessions/count", cookie: "session=eyJhIjoxfQ.ZVPxAA"), outcome: .freshSession),
    HostileCase(name: "session with empty parts", request: get("/sessions/count", cookie: "session=.."), outcome: .freshSession),
    HostileCase(name: "session with only a payload", request: get("/sessions/count", cookie: "session=eyJhIjoxfQ"), outcome: .freshSession),
    HostileCase(name: "session with a dot payload", request: get("/sessions/count", cookie: "session=..ZVPxAA.abc"), outcome: .freshSession),
    HostileCase(name: "huge base64 session", request: get("/sessions/count", cookie: "session=" + String(repeating: "A", count: 7000) + ".ZVPxAA.AAAA"), outcome: .freshSession),
    HostileCase(name: "signed bad zlib", request: get("/sessions/count", cookie: "session=" + signed(payload: [0x78, 0x9C, 1, 2, 3, 4], compressed: true)), outcome: .freshSession),
    HostileCase(name: "signed decompression bomb", request: get("/sessions/count", cookie: "session=" + signed(payload: Zlib().compress(Array("{\"a\":\"".utf8) + [UInt8](repeating: 0x61, count: 4_000_000) + Array("\"}".utf8)), compressed: true)), outcome: .freshSession),
    HostileCase(name: "signed deeply nested JSON", request: get("/sessions/count", cookie: "session=" + signed(payload: Array(("{\"a\":" + String(repeating: "[", count: 2000) + String(repeating: "]", count: 2000) + "}").utf8))), outcome: .freshSession),
    HostileCase(name: "signed non-object JSON", request: get("/sessions/count", cookie: "session=" + signed(payload: Array("[1,2,3]".utf8))), outcome: .freshSession),
    HostileCase(name: "signed invalid UTF-8 JSON", request: get("/sessions/count", cookie: "session=" + signed(payload: [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D])), outcome: .freshSession),
    HostileCase(name: "signed count beyond Int64", request: get("/sessions/count", cookie: "session=" + signed(payload: Array("{\"count\":123456789012345678901234567890}".utf8))), outcome: .status([409])),
    HostileCase(name: "signed count as a string", request: get("/sessions/count", cookie: "session=" + signed(payload: Array("{\"count\":\"many\"}".utf8))), outcome: .status([409])),
    // Bodies.
    HostileCase(name: "deep JSON body", request: request("PUT /sessions/x HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 4000\r\nConnection: close\r\n\r\n", body: Array((String(repeating: "[", count: 2000) + String(repeating: "]", count: 2000)).utf8)), outcome: .status([400])),
    HostileCase(name: "invalid UTF-8 JSON body", request: request("PUT /sessions/x HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 3\r\nConnection: close\r\n\r\n", body: [0x22, 0xFF, 0x22]), outcome: .status([400])),
    HostileCase(name: "body on a GET", request: request("GET /crumbs HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"), outcome: .status([200])),
    HostileCase(name: "HTTP/1.0 without Host", request: request("GET /sessions/count HTTP/1.0\r\n\r\n"), outcome: .freshSession),
    HostileCase(name: "a thousand small headers", request: get("/crumbs", extra: String(repeating: "X-A: b\r\n", count: 1000)), outcome: .status([200])),
]

@Suite struct HostileInputTests {
    @Test(arguments: hostileCases)
    func hostileRequestsGetA4xxOrAFreshSession(_ hostile: HostileCase) throws {
        let app = try LiveApp(threads: 1)
        let client = try RawHTTPClient(port: app.server.port)
        try? client.send(hostile.request)
        let response = try? client.readResponse()
        switch (hostile.outcome, response) {
        case (.status(let statuses), let response?):
            #expect(statuses.contains(response.status), "\(hostile.name): got \(response.status)")
        case (.statusOrClosed(let statuses), let response?):
            #expect(statuses.contains(response.status), "\(hostile.name): got \(response.status)")
        case (.statusOrClosed, nil):
            #expect(client.readsEndOfStream(waitingAtMost: 2), "\(hostile.name): neither an answer nor a close")
        case (.freshSession, let response?):
            #expect(response.status == 200, "\(hostile.name): got \(response.status)")
            let body = try JSONParser.parse(response.body)
            #expect(body.session?["session_value"] == 1, "\(hostile.name)")
        case (_, nil):
            Issue.record("\(hostile.name): no answer, expected \(hostile.outcome)")
        }
        if let response, response.status >= 500 && response.status != 501 && response.status != 505 {
            Issue.record("\(hostile.name): server error \(response.status)")
        }
        // Every answer is JSON, evhttp's own refusals included: an error says its status.
        if let response {
            #expect(response.header("Content-Type") == "application/json", "\(hostile.name): \(response)")
            if response.status >= 400 {
                let error = (try? JSONParser.parse(response.body))?.object
                #expect(error?["status"] == .integer(Int64(response.status)), "\(hostile.name): \(response)")
                guard case .string(let message)? = error?["message"], !message.isEmpty else {
                    Issue.record("\(hostile.name): no message in \(response)")
                    return
                }
            }
        }
        // The server is still there for everyone else.
        #expect(try RawHTTPClient.request(port: app.server.port, path: "/crumbs").status == 200, "\(hostile.name)")
    }

    @Test func tenThousandCookiesAreParsedWithinALargerHeaderLimit() throws {
        let header = (0..<10_000).map { "c\($0)=v" }.joined(separator: "; ")
        let app = try LiveApp(transport: HTTPServerConfiguration(port: 0, maxHeaderBytes: 256 * 1024))
        let response = try RawHTTPClient.request(port: app.server.port, path: "/crumbs", headers: [("Cookie", header)])
        #expect(response.status == 200)
        if case .array(let cookies)? = try JSONParser.parse(response.body).object?["cookies"] {
            #expect(cookies.count == 10_000)
        } else {
            Issue.record("no cookie list")
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let app = try LiveApp()
        let client = try RawHTTPClient(port: app.server.port)
        let paths = ["/sessions/hello", "/crumbs", "/sessions/nope", "/sessions/goodnight", "/nowhere"]
        try client.send(paths.map { "GET \($0) HTTP/1.1\r\nHost: a\r\n\r\n" }.joined())
        let statuses = try paths.map { _ in try client.readResponse().status }
        #expect(statuses == [200, 200, 404, 200, 404])
    }

    @Test func clientsThatVanishMidRequestOrMidReplyHarmNoOne() throws {
        let app = try LiveApp()
        for _ in 0..<50 {
            let client = try RawHTTPClient(port: app.server.port)
            try client.send("GET /sessions/count HTTP/1.1\r\nHost: a\r\nCookie: a=")
        }
        for _ in 0..<50 {
            let client = try RawHTTPClient(port: app.server.port)
            try client.send("GET /sessions/count HTTP/1.1\r\nHost: a\r\n\r\n")
            client.resetOnClose()
        }
        #expect(try RawHTTPClient.request(port: app.server.port, path: "/sessions/count").status == 200)
    }
}
