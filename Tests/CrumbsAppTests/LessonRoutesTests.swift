import CrumbsApp
import CrumbsSession
import EventHTTP
import Foundation
import HTTPTestSupport
import Testing

/// A clock tests can move. `@unchecked Sendable`: every access holds the lock.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var seconds: Int64

    init(_ seconds: Int64) { self.seconds = seconds }

    var now: Int64 { lock.withLock { seconds } }
    func advance(by delta: Int64) { lock.withLock { seconds += delta } }
}

/// A live Crumbs app on a free port, and a client that carries cookies like a browser.
final class LiveApp {
    static let secret = Array("crumbs test secret key, 32 bytes".utf8)
    let server: HTTPServer
    let clock: TestClock
    let configuration: AppConfiguration
    var jar: [(String, String)] = []

    init(
        keys: [[UInt8]] = [LiveApp.secret], lifetime: Int64 = SessionSerializer.flaskLifetimeSeconds, threads: Int = 1,
        transport: HTTPServerConfiguration? = nil, configure: (inout AppConfiguration) -> Void = { _ in }
    ) throws {
        let clock = TestClock(1_700_000_000)
        var configuration = AppConfiguration(secretKeys: keys, sessionLifetimeSeconds: lifetime, clock: { clock.now })
        configure(&configuration)
        self.clock = clock
        self.configuration = configuration
        server = try CrumbsServer.make(configuration, transport: transport ?? HTTPServerConfiguration(port: 0, threads: threads))
        try server.start()
    }

    deinit {
        server.stop()
        server.wait()
    }

    var cookieHeader: String { jar.map { "\($0.0)=\($0.1)" }.joined(separator: "; ") }

    /// GETs `path` sending the jar, then stores any cookies the response sets.
    @discardableResult
    func get(_ path: String, method: String = "GET", headers: [(String, String)] = []) throws -> RawResponse {
        var allHeaders = headers
        if !jar.isEmpty { allHeaders.append(("Cookie", cookieHeader)) }
        let response = try RawHTTPClient.request(port: server.port, method: method, path: path, headers: allHeaders)
        remember(response)
        return response
    }

    /// Stores the cookies a response sets, as a browser would.
    func remember(_ response: RawResponse) {
        for setCookie in response.headerValues("Set-Cookie") {
            let pair = setCookie.split(separator: ";", maxSplits: 1)[0]
            let name = String(pair.split(separator: "=", maxSplits: 1)[0])
            let value = String(pair.dropFirst(name.count + 1))
            // A browser updates a cookie where it stands, keeping the order cookies are sent in.
            if let index = jar.firstIndex(where: { $0.0 == name }) {
                if value.isEmpty { jar.remove(at: index) } else { jar[index].1 = value }
            } else if !value.isEmpty {
                jar.append((name, value))
            }
        }
    }

    func json(_ response: RawResponse) throws -> JSONValue { try JSONParser.parse(response.body) }

    var sessionCookie: String? { jar.first { $0.0 == configuration.sessionCookieName }?.1 }

    func decodedSession() throws -> JSONObject {
        try SessionCodec(secretKeys: configuration.secretKeys).decode(sessionCookie ?? "", now: clock.now).values
    }
}

