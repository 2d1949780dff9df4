import CrumbsSession
import EventHTTP

/// The routes of the Flask lesson, answering with the bytes Flask's `jsonify` would send,
/// and the session API beyond it. One instance per event loop: it owns that loop's keyed
/// MAC and cipher contexts.
public final class CrumbsHandler: HTTPHandler {
    private let configuration: AppConfiguration
    private let codec: SessionCodec
    /// Cookie headers for plain HTTP and for clients a trusted proxy says came over HTTPS
    /// (marked `Secure`), everything but the session value pre-rendered.
    private let plainCookies: CookieHeaders
    private let httpsCookies: CookieHeaders
    /// Which of the two the request being answered gets.
    private var cookieHeaders: CookieHeaders
    private let pageResponse = Page.response()
    private var cookieScratch = RequestCookies()
    /// The session's Set-Cookie value, in a buffer kept between replies.
    private var sessionHeaderScratch: [UInt8] = []

    /// A class: the handler switches between two of these per request, and copying a struct
    /// of five references would retain each.
    final class CookieHeaders {
        let overHTTPS: Bool
        let session: SetCookie.Renderer
        /// What deletes the session cookie (Werkzeug's `delete_cookie`, same attributes).
        let expiredSession: HTTPHeader
        let mouse: HTTPHeader
        let expiredMouse: HTTPHeader

        init(_ configuration: AppConfiguration, overHTTPS: Bool) {
            self.overHTTPS = overHTTPS
            let template = configuration.sessionCookieTemplate(overHTTPS: overHTTPS)
            session = SetCookie.Renderer(template)
            expiredSession = HTTPHeader("Set-Cookie", template.expired().headerValue)
            var mouseCookie = CrumbsHandler.mouseCookie
            mouseCookie.secure = overHTTPS
            mouse = HTTPHeader("Set-Cookie", mouseCookie.headerValue)
            expiredMouse = HTTPHeader("Set-Cookie", mouseCookie.expired().headerValue)
        }
    }

    /// The lesson's session keys with the values `show_session` gives them when missing.
    static let sessionDefaults: [(key: String, value: JSONValue)] = [
        ("hello", "World"), ("goodnight", "Moon"), ("count", 0),
    ]

    static let defaultSession = JSONObject(sessionDefaults)

    static let mouseCookie = SetCookie(name: "mouse", value: "Cookie", sameSite: .lax)
    static let followedCrumbs = LessonBody.Message("mouse successfully followed crumbs")
    static let removedCrumbs = LessonBody.Message("mouse cookie removed")

    public init(configuration: AppConfiguration) throws(CryptoError) {
        self.configuration = configuration
        self.codec = try SessionCodec(
            secretKeys: configuration.secretKeys, mode: configuration.sessionMode,
            lifetimeSeconds: configuration.sessionLifetimeSeconds)
        self.plainCookies = CookieHeaders(configuration, overHTTPS: false)
        self.httpsCookies = CookieHeaders(configuration, overHTTPS: true)
        self.cookieHeaders = plainCookies
    }

    public func respond(to request: HTTPRequest, into response: inout HTTPResponse) {
        guard configuration.accessLog != nil || !configuration.trustedProxies.isEmpty else {
            return route(request, into: &response)
        }
        let origin = ClientOrigin(request: request, trustedProxies: configuration.trustedProxies)
        cookieHeaders = origin.isHTTPS ? httpsCookies : plainCookies
        route(request, into: &response)
        configuration.accessLog?.record(
            client: origin.address, method: request.method?.rawValue ?? "-", target: request.target,
            version: request.version, status: response.status, bytes: response.body.count, at: configuration.clock())
    }

    /// The lesson's routes write into the loop's reused response; the rest of the API and
    /// the errors build their own.
    private func route(_ request: HTTPRequest, into response: inout HTTPResponse) {
        guard let path = request.path else {
            response = ErrorResponse.make(400, "the request path is not valid percent-encoded UTF-8")
            return
        }
        guard let route = Route(path: path) else {
            response = ErrorResponse.make(404, "no route for \(path)", extra: [("path", .string(path))])
            return
        }
        guard let method = request.method, route.allowedMethods.contains(method) else {
            response = ErrorResponse.methodNotAllowed(request.method?.rawValue ?? "?", allowed: route.allowedMethods)
            return
        }
        if method == .options {
            response = HTTPResponse(status: 204, headers: [HTTPHeader("Allow", route.allowedMethods.allowHeader)])
            return
        }
        // The loop's cookie buffers, moved out for the request so that they are not shared.
        var cookies = RequestCookies()
        swap(&cookies, &cookieScratch)
        defer {
            cookies.removeAll()
            swap(&cookies, &cookieScratch)
        }
        request.forEachHeaderValue("Cookie") { cookies.parse($0) }
        switch (route, method) {
        case (.sessionValue(let key), .put):
            response = putValue(key: key, request: request, cookies: cookies)
        case (.sessionValue(let key), .delete):
            response = deleteValue(key: key, cookies: cookies)
        case (.sessionValue(let key), _):
            showSession(key: key, cookies: cookies, into: &response)
        case (.wholeSession, .delete):
            response = clearSession(cookies: cookies)
        case (.wholeSession, _):
            response = showWholeSession(cookies: cookies)
        case (.crumbs, .delete):
            LessonBody.message(Self.removedCrumbs, cookies: cookies, into: &response)
            response.append(cookieHeaders.expiredMouse)
        case (.crumbs, _):
            // `follow_crumbs()`: show the cookies and set the readable `mouse` cookie.
            LessonBody.message(Self.followedCrumbs, cookies: cookies, into: &response)
            response.append(cookieHeaders.mouse)
        case (.page, _):
            response = pageResponse
        }
    }

