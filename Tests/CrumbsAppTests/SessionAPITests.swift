import CrumbsApp
import CrumbsSession
import EventHTTP
import Foundation
import HTTPTestSupport
import Testing

extension LiveApp {
    @discardableResult
    func put(_ path: String, json: String, contentType: String? = "application/json") throws -> RawResponse {
        var headers: [(String, String)] = []
        if let contentType { headers.append(("Content-Type", contentType)) }
        if !jar.isEmpty { headers.append(("Cookie", cookieHeader)) }
        let response = try RawHTTPClient.request(
            port: server.port, method: "PUT", path: path, headers: headers, body: Array(json.utf8))
        remember(response)
        return response
    }
}

@Suite struct SessionAPITests {
    @Test func showsTheWholeSessionWithoutSettingACookie() throws {
        let app = try LiveApp()
        let empty = try app.get("/sessions")
        #expect(empty.status == 200)
        #expect(empty.bodyText == "{\n  \"cookies\": [],\n  \"session\": {}\n}\n")
        #expect(empty.header("Vary") == "Cookie")
        #expect(empty.header("Set-Cookie") == nil)
        try app.get("/sessions/count")
        let full = try app.get("/sessions")
        #expect(full.header("Set-Cookie") == nil)
        #expect(try app.json(full).session == JSONObject([("count", 1), ("goodnight", "Moon"), ("hello", "World")]))
    }

    @Test func putStoresAnyJSONValue() throws {
        let app = try LiveApp()
        let values: [(String, JSONValue)] = [
            ("text", "é"), ("number", .number("2.5")), ("big", .number("123456789012345678901234567890")),
            ("nothing", nil), ("list", [1, [2, ["deep": true]]]), ("flag", false),
        ]
        for (key, value) in values {
            let response = try app.put("/sessions/\(key)", json: JSONWriter.string(value, style: .compact))
            #expect(response.status == 200)
            #expect(response.header("Vary") == "Cookie")
            #expect(try app.json(response).session?["session_value"] == value)
        }
        let stored = try app.decodedSession()
        for (key, value) in values { #expect(stored[key] == value) }
        #expect(try app.json(try app.get("/sessions/list")).session?["session_value"] == [1, [2, ["deep": true]]])
    }

    @Test func badInputIsRefusedAndChangesNothing() throws {
        let app = try LiveApp()
        try app.put("/sessions/keep", json: "\"me\"")
        let before = app.sessionCookie
        let cases: [(path: String, body: String, contentType: String?, status: Int)] = [
            ("/sessions/x", "{not json", "application/json", 400),
            ("/sessions/x", "", "application/json", 400),
            ("/sessions/x", "[1] [2]", "application/json", 400),
            ("/sessions/x", String(repeating: "[", count: 100), "application/json", 400),
            ("/sessions/bad%20key", "1", "application/json", 400),
            ("/sessions/%C3%A9", "1", "application/json", 400),
            ("/sessions/\(String(repeating: "k", count: 65))", "1", "application/json", 400),
            ("/sessions/x", "1", "text/plain", 415),
            ("/sessions/x", "1", nil, 415),
            ("/sessions/x", "1", "application/jsonx", 415),
            ("/sessions/x", "\"\(String(repeating: "a", count: 70_000))\"", "application/json", 413),
        ]
        for testCase in cases {
            let response = try app.put(testCase.path, json: testCase.body, contentType: testCase.contentType)
            #expect(response.status == testCase.status, "\(testCase.path) \(testCase.contentType ?? "-")")
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.header("Set-Cookie") == nil)
            #expect(try app.json(response).object?["status"] == .integer(Int64(testCase.status)))
        }
        #expect(app.sessionCookie == before)
        #expect(try app.put("/sessions/ok", json: "1", contentType: "Application/JSON; charset=utf-8").status == 200)
        #expect(try app.put("/sessions/a-Z_0.9", json: "1").status == 200)
    }

    @Test func refusesASessionTooLargeForBrowsers() throws {
        let app = try LiveApp()
        try app.get("/sessions/count")
        let before = app.sessionCookie
        // Random text does not compress, so the cookie grows with it.
        var generator = SystemRandomNumberGenerator()
        let noise = String((0..<6000).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement(using: &generator)! })
        let refused = try app.put("/sessions/noise", json: "\"\(noise)\"")
        #expect(refused.status == 413)
        #expect(refused.header("Set-Cookie") == nil)
        let body = try app.json(refused).object
        #expect(body?["limit"] == 4093)
        if case .integer(let size)? = body?["cookie_bytes"] { #expect(size > 4093) } else { Issue.record("no size") }
        #expect(app.sessionCookie == before)
        let fits = try app.put("/sessions/noise", json: "\"\(noise.prefix(2800))\"")
        #expect(fits.status == 200)
        #expect(try #require(fits.header("Set-Cookie")).utf8.count <= 4093)
    }

