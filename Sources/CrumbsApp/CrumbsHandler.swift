import CrumbsSession
import EventHTTP

/// The routes of the Flask lesson, answering with the bytes Flask's `jsonify` would send.
/// One instance per event loop: it owns that loop's keyed HMAC contexts.
public final class CrumbsHandler: HTTPHandler {
    private let configuration: AppConfiguration
    private let serializer: SessionSerializer

    /// The lesson's session keys with the values `show_session` gives them when missing.
    static let sessionDefaults: [(key: String, value: JSONValue)] = [
        ("hello", "World"), ("goodnight", "Moon"), ("count", 0),
    ]

    public init(configuration: AppConfiguration) throws(CryptoError) {
        self.configuration = configuration
        self.serializer = try SessionSerializer(
            secretKeys: configuration.secretKeys, lifetimeSeconds: configuration.sessionLifetimeSeconds)
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        guard let path = PercentDecoding.decode(request.rawPath) else {
            return ErrorResponse.make(400, "the request path is not valid percent-encoded UTF-8")
        }
        guard let route = Route(path: path) else {
            return ErrorResponse.make(404, "no route for \(path)", extra: [("path", .string(path))])
        }
        guard let method = request.method, route.allowedMethods.contains(method) else {
            return ErrorResponse.methodNotAllowed(request.method?.rawValue ?? "?", allowed: route.allowedMethods)
        }
        if method == .options {
            return HTTPResponse(status: 204, headers: [("Allow", route.allowHeader)])
        }
        let cookies = RequestCookies(headerLines: request.headerValues("Cookie"))
        switch route {
        case .sessionValue(let key): return showSession(key: key, cookies: cookies)
        case .crumbs: return followCrumbs(cookies: cookies)
        }
    }

    /// `show_session(key)`: fill in the defaults, count a visit to `count`, show one value.
    private func showSession(key: String, cookies: RequestCookies) -> HTTPResponse {
        var session = loadSession(cookies)
        // Flask's `session[k] = session.get(k) or default`: any falsy value is replaced.
        for (name, value) in Self.sessionDefaults where !(session[name]?.isTruthy ?? false) {
            session[name] = value
        }
        if key == "count" {
            guard case .integer(let count)? = session["count"], count < Int64.max else {
                return ErrorResponse.make(
                    409,
                    "the session's count is not an integer that can be incremented; "
                        + "start a new session by deleting the session cookie",
                    extra: [("count", session["count"] ?? .null)])
            }
            session["count"] = .integer(count + 1)
        }
        guard let value = session[key] else {
            return ErrorResponse.make(
                404, "the session has no key \(key)",
                extra: [("key", .string(key)), ("known_keys", .array(session.keys.map { .string($0) }))])
        }
        let body: JSONValue = [
            "cookies": cookieList(cookies),
            "session": ["session_accessed": true, "session_key": .string(key), "session_value": value],
        ]
        var response = JSONResponse.make(200, body)
        response.addHeader("Vary", "Cookie")
        response.addHeader("Set-Cookie", sessionCookie(session).headerValue)
        return response
    }

    /// `follow_crumbs()`: show the cookies and set the readable `mouse` cookie.
    private func followCrumbs(cookies: RequestCookies) -> HTTPResponse {
        let body: JSONValue = [
            "cookies": cookieList(cookies),
            "message": "mouse successfully followed crumbs",
        ]
        var response = JSONResponse.make(200, body)
        response.addHeader("Set-Cookie", SetCookie(name: "mouse", value: "Cookie", sameSite: .lax).headerValue)
        return response
    }

    /// The session the cookie carries, or a fresh one if it is missing, tampered with,
    /// expired or unreadable: Flask never tells the client which.
    private func loadSession(_ cookies: RequestCookies) -> JSONObject {
        guard let value = cookies[configuration.sessionCookieName],
            let verified = try? serializer.decode(value, now: configuration.clock())
        else { return JSONObject() }
        return verified.values
    }

    private func sessionCookie(_ session: JSONObject) -> SetCookie {
        SetCookie(
            name: configuration.sessionCookieName, value: serializer.encode(session, now: configuration.clock()),
            httpOnly: configuration.sessionCookieHTTPOnly, path: configuration.sessionCookiePath,
            sameSite: configuration.sessionCookieSameSite)
    }

    /// `[{cookie: request.cookies[cookie]} for cookie in request.cookies]`.
    private func cookieList(_ cookies: RequestCookies) -> JSONValue {
        .array(cookies.map { .object(JSONObject([($0.name, .string($0.value))])) })
    }
}

/// The paths the app answers, as Flask's URL map would match them after percent-decoding.
enum Route: Equatable {
    case sessionValue(String)
    case crumbs

    init?(path: String) {
        if path == "/crumbs" {
            self = .crumbs
            return
        }
        let prefix = "/sessions/"
        // `<string:key>`: one non-empty segment, no `/`.
        guard path.hasPrefix(prefix) else { return nil }
        let key = path.dropFirst(prefix.count)
        guard !key.isEmpty, !key.contains("/") else { return nil }
        self = .sessionValue(String(key))
    }

    var allowedMethods: [HTTPMethod] {
        [.get, .head, .options]
    }

    var allowHeader: String { allowedMethods.map(\.rawValue).joined(separator: ", ") }
}