    // MARK: The lesson's routes

    /// `show_session(key)`: fill in the defaults, count a visit to `count`, show one value.
    private func showSession(key: String, cookies: RequestCookies, into response: inout HTTPResponse) {
        var session = openSession(cookies)
        // Flask's `session[k] = session.get(k) or default`: any falsy value is replaced, and
        // every assignment marks the session modified, so the cookie is always sent again.
        // A new session is simply the defaults, built once.
        if session.values.isEmpty {
            session.values = Self.defaultSession
        } else {
            for (name, value) in Self.sessionDefaults where !(session.values[name]?.isTruthy ?? false) {
                session.values[name] = value
            }
        }
        session.modified = true
        if key == "count" {
            guard case .integer(let count)? = session.values["count"], count < Int64.max else {
                response = ErrorResponse.make(
                    409,
                    "the session's count is not an integer that can be incremented; "
                        + "replace it with PUT /sessions/count or start over with DELETE /sessions",
                    extra: [("count", session.values["count"] ?? .null)])
                return
            }
            session.values["count"] = .integer(count + 1)
        }
        guard let value = session.values[key] else {
            response = ErrorResponse.unknownKey(key, in: session.values)
            return
        }
        LessonBody.sessionValue(key: key, value: value, cookies: cookies, into: &response)
        saveSession(session, into: &response)
    }

    // MARK: The session API

    private func showWholeSession(cookies: RequestCookies) -> HTTPResponse {
        let session = openSession(cookies)
        return saved(session, wholeBody(session.values, cookies: cookies))
    }

    private func putValue(key: String, request: HTTPRequest, cookies: RequestCookies) -> HTTPResponse {
        if let refusal = Self.refusal(ofKey: key) { return refusal }
        guard let contentType = request.header("Content-Type"), Self.isJSONMediaType(contentType) else {
            return ErrorResponse.make(
                415, "send the value as JSON with Content-Type: application/json",
                extra: [("content_type", request.header("Content-Type").map { .string($0) } ?? .null)])
        }
        let body = request.body
        guard body.count <= configuration.maxBodyBytes else {
            return ErrorResponse.make(
                413, "the body is \(body.count) bytes; at most \(configuration.maxBodyBytes) are accepted",
                extra: [("limit", .integer(Int64(configuration.maxBodyBytes)))])
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(body)
        } catch {
            return ErrorResponse.make(400, "the body is not JSON: \(error)")
        }
        var session = openSession(cookies)
        session.values[key] = value
        session.modified = true
        return saved(session, LessonBody.sessionValue(key: key, value: value, cookies: cookies))
    }

    private func deleteValue(key: String, cookies: RequestCookies) -> HTTPResponse {
        if let refusal = Self.refusal(ofKey: key) { return refusal }
        var session = openSession(cookies)
        guard session.values[key] != nil else { return ErrorResponse.unknownKey(key, in: session.values) }
        session.values[key] = nil
        session.modified = true
        return saved(session, wholeBody(session.values, cookies: cookies))
    }

    private func clearSession(cookies: RequestCookies) -> HTTPResponse {
        var session = openSession(cookies)
        session.values = JSONObject()
        session.modified = true
        return saved(session, wholeBody(session.values, cookies: cookies))
    }

    // MARK: Sessions in and out

    /// A session as a request found it, and what the route did to it.
    struct Session {
        var values: JSONObject
        var modified = false
    }

    /// The session the cookie carries, or a fresh one if it is missing, tampered with,
    /// expired or unreadable: Flask never tells the client which.
    private func openSession(_ cookies: RequestCookies) -> Session {
        let now = configuration.clock()
        let verified = cookies.withValue(named: configuration.sessionCookieName) { try? codec.decode($0, now: now) }
        return Session(values: verified??.values ?? JSONObject())
    }