@Suite struct LessonRoutesTests {
    @Test func firstVisitMatchesFlaskByteForByte() throws {
        let app = try LiveApp()
        let response = try app.get("/sessions/hello")
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.header("Vary") == "Cookie")
        #expect(
            response.bodyText == """
                {
                  "cookies": [],
                  "session": {
                    "session_accessed": true,
                    "session_key": "hello",
                    "session_value": "World"
                  }
                }

                """)
        let setCookie = try #require(response.header("Set-Cookie"))
        #expect(setCookie.hasPrefix("session=eyJjb3VudCI6MCwiZ29vZG5pZ2h0IjoiTW9vbiIsImhlbGxvIjoiV29ybGQifQ.ZVPxAA."))
        #expect(setCookie.hasSuffix("; HttpOnly; Path=/; SameSite=Lax"))
        #expect(try app.decodedSession() == JSONObject([("count", 0), ("goodnight", "Moon"), ("hello", "World")]))
    }

    @Test func aWholeVisitCarriesTheSessionAcrossRoutes() throws {
        let app = try LiveApp()
        try app.get("/sessions/hello")
        let crumbs = try app.get("/crumbs")
        #expect(crumbs.header("Set-Cookie") == "mouse=Cookie; Path=/; SameSite=Lax")
        #expect(crumbs.header("Vary") == nil)
        #expect(try app.json(crumbs) == ["cookies": [["session": .string(app.sessionCookie!)]], "message": "mouse successfully followed crumbs"])
        for expected in Int64(1)...4 {
            let sessionBefore = app.sessionCookie!
            let count = try app.json(try app.get("/sessions/count"))
            #expect(
                count == [
                    "cookies": [["session": .string(sessionBefore)], ["mouse": "Cookie"]],
                    "session": ["session_accessed": true, "session_key": "count", "session_value": .integer(expected)],
                ])
        }
        let sessionBefore = app.sessionCookie!
        let goodnight = try app.json(try app.get("/sessions/goodnight"))
        #expect(
            goodnight == [
                "cookies": [["session": .string(sessionBefore)], ["mouse": "Cookie"]],
                "session": ["session_accessed": true, "session_key": "goodnight", "session_value": "Moon"],
            ])
        #expect(try app.decodedSession()["count"] == 4)
    }

    @Test func aTamperedCookieStartsAFreshSession() throws {
        let app = try LiveApp()
        try app.get("/sessions/count")
        try app.get("/sessions/count")
        #expect(try app.decodedSession()["count"] == 2)
        // Hand-edit the payload to count=99, keeping the old signature.
        let parts = app.sessionCookie!.split(separator: ".")
        let forged = Base64URL.encodeToString(Array(#"{"count":99,"goodnight":"Moon","hello":"World"}"#.utf8))
        app.jar = [("session", "\(forged).\(parts[1]).\(parts[2])")]
        let response = try app.json(try app.get("/sessions/count"))
        #expect(response.session?["session_value"] == 1)
        for garbage in ["", "x", "a.b.c", "...", String(repeating: "A", count: 3000)] {
            app.jar = [("session", garbage)]
            #expect(try app.json(try app.get("/sessions/count")).session?["session_value"] == 1)
        }
    }

    @Test func anExpiredOrFutureCookieStartsAFreshSession() throws {
        let app = try LiveApp(lifetime: 3600)
        try app.get("/sessions/count")
        app.clock.advance(by: 3600)
        #expect(try app.json(try app.get("/sessions/count")).session?["session_value"] == 2)
        app.clock.advance(by: 3601)
        #expect(try app.json(try app.get("/sessions/count")).session?["session_value"] == 1)
        app.clock.advance(by: -7200)
        #expect(try app.json(try app.get("/sessions/count")).session?["session_value"] == 1)
    }

    /// The lesson's bodies are written into the 2 KiB lent them when they fit and again,
    /// in four times the room, when not (bodies from ~250 bytes to ~5 KB, some around
    /// 2 KiB): the bytes must be `jsonify`'s either way.
    @Test(arguments: [10, 300, 740, 750, 760, 1_100, 2_000])
    func bodiesOfEverySizeAreJsonifysBytes(cookieLength: Int) throws {
        let app = try LiveApp()
        let long = String(repeating: "é\"\\x", count: cookieLength / 5)
        let cookies: [(String, String)] = [("plain", "Cookie"), ("long", long)]
        // Quoted, with `"`, `\\` and every non-ASCII byte written as octal escapes.
        func escaped(_ byte: UInt8) -> String {
            guard byte >= 0x80 || byte == 0x22 || byte == 0x5C else { return String(UnicodeScalar(byte)) }
            let digits = String(byte, radix: 8)
            return "\\" + String(repeating: "0", count: 3 - digits.count) + digits
        }
        let header = cookies.map { name, value in "\(name)=\"" + value.utf8.map(escaped).joined() + "\"" }
            .joined(separator: "; ")
        // jsonify's bytes, written out: indent 2, ASCII only (é is \u00e9), a final newline.
        let longJSON = String(repeating: #"\u00e9\"\\x"#, count: cookieLength / 5)
        let cookieList = """
              "cookies": [
                {
                  "plain": "Cookie"
                },
                {
                  "long": "\(longJSON)"
                }
              ],
            """
        let crumbs = try app.get("/crumbs", headers: [("Cookie", header)])
        #expect(crumbs.bodyText == "{\n\(cookieList)\n  \"message\": \"mouse successfully followed crumbs\"\n}\n")
        // Another client, so that the mouse cookie just set is not sent back.
        let hello = try LiveApp().get("/sessions/hello", headers: [("Cookie", header)])
        #expect(
            hello.bodyText == """
                {
                \(cookieList)
                  "session": {
                    "session_accessed": true,
                    "session_key": "hello",
                    "session_value": "World"
                  }
                }

                """)
    }

    /// 1,200 cookies (7 KB of header) make a body of 33 KB, past the 2, 8 and 32 KiB it is
    /// tried in: still `jsonify`'s bytes.
    @Test func twelveHundredCookiesAreListedAsJsonifyListsThem() throws {
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        let pairs: [(String, String)] = (0..<1_200).map { index in
            let name = String([letters[index / 52], letters[index % 52]])
            return (name, String(index % 7))
        }
        let header = pairs.map { name, value in "\(name)=\(value)" }.joined(separator: "; ")
        let entries = pairs.map { name, value in "    {\n      \"\(name)\": \"\(value)\"\n    }" }.joined(separator: ",\n")
        let crumbs = try LiveApp().get("/crumbs", headers: [("Cookie", header)])
        #expect(crumbs.bodyText.utf8.count > 32_768)
        #expect(
            crumbs.bodyText
                == "{\n  \"cookies\": [\n\(entries)\n  ],\n  \"message\": \"mouse successfully followed crumbs\"\n}\n")
    }

    /// A verified session cookie is listed as it was sent, without the escape test, and the
    /// cookies before and after it that need escapes get them: `jsonify`'s bytes, with the
    /// session first and second.
    @Test func aVerifiedSessionIsListedAmongCookiesThatNeedEscapes() throws {
        let app = try LiveApp()
        try app.get("/sessions/count")
        let session = try #require(app.sessionCookie)
        func body(_ cookies: [(String, String)]) -> String {
            let entries = cookies.map { "    {\n      \"\($0)\": \"\($1)\"\n    }" }.joined(separator: ",\n")
            return "{\n  \"cookies\": [\n\(entries)\n  ],\n  \"session\": {\n    \"session_accessed\": true,\n"
                + "    \"session_key\": \"hello\",\n    \"session_value\": \"World\"\n  }\n}\n"
        }
        let second = try LiveApp().get("/sessions/hello", headers: [("Cookie", #"q="a\"b"; session="# + session + #"; t=x\y; u=café"#)])
        #expect(second.bodyText == body([("q", #"a\"b"#), ("session", session), ("t", #"x\\y"#), ("u", #"caf\u00e9"#)]))
        let first = try LiveApp().get("/sessions/hello", headers: [("Cookie", "session=" + session + #"; a="x\"y"; b=tab\#there"#)])
        #expect(first.bodyText == body([("session", session), ("a", #"x\"y"#), ("b", #"tab\t"# + "here")]))
    }

    /// A handler built without `validate` may name its session cookie with a character JSON
    /// escapes: a verified session under that name is listed escaped, not as it was sent.
    @Test func aVerifiedSessionUnderANameThatNeedsAnEscapeIsEscaped() throws {
        let now: Int64 = 1_700_000_000
        let configuration = AppConfiguration(secretKeys: [LiveApp.secret], sessionCookieName: #"a"b"#, clock: { now })
        let server = HTTPServer(configuration: HTTPServerConfiguration(port: 0)) { loop in
            try! CrumbsHandler(configuration: configuration, loop: loop)
        }
        try server.start()
        defer {
            server.stop()
            server.wait()
        }
        let session = try SessionCodec(secretKeys: [LiveApp.secret])
            .encode(JSONObject([("count", 4), ("goodnight", "Moon"), ("hello", "Dear")]), now: now)
        let response = try RawHTTPClient.request(
            port: server.port, path: "/sessions/hello", headers: [("Cookie", #"a"b="# + session)])
        #expect(
            response.bodyText
                == "{\n  \"cookies\": [\n    {\n      \"a\\\"b\": \"\(session)\"\n    }\n  ],\n  \"session\": {\n"
                + "    \"session_accessed\": true,\n    \"session_key\": \"hello\",\n    \"session_value\": \"Dear\"\n  }\n}\n")
    }

    @Test func readsEveryCookieHeaderLine() throws {
        let app = try LiveApp()
        let response = try app.get("/crumbs", headers: [("Cookie", "a=1; b=\"x y\""), ("Cookie", "a=2; c=3")])
        #expect(try app.json(response).cookies == [["a": "1"], ["b": "x y"], ["c": "3"]])
    }

    @Test func keepsValuesOfAnyTypeAndPassesThemThrough() throws {
        let app = try LiveApp()
        let stored: JSONObject = JSONObject([
            ("count", 7), ("hello", ["nested": [1, .number("2.5"), nil, true]]),
            ("goodnight", "Moon"), ("extra", "é😀"),
        ])
        let serializer = try SessionSerializer(secretKeys: [LiveApp.secret])
        app.jar = [("session", serializer.encode(stored, now: app.clock.now))]
        let hello = try app.json(try app.get("/sessions/hello"))
        #expect(hello.session?["session_value"] == ["nested": [1, .number("2.5"), nil, true]])
        let extra = try app.get("/sessions/extra")
        #expect(extra.bodyText.contains(#""session_value": "\u00e9\ud83d\ude00""#))
        // Neither visit changes a truthy value: the session goes back as it came.
        #expect(try app.decodedSession() == stored)
    }

    @Test func falsyValuesAreReplacedAsFlaskDoes() throws {
        let app = try LiveApp()
        let serializer = try SessionSerializer(secretKeys: [LiveApp.secret])
        app.jar = [("session", serializer.encode(JSONObject([("hello", ""), ("goodnight", nil), ("count", false)]), now: app.clock.now))]
        try app.get("/sessions/hello")
        #expect(try app.decodedSession() == JSONObject([("count", 0), ("goodnight", "Moon"), ("hello", "World")]))
    }

    @Test(arguments: [JSONValue.string("three"), .number("1.5"), true, .integer(Int64.max), .number("99999999999999999999")])
    func aCountThatCannotBeIncrementedIsAConflict(count: JSONValue) throws {
        let app = try LiveApp()
        let serializer = try SessionSerializer(secretKeys: [LiveApp.secret])
        let cookie = serializer.encode(JSONObject([("count", count)]), now: app.clock.now)
        app.jar = [("session", cookie)]
        let response = try app.get("/sessions/count")
        #expect(response.status == 409)
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.header("Set-Cookie") == nil)
        #expect(try app.json(response).object?["count"] == count)
        // Other keys still work with the same session.
        #expect(try app.get("/sessions/hello").status == 200)
    }

    @Test func unknownKeysPathsAndMethodsAreJSONErrors() throws {
        let app = try LiveApp()
        let unknown = try app.get("/sessions/nope")
        #expect(unknown.status == 404)
        #expect(unknown.header("Set-Cookie") == nil)
        #expect(
            try app.json(unknown) == [
                "error": "Not Found", "key": "nope", "known_keys": ["count", "goodnight", "hello"],
                "message": "the session has no key nope", "status": 404,
            ])
        // Keys a byte away from the lesson's (which are routed as literals) are their own.
        for key in ["coun", "counts", "Count", "hell", "helloo", "goodnigh", "goodnight_", "c"] {
            let response = try app.get("/sessions/\(key)")
            #expect(response.status == 404, "\(key)")
            #expect(try app.json(response).object?["key"] == .string(key))
        }
        for path in ["/index.html", "/session", "/sessions/", "/sessions/hello/", "/crumbs/", "/sessions/a%2Fb", "/favicon.ico"] {
            let response = try app.get(path)
            #expect(response.status == 404, "\(path)")
            #expect(try app.json(response).object?["status"] == 404)
        }
        let badEscape = try app.get("/sessions/%zz")
        #expect(badEscape.status == 400)
        #expect(try app.json(badEscape).object?["status"] == 400)
        for method in ["POST", "PUT", "PATCH", "TRACE"] {
            let response = try app.get("/crumbs", method: method)
            #expect(response.status == 405)
            #expect(response.header("Allow") == "GET, HEAD, DELETE, OPTIONS")
            #expect(try app.json(response).object?["error"] == "Method Not Allowed")
        }
    }

    @Test func decodesThePathAsFlaskDoes() throws {
        let app = try LiveApp()
        let response = try app.get("/sessions/hel%6co?ignored=1")
        #expect(try app.json(response).session?["session_key"] == "hello")
    }

    @Test func headRunsTheRouteAndOptionsListsMethods() throws {
        let app = try LiveApp()
        let head = try app.get("/sessions/count", method: "HEAD")
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
        #expect(try app.decodedSession()["count"] == 1)
        let fresh = try LiveApp()
        let get = try fresh.get("/sessions/count")
        #expect(head.header("Content-Length") == String(get.body.count))
        let options = try app.get("/crumbs", method: "OPTIONS")
        #expect(options.status == 204)
        #expect(options.header("Allow") == "GET, HEAD, DELETE, OPTIONS")
        #expect(try app.get("/sessions/x", method: "OPTIONS").header("Allow") == "GET, HEAD, PUT, DELETE, OPTIONS")
    }

    /// Each route takes exactly the methods its `Allow` header lists; the rest get 405.
    @Test func eachRouteTakesTheMethodsItLists() throws {
        let app = try LiveApp()
        let allowed: [(path: String, methods: Set<String>)] = [
            ("/", ["GET", "HEAD", "OPTIONS"]), ("/crumbs", ["GET", "HEAD", "DELETE", "OPTIONS"]),
            ("/sessions", ["GET", "HEAD", "DELETE", "OPTIONS"]), ("/sessions/x", ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]),
        ]
        for (path, methods) in allowed {
            for method in ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "POST", "PATCH"] {
                let status = try app.get(path, method: method).status
                #expect((status == 405) == !methods.contains(method), "\(method) \(path): \(status)")
            }
        }
    }

    @Test func cookiesSignedWithAnOlderKeyAreReadAndResigned() throws {
        let old = Array("the old secret key, still trusted".utf8)
        let app = try LiveApp(keys: [LiveApp.secret, old])
        let oldSerializer = try SessionSerializer(secretKeys: [old])
        app.jar = [("session", oldSerializer.encode(JSONObject([("count", 41)]), now: app.clock.now))]
        #expect(try app.json(try app.get("/sessions/count")).session?["session_value"] == 42)
        let resigned = try SessionSerializer(secretKeys: [LiveApp.secret]).decode(app.sessionCookie!, now: app.clock.now)
        #expect(resigned.values["count"] == 42)
    }

    @Test func servesConcurrentClientsOnSeveralLoops() throws {
        let app = try LiveApp(threads: 2)
        let port = app.server.port
        let failures = ManagedAtomicCounter()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            var jar = ""
            for expected in 1...25 {
                guard
                    let response = try? RawHTTPClient.request(
                        port: port, path: "/sessions/count", headers: jar.isEmpty ? [] : [("Cookie", jar)]),
                    let body = try? JSONParser.parse(response.body),
                    body.session?["session_value"] == .integer(Int64(expected)),
                    let setCookie = response.header("Set-Cookie")
                else {
                    failures.increment()
                    return
                }
                jar = String(setCookie.split(separator: ";")[0])
            }
        }
        #expect(failures.value == 0)
    }
}

/// `@unchecked Sendable`: guarded by its lock.
final class ManagedAtomicCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

extension JSONValue {
    var object: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    var session: JSONObject? { object?["session"]?.object }
    var cookies: JSONValue? { object?["cookies"] }
}