    @Test func deletesValuesAndExpiresAnEmptiedSession() throws {
        let app = try LiveApp()
        try app.put("/sessions/a", json: "1")
        try app.put("/sessions/b", json: "2")
        let deleted = try app.get("/sessions/a", method: "DELETE")
        #expect(deleted.status == 200)
        #expect(try app.json(deleted).session == JSONObject([("b", 2)]))
        #expect(try app.decodedSession() == JSONObject([("b", 2)]))
        let missing = try app.get("/sessions/a", method: "DELETE")
        #expect(missing.status == 404)
        #expect(missing.header("Set-Cookie") == nil)
        let last = try app.get("/sessions/b", method: "DELETE")
        #expect(last.header("Set-Cookie") == "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/; SameSite=Lax")
        #expect(app.sessionCookie == nil)
    }

    @Test func clearingTheSessionExpiresItsCookie() throws {
        let app = try LiveApp()
        try app.get("/sessions/count")
        let cleared = try app.get("/sessions", method: "DELETE")
        #expect(cleared.status == 200)
        #expect(try app.json(cleared).session == JSONObject())
        #expect(
            cleared.header("Set-Cookie") == "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/; SameSite=Lax")
        #expect(app.sessionCookie == nil)
        #expect(try app.json(try app.get("/sessions/count")).session?["session_value"] == 1)
    }

    @Test func eatingTheCrumbsExpiresMouse() throws {
        let app = try LiveApp()
        try app.get("/crumbs")
        let eaten = try app.get("/crumbs", method: "DELETE")
        #expect(eaten.header("Set-Cookie") == "mouse=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax")
        #expect(try app.json(eaten).object?["message"] == "mouse cookie removed")
        #expect(app.jar.isEmpty)
    }

    @Test func permanentSessionsCarryExpiryAndAreRefreshed() throws {
        let app = try LiveApp(configure: { $0.permanentSessions = true; $0.sessionLifetimeSeconds = 3600 })
        let first = try app.get("/sessions/hello")
        #expect(
            first.header("Set-Cookie")?.hasSuffix(
                "; Expires=Tue, 14 Nov 2023 23:13:20 GMT; Max-Age=3600; HttpOnly; Path=/; SameSite=Lax") == true)
        app.clock.advance(by: 60)
        let read = try app.get("/sessions")
        #expect(read.header("Set-Cookie")?.contains("Expires=Tue, 14 Nov 2023 23:14:20 GMT; Max-Age=3600") == true)
    }

    @Test func cookieAttributesAreConfigurable() throws {
        let app = try LiveApp(configure: {
            $0.sessionCookieName = "crumbs_session"
            $0.sessionCookiePath = "/app"
            $0.sessionCookieDomain = "example.test"
            $0.sessionCookieSecure = true
            $0.sessionCookieSameSite = SetCookie.SameSite.none
            $0.sessionCookieHTTPOnly = false
            $0.sessionCookiePartitioned = true
        })
        let response = try app.get("/sessions/count")
        let setCookie = try #require(response.header("Set-Cookie"))
        #expect(setCookie.hasPrefix("crumbs_session="))
        #expect(setCookie.hasSuffix("; Domain=example.test; Secure; Path=/app; SameSite=None; Partitioned"))
        app.jar = [("crumbs_session", String(setCookie.split(separator: ";")[0].dropFirst("crumbs_session=".count)))]
        #expect(try app.json(try app.get("/sessions/count")).session?["session_value"] == 2)
    }

    /// Flask stamps cookies with `int(time.time())`: a clock that lags it at the turn of a
    /// second (as glibc's tick-driven `time()` does for a few milliseconds) refuses a cookie
    /// Flask signed that very moment as not yet valid. Watched across at least one turn.
    @Test func theSessionClockNeverLagsTheWallClock() {
        var wall = timeval()
        gettimeofday(&wall, nil)
        let end = wall.tv_sec + 2
        var readings = 0
        while wall.tv_sec < end {
            gettimeofday(&wall, nil)
            let clock = AppConfiguration.systemClock()
            #expect(clock >= Int64(wall.tv_sec))
            if clock < Int64(wall.tv_sec) { return }
            readings += 1
        }
        #expect(readings > 1000)
    }

    @Test func unsafeConfigurationsAreRefused() {
        let key = LiveApp.secret
        let refused: [AppConfiguration] = [
            AppConfiguration(secretKeys: []),
            AppConfiguration(secretKeys: [Array("old".utf8)]),
            AppConfiguration(secretKeys: [key, Array("fifteen bytes!!".utf8)]),
            AppConfiguration(secretKeys: [key], sessionCookieSameSite: SetCookie.SameSite.none),
            AppConfiguration(secretKeys: [key], sessionCookieName: "bad name"),
            AppConfiguration(secretKeys: [key], sessionCookiePath: "app"),
            AppConfiguration(secretKeys: [key], sessionLifetimeSeconds: 0),
        ]
        for configuration in refused {
            #expect(throws: ConfigurationError.self) { try configuration.validate() }
        }
        #expect(throws: Never.self) {
            try AppConfiguration(
                secretKeys: [key], sessionCookieSameSite: SetCookie.SameSite.none, sessionCookiePartitioned: true
            ).validate()
        }
    }
}