    /// Flask's `save_session`: `Vary: Cookie` since the session was read; the cookie is
    /// set when the session changed (or is permanent and refreshed) and deleted when a
    /// change emptied it. A cookie browsers would drop is refused with 413 instead.
    /// `response` holds the route's success; an error replaces it.
    private func saveSession(_ session: Session, into response: inout HTTPResponse) {
        if session.values.isEmpty || !(session.modified || configuration.permanentSessions) {
            response.append(Self.varyCookie)
            if session.values.isEmpty && session.modified { response.append(cookieHeaders.expiredSession) }
            return
        }
        // Written into the buffer kept between replies, then copied into the response.
        var value: [UInt8] = []
        swap(&value, &sessionHeaderScratch)
        defer { swap(&value, &sessionHeaderScratch) }
        do {
            try writeSessionCookie(session.values, into: &value)
        } catch {
            response = ErrorResponse.make(503, "the session could not be encrypted; try again")
            return
        }
        guard value.count <= AppConfiguration.maximumCookieBytes else {
            var refused = ErrorResponse.make(
                413,
                "the session cookie would be \(value.count) bytes; browsers keep at most "
                    + "\(AppConfiguration.maximumCookieBytes), so the session was left as it was",
                extra: [
                    ("cookie_bytes", .integer(Int64(value.count))),
                    ("limit", .integer(Int64(AppConfiguration.maximumCookieBytes))),
                ])
            refused.append(Self.varyCookie)
            response = refused
            return
        }
        response.append(Self.varyCookie)
        value.withUnsafeBufferPointer { response.appendHeader(named: "Set-Cookie", value: $0) }
    }

    /// `saveSession` for the routes that build their own response.
    private func saved(_ session: Session, _ success: HTTPResponse) -> HTTPResponse {
        var response = success
        saveSession(session, into: &response)
        return response
    }

    static let varyCookie = HTTPHeader("Vary", "Cookie")

    /// Replaces `bytes` with the `Set-Cookie` value carrying `values`, signed or encrypted now.
    private func writeSessionCookie(_ values: JSONObject, into bytes: inout [UInt8]) throws(CryptoError) {
        let now = configuration.clock()
        bytes.removeAll(keepingCapacity: true)
        guard configuration.permanentSessions else {
            try cookieHeaders.session.writeHeaderValue(into: &bytes) { (bytes) throws(CryptoError) in
                try codec.encode(values, now: now, into: &bytes)
            }
            return
        }
        var cookie = configuration.sessionCookieTemplate(overHTTPS: cookieHeaders.overHTTPS)
        cookie.value = try codec.encode(values, now: now)
        cookie.expires = now + configuration.sessionLifetimeSeconds
        cookie.maxAge = configuration.sessionLifetimeSeconds
        bytes.append(contentsOf: cookie.headerValue.utf8)
    }

    // MARK: Bodies and checks

    private func wholeBody(_ values: JSONObject, cookies: RequestCookies) -> HTTPResponse {
        JSONResponse.make(200, ["cookies": cookieList(cookies), "session": .object(values)])
    }

    /// `[{cookie: request.cookies[cookie]} for cookie in request.cookies]`.
    private func cookieList(_ cookies: RequestCookies) -> JSONValue {
        .array(cookies.map { .object(JSONObject([($0.name, .string($0.value))])) })
    }

    static let maximumKeyLength = 64

    /// Keys written through the API: 1 to 64 ASCII letters, digits, `_`, `-` or `.`.
    static func refusal(ofKey key: String) -> HTTPResponse? {
        let isSafe = key.utf8.allSatisfy { SetCookie.isASCIIAlphanumeric($0) || "_-.".utf8.contains($0) }
        guard !isSafe || key.utf8.count > maximumKeyLength else { return nil }
        return ErrorResponse.make(
            400,
            "a session key must be 1 to \(maximumKeyLength) characters from A-Z a-z 0-9 _ - .",
            extra: [("key", .string(key))])
    }

    /// `application/json`, in any case, with or without parameters such as `charset`.
    static func isJSONMediaType(_ value: String) -> Bool {
        let mediaType = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
        return mediaType.trimmingSpaces().lowercased() == "application/json"
    }
}

/// The paths the app answers, as Flask's URL map would match them after percent-decoding.
enum Route: Equatable {
    case sessionValue(String)
    case wholeSession
    case crumbs
    case page

    init?(path: String) {
        switch path {
        case "/":
            self = .page
        case "/crumbs":
            self = .crumbs
        case "/sessions":
            self = .wholeSession
        default:
            // `<string:key>`: one non-empty segment, no `/` (compared in contiguous bytes: this
            // runs on every request, and generic or character-level operations cost far more).
            var path = path
            let key = path.withUTF8 { bytes -> String? in
                guard bytes.starts(with: Self.sessionsPrefix) else { return nil }
                let key = UnsafeBufferPointer(rebasing: bytes[Self.sessionsPrefix.count...])
                guard !key.isEmpty, !key.contains(UInt8(ascii: "/")) else { return nil }
                return String(decoding: key, as: UTF8.self)
            }
            guard let key else { return nil }
            self = .sessionValue(key)
        }
    }

    private static let sessionsPrefix = Array("/sessions/".utf8)

    var allowedMethods: [HTTPMethod] {
        switch self {
        case .sessionValue: return [.get, .head, .put, .delete, .options]
        case .wholeSession, .crumbs: return [.get, .head, .delete, .options]
        case .page: return [.get, .head, .options]
        }
    }
}

extension [HTTPMethod] {
    /// The value of an `Allow` header listing these methods.
    var allowHeader: String { map(\.rawValue).joined(separator: ", ") }
}

extension Substring {
    /// Without spaces and tabs at either end (HTTP's optional whitespace).
    func trimmingSpaces() -> Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}
