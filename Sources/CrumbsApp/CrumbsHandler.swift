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
    private let pageResponse = Page.response()
    /// The buffers lent to each request's context and emptied after it, so that a warm loop
    /// parses cookies without allocating. (A handler is its loop's alone and not re-entered:
    /// no runtime exclusivity check.)
    @exclusivity(unchecked) private var scratch = RequestContext.Scratch()
    /// With `--store`, the routes that keep sessions in Redis.
    private let storeRoutes: StoreRoutes?
    /// Whether the session cookie's name is JSON text as it is, so that a verified session
    /// cookie can be listed without the escape test (`verifiedSession`). `validate` holds
    /// the name to an RFC 6265 token, which always is; a handler built without it may not be.
    private let sessionCookieNameIsPlain: Bool
    /// The session cookie's name as UTF-8, made once: looked up on every request, the
    /// configuration's string was retained and released around each lookup.
    private let sessionCookieName: UnsafeMutableBufferPointer<UInt8>

    /// The lesson's session keys with the values `show_session` gives them when missing.
    static let sessionDefaults: [(key: String, value: JSONValue)] = [
        ("hello", "World"), ("goodnight", "Moon"), ("count", 0),
    ]

    static let defaultSession = JSONObject(sessionDefaults)

    static let followedCrumbs = LessonBody.Message("mouse successfully followed crumbs")
    static let removedCrumbs = LessonBody.Message("mouse cookie removed")

    /// - Parameter loop: the loop this handler answers on, which a session store attaches
    ///   its Redis connection to; nil builds a handler for checks only (no store).
    public init(configuration: AppConfiguration, loop: EventLoopHandle? = nil) throws(CryptoError) {
        self.configuration = configuration
        self.codec = try SessionCodec(
            secretKeys: configuration.secretKeys, mode: configuration.sessionMode,
            lifetimeSeconds: configuration.sessionLifetimeSeconds)
        let name = configuration.sessionCookieName.utf8
        self.sessionCookieName = .allocate(capacity: name.count)
        _ = self.sessionCookieName.initialize(from: name)
        self.sessionCookieNameIsPlain = JSONWriter.isPlainASCII(UnsafeBufferPointer(sessionCookieName))
        self.plainCookies = CookieHeaders(configuration, overHTTPS: false)
        self.httpsCookies = CookieHeaders(configuration, overHTTPS: true)
        if let settings = configuration.store, let loop {
            storeRoutes = StoreRoutes(configuration: configuration, settings: settings, loop: loop, cookieCodec: codec)
        } else {
            storeRoutes = nil
        }
    }

    deinit { sessionCookieName.deallocate() }

    public func respond(to request: HTTPRequest, into response: inout HTTPResponse) {
        let origin =
            configuration.accessLog != nil || !configuration.trustedProxies.isEmpty
            ? ClientOrigin(request: request, trustedProxies: configuration.trustedProxies) : nil
        var context = RequestContext(
            request: request, cookieHeaders: origin?.isHTTPS == true ? httpsCookies : plainCookies, lending: &scratch)
        route(&context, into: &response)
        context.giveBack(to: &scratch)
        if let origin, let accessLog = configuration.accessLog {
            record(request, from: origin, status: response.status, bytes: response.bodyCount, in: accessLog)
        }
    }

    /// The access log's line for a request evhttp refused itself.
    public func refused(_ request: HTTPRequest, status: Int, bodyCount: Int) {
        guard let accessLog = configuration.accessLog else { return }
        let origin = ClientOrigin(request: request, trustedProxies: configuration.trustedProxies)
        record(request, from: origin, status: status, bytes: bodyCount, in: accessLog)
    }

    /// What evhttp could not read, or let go of, is logged as `-` (a refused, broken request
    /// line gives `"- - HTTP/1.1"`).
    private func record(_ request: HTTPRequest, from origin: ClientOrigin, status: Int, bytes: Int, in accessLog: AccessLog) {
        let target = request.target
        accessLog.record(
            client: origin.address, method: request.method?.rawValue ?? "-", target: target.isEmpty ? "-" : target,
            version: request.version, status: status, bytes: bytes, at: configuration.clock())
    }

    /// The lesson's routes write into the loop's reused response; the rest of the API and
    /// the errors build their own.
    private func route(_ context: inout RequestContext, into response: inout HTTPResponse) {
        let request = context.request
        // Most paths need no percent-decoding and are matched as they were sent.
        // (Outer nil: the path is not plain and must be decoded first; inner: no route.)
        let plainRoute = request.withRawPath { (path) -> Route?? in
            guard PercentDecoding.isPlainASCII(path) else { return .none }
            return .some(Route(plainPath: path))
        }
        let route = plainRoute ?? request.path.flatMap(Route.init(path:))
        guard let route else {
            guard let path = request.path else {
                response = ErrorResponse.make(400, "the request path is not valid percent-encoded UTF-8")
                return
            }
            response = ErrorResponse.make(404, "no route for \(path)", extra: [("path", .string(path))])
            return
        }
        guard let method = request.method, route.allows(method) else {
            response = ErrorResponse.methodNotAllowed(request.method?.rawValue ?? "?", allowed: route.allowedMethods)
            return
        }
        if method == .options {
            response = HTTPResponse(status: 204, headers: [HTTPHeader("Allow", route.allowedMethods.allowHeader)])
            return
        }
        // The page reads no cookies: it is the same bytes for everyone (and for either store).
        if route == .page { return response.replace(with: pageResponse) }
        request.forEachHeaderValue("Cookie" as StaticString) { context.cookies.parse($0) }
        if let storeRoutes { return storeRoutes.serve(route, method, &context, into: &response) }
        switch (route, method) {
        case (.sessionValue(let key, _), .put):
            response = putValue(key: key, context)
        case (.sessionValue(let key, _), .delete):
            response = deleteValue(key: key, context)
        case (.sessionValue(let key, let lessonKey), _):
            showSession(key: key, lessonKey: lessonKey, context, into: &response)
        case (.wholeSession, .delete):
            response = clearSession(context)
        case (.wholeSession, _):
            response = showWholeSession(context)
        case (.crumbs, .delete):
            LessonBody.message(Self.removedCrumbs, cookies: context.cookies, into: &response)
            response.append(context.cookieHeaders.expiredMouse)
        case (.crumbs, _):
            // `follow_crumbs()`: show the cookies and set the readable `mouse` cookie.
            LessonBody.message(Self.followedCrumbs, cookies: context.cookies, into: &response)
            response.append(context.cookieHeaders.mouse)
        case (.page, _):
            preconditionFailure("the page is answered before cookies are read")
        }
    }

    // MARK: The lesson's routes

    /// `show_session(key)`: fill in the defaults, count a visit to `count`, show one value.
    private func showSession(key: String, lessonKey: LessonKey?, _ context: RequestContext, into response: inout HTTPResponse) {
        var plainPosition: Int?
        let verified = verifiedSession(context.cookies, position: &plainPosition)
        // No session, or a lesson session: the defaults make the first one too, with count 0.
        if let lessonKey, let lesson = verified == nil ? LessonSession(count: 0) : verified?.lessonSession {
            return showLessonSession(lesson, key: lessonKey, plainPosition: plainPosition, context, into: &response)
        }
        var session = Self.session(verified)
        // Flask's `session[k] = session.get(k) or default`: any falsy value is replaced, and
        // every assignment marks the session modified, so the cookie is always sent again.
        // A new session is simply the defaults, built once.
        if session.values.isEmpty {
            session.values = Self.defaultSession
        } else if !session.wasLessonSession {
            // (A lesson session holds a truthy value at each default already, or count 0,
            // which its default replaces with itself: the loop would change nothing.)
            for (name, value) in Self.sessionDefaults where !(session.values[name]?.isTruthy ?? false) {
                session.values[name] = value
            }
        }
        session.modified = true
        if key == "count" {
            guard case .integer(let count)? = session.values["count"], count < Int64.max else {
                response = ErrorResponse.countNotIncrementable(session.values["count"])
                return
            }
            session.values["count"] = .integer(count + 1)
        }
        guard let value = session.values[key] else {
            response = ErrorResponse.unknownKey(key, in: session.values)
            return
        }
        LessonBody.sessionValue(key: key, value: value, cookies: context.cookies, plainPosition: plainPosition, into: &response)
        saveSession(session, context, into: &response)
    }

    /// `show_session(key)` of a lesson session at one of its three keys, worked out on its
    /// fields: the reply the general path gives, without building the session's members
    /// (the defaults change nothing in such a session, so only `count` can change).
    private func showLessonSession(
        _ session: LessonSession, key: LessonKey, plainPosition: Int?, _ context: RequestContext,
        into response: inout HTTPResponse
    ) {
        var session = session
        let value: JSONValue
        switch key {
        case .count:
            session.count += 1
            value = .integer(session.count)
        case .hello: value = .string(session.hello)
        case .goodnight: value = .string(session.goodnight)
        }
        LessonBody.sessionValue(
            key: key, lessonValue: value, cookies: context.cookies, plainPosition: plainPosition, into: &response)
        sendSessionCookie(context, into: &response) { (codec, bytes, now) throws(CryptoError) in
            try codec.encode(session, now: now, into: &bytes)
        }
    }

    // MARK: The session API

    private func showWholeSession(_ context: RequestContext) -> HTTPResponse {
        let session = openSession(context.cookies)
        return saved(session, Self.wholeBody(session.values, cookies: context.cookies), context)
    }

    private func putValue(key: String, _ context: RequestContext) -> HTTPResponse {
        if let refusal = Self.refusal(ofKey: key) { return refusal }
        let value: JSONValue
        switch Self.readJSONBody(context.request, limit: configuration.maxBodyBytes) {
        case .failure(let refusal): return refusal
        case .success(let json): value = json
        }
        var session = openSession(context.cookies)
        session.values[key] = value
        session.modified = true
        return saved(session, LessonBody.sessionValue(key: key, value: value, cookies: context.cookies), context)
    }

    private func deleteValue(key: String, _ context: RequestContext) -> HTTPResponse {
        if let refusal = Self.refusal(ofKey: key) { return refusal }
        var session = openSession(context.cookies)
        guard session.values[key] != nil else { return ErrorResponse.unknownKey(key, in: session.values) }
        session.values[key] = nil
        session.modified = true
        return saved(session, Self.wholeBody(session.values, cookies: context.cookies), context)
    }

    private func clearSession(_ context: RequestContext) -> HTTPResponse {
        var session = openSession(context.cookies)
        session.values = JSONObject()
        session.modified = true
        return saved(session, Self.wholeBody(session.values, cookies: context.cookies), context)
    }

    // MARK: Sessions in and out

    /// A session as a request found it, and what the route did to it.
    struct Session {
        var values: JSONObject
        var modified = false
        /// Whether the cookie held a lesson session (`LessonSession`), whose values the
        /// lesson's defaults leave as they are.
        var wasLessonSession = false
    }

    /// The session the cookie carries, or a fresh one if it is missing, tampered with,
    /// expired or unreadable: Flask never tells the client which.
    private func openSession(_ cookies: RequestCookies) -> Session {
        var position: Int?
        return Self.session(verifiedSession(cookies, position: &position))
    }

    /// The session cookie, if the request has one that passes every check, and its position
    /// among the cookies when its name is plain too: a value the codec accepts is base64url
    /// and dots, which JSON writes as it is (`LessonBody`'s `plainPosition`).
    @inline(__always) private func verifiedSession(_ cookies: RequestCookies, position: inout Int?) -> VerifiedSession? {
        let now = configuration.clock()
        // (Set from the closure, not returned by it: the double optional that returning makes
        // was destroyed through generic value witnesses, ~180 instructions a request.)
        var verified: VerifiedSession? = nil
        // (Read before the closure, which would otherwise retain the handler to reach it.)
        let nameIsPlain = sessionCookieNameIsPlain
        // (The codec is the handler's, alive for the call: borrowed, not retained, where an
        // `unowned(unsafe)` capture was retained for the call, ~35 instructions.)
        let codec = Unmanaged.passUnretained(codec)
        _ = cookies.withValueAndPosition(namedUTF8: UnsafeBufferPointer(sessionCookieName)) { value, at in
            codec._withUnsafeGuaranteedRef { codec in
                do {
                    verified = try codec.decode(value, now: now)
                    if nameIsPlain { position = at }
                } catch {}
            }
        }
        return verified
    }

    private static func session(_ verified: VerifiedSession?) -> Session {
        guard let verified else { return Session(values: JSONObject()) }
        return Session(values: verified.values, wasLessonSession: verified.lessonSession != nil)
    }

    /// Flask's `save_session`: `Vary: Cookie` since the session was read; the cookie is
    /// set when the session changed (or is permanent and refreshed) and deleted when a
    /// change emptied it. A cookie browsers would drop is refused with 413 instead.
    /// `response` holds the route's success; an error replaces it.
    private func saveSession(_ session: Session, _ context: RequestContext, into response: inout HTTPResponse) {
        if session.values.isEmpty || !(session.modified || configuration.permanentSessions) {
            response.append(Self.varyCookie)
            if session.values.isEmpty && session.modified { response.append(context.cookieHeaders.expiredSession) }
            return
        }
        sendSessionCookie(context, into: &response) { (codec, bytes, now) throws(CryptoError) in
            try codec.encode(session.values, now: now, into: &bytes)
        }
    }

    /// `Vary: Cookie` and the session cookie whose value `encode` appends with the handler's
    /// codec (signed or encrypted at `now`), or the 413 of a cookie browsers would drop. (The
    /// codec is lent as an argument: a closure that captured it, even `unowned(unsafe)`, was
    /// retained and released around the call.)
    private func sendSessionCookie(
        _ context: RequestContext, into response: inout HTTPResponse,
        encode: (SessionCodec, inout FixedByteBuffer, _ now: Int64) throws(CryptoError) -> Void
    ) {
        response.append(Self.varyCookie)
        let now = configuration.clock()
        // (A permanent session's renderer is dated: Expires is now plus the lifetime.)
        let expires = now + configuration.sessionLifetimeSeconds
        // (Both borrowed: the handler owns them. Used inside the closures, they were retained
        // and released around the calls, the codec by way of the handler.)
        let renderer = Unmanaged.passUnretained(context.cookieHeaders.session)
        let codec = Unmanaged.passUnretained(codec)
        let length: Int
        do {
            // The whole value written on the stack, then added to the headers in one piece.
            length = try FixedByteBuffer.withWritten { (bytes) throws(CryptoError) in
                try renderer.withBorrowed { (renderer) throws(CryptoError) in
                    try renderer.writeHeaderValue(appendingTo: &bytes, expires: expires) { (bytes) throws(CryptoError) in
                        try codec.withBorrowed { (codec) throws(CryptoError) in try encode(codec, &bytes, now) }
                    }
                }
            } _: { response.appendHeader(named: "Set-Cookie", bytes: $0) }
        } catch {
            response = ErrorResponse.make(503, "the session could not be encrypted; try again")
            return
        }
        guard length <= AppConfiguration.maximumCookieBytes else {
            var refused = ErrorResponse.make(
                413,
                "the session cookie would be \(length) bytes; browsers keep at most "
                    + "\(AppConfiguration.maximumCookieBytes), so the session was left as it was",
                extra: [
                    ("cookie_bytes", .integer(Int64(length))),
                    ("limit", .integer(Int64(AppConfiguration.maximumCookieBytes))),
                ])
            refused.append(Self.varyCookie)
            response = refused
            return
        }
    }

    /// `saveSession` for the routes that build their own response.
    private func saved(_ session: Session, _ success: HTTPResponse, _ context: RequestContext) -> HTTPResponse {
        var response = success
        saveSession(session, context, into: &response)
        return response
    }

    static let varyCookie = HTTPHeader("Vary", "Cookie")

    // MARK: Bodies and checks

    /// The whole session and the request's cookies, in either store.
    static func wholeBody(_ values: JSONObject, cookies: RequestCookies) -> HTTPResponse {
        JSONResponse.make(200, ["cookies": cookieList(cookies), "session": .object(values)])
    }

    /// `[{cookie: request.cookies[cookie]} for cookie in request.cookies]`.
    private static func cookieList(_ cookies: RequestCookies) -> JSONValue {
        .array(cookies.map { .object(JSONObject([($0.name, .string($0.value))])) })
    }

    /// A request body's JSON value, or the refusal of a body that is not one.
    enum JSONBody {
        case success(JSONValue)
        case failure(HTTPResponse)
    }

    /// The JSON value a `PUT` carries: 415 without `Content-Type: application/json`, 413
    /// past `limit`, 400 for what is not JSON.
    static func readJSONBody(_ request: HTTPRequest, limit: Int) -> JSONBody {
        guard let contentType = request.header("Content-Type"), isJSONMediaType(contentType) else {
            return .failure(
                ErrorResponse.make(
                    415, "send the value as JSON with Content-Type: application/json",
                    extra: [("content_type", request.header("Content-Type").map { .string($0) } ?? .null)]))
        }
        let body = request.body
        guard body.count <= limit else {
            return .failure(
                ErrorResponse.make(
                    413, "the body is \(body.count) bytes; at most \(limit) are accepted",
                    extra: [("limit", .integer(Int64(limit)))]))
        }
        do {
            return .success(try JSONParser.parse(body))
        } catch {
            return .failure(ErrorResponse.make(400, "the body is not JSON: \(error)"))
        }
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