@Suite struct EncryptedSessionTests {
    func encryptedApp(keys: [[UInt8]] = [LiveApp.secret]) throws -> LiveApp {
        try LiveApp(keys: keys, configure: { $0.sessionMode = .encrypted })
    }

    @Test func cookiesAreOpaqueAndStillCount() throws {
        let app = try encryptedApp()
        for expected in Int64(1)...3 {
            #expect(try app.json(try app.get("/sessions/count")).session?["session_value"] == .integer(expected))
        }
        let cookie = try #require(app.sessionCookie)
        #expect(cookie.hasPrefix("v1."))
        #expect(!cookie.contains("eyJ"))
        let sealed = Base64URL.decode(Array(cookie.split(separator: ".")[3].utf8)) ?? []
        #expect(String(decoding: sealed, as: UTF8.self).contains("count") == false)
    }

    @Test func twoCookiesForTheSameSessionDiffer() throws {
        let codec = try SessionCodec(secretKeys: [LiveApp.secret], mode: .encrypted)
        let values = JSONObject([("count", 1)])
        let first = try codec.encode(values, now: 1_700_000_000)
        let second = try codec.encode(values, now: 1_700_000_000)
        #expect(first != second)
        #expect(try codec.decode(first, now: 1_700_000_000).values == values)
        #expect(try codec.decode(second, now: 1_700_000_000).values == values)
    }

    @Test func everyAlterationGivesAFreshSession() throws {
        let app = try encryptedApp()
        try app.get("/sessions/count")
        try app.get("/sessions/count")
        let cookie = try #require(app.sessionCookie)
        let other = try SessionCodec(secretKeys: [LiveApp.secret], mode: .encrypted).encode(
            JSONObject([("count", 50)]), now: app.clock.now - 5)
        let parts = cookie.split(separator: ".").map(String.init)
        let otherParts = other.split(separator: ".").map(String.init)
        var flipped = Array(parts[3].utf8)
        flipped[5] = flipped[5] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let alterations = [
            "v1.\(parts[1]).\(parts[2]).\(String(decoding: flipped, as: UTF8.self))",  // tampered ciphertext
            "v1.\(parts[1]).\(otherParts[2]).\(parts[3])",  // swapped nonce
            "v1.\(otherParts[1]).\(parts[2]).\(parts[3])",  // timestamp moved
            "v1.\(parts[1]).\(parts[2]).\(parts[3].dropLast(4))",  // truncated
            "v1.\(parts[1]).\(parts[2])",  // missing part
            "v2.\(parts[1]).\(parts[2]).\(parts[3])",  // unknown version
        ]
        for altered in alterations {
            app.jar = [("session", altered)]
            #expect(try app.json(try app.get("/sessions/count")).session?["session_value"] == 1, "\(altered)")
        }
        let wrongKey = try encryptedApp(keys: [Array("some other secret key, 32 bytes!".utf8)])
        wrongKey.jar = [("session", cookie)]
        #expect(try wrongKey.json(try wrongKey.get("/sessions/count")).session?["session_value"] == 1)
        app.jar = [("session", cookie)]
        #expect(try app.json(try app.get("/sessions/count")).session?["session_value"] == 3)
    }

    @Test func signedCookiesStillWorkAfterSwitchingToEncryption() throws {
        let signed = try LiveApp()
        try signed.get("/sessions/count")
        let app = try encryptedApp()
        app.jar = signed.jar
        #expect(try app.json(try app.get("/sessions/count")).session?["session_value"] == 2)
        #expect(app.sessionCookie?.hasPrefix("v1.") == true)
    }

    @Test func olderKeysDecryptAndTheNewestEncrypts() throws {
        let old = Array("the old secret key, still trusted".utf8)
        let oldApp = try encryptedApp(keys: [old])
        try oldApp.get("/sessions/count")
        let app = try encryptedApp(keys: [LiveApp.secret, old])
        app.jar = oldApp.jar
        #expect(try app.json(try app.get("/sessions/count")).session?["session_value"] == 2)
        let newOnly = try encryptedApp()
        newOnly.jar = app.jar
        #expect(try newOnly.json(try newOnly.get("/sessions/count")).session?["session_value"] == 3)
    }
}
