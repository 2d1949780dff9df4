import CrumbsSession

import Glibc

/// How the app treats sessions and cookies. The defaults are Flask's, except `SameSite=Lax`,
/// which browsers assume anyway and which Crumbs states explicitly.
public struct AppConfiguration: Sendable {
    /// Raw secret keys, newest first: the first signs, every one verifies.
    public var secretKeys: [[UInt8]]
    /// Cookies signed longer ago than this are refused (Flask's `PERMANENT_SESSION_LIFETIME`).
    public var sessionLifetimeSeconds: Int64
    /// Signed (Flask's format) or encrypted cookies are written; both are read.
    public var sessionMode: SessionCodec.Mode
    /// Persistent cookies (`Expires` and `Max-Age` from the lifetime), refreshed on every
    /// response of a session route, like Flask's permanent sessions with
    /// `SESSION_REFRESH_EACH_REQUEST`.
    public var permanentSessions: Bool
    public var sessionCookieName: String
    public var sessionCookiePath: String
    public var sessionCookieDomain: String?
    public var sessionCookieSecure: Bool
    public var sessionCookieHTTPOnly: Bool
    public var sessionCookieSameSite: SetCookie.SameSite?
    public var sessionCookiePartitioned: Bool
    /// Largest JSON body `PUT /sessions/<key>` accepts.
    public var maxBodyBytes: Int
    /// Peer addresses whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed (for the
    /// access log, and to mark cookies `Secure` for clients that came over HTTPS).
    public var trustedProxies: Set<String> = []
    /// Where a line per request goes, if anywhere.
    public var accessLog: AccessLog? = nil
    /// Sessions in Redis (`--store`) instead of in the signed cookie.
    public var store: SessionStoreSettings? = nil
    /// Seconds since the epoch; injectable so tests can move time.
    public var clock: @Sendable () -> Int64

    /// Flask's `SecretKey` advice and the `SECRET_KEY_FALLBACKS = "old"` trap: shorter keys
    /// are refused.
    public static let minimumSecretKeyLength = 16

    /// The largest `Set-Cookie` value browsers are known to keep (Werkzeug's `max_size`).
    public static let maximumCookieBytes = 4093

    public init(
        secretKeys: [[UInt8]], sessionLifetimeSeconds: Int64 = SessionSerializer.flaskLifetimeSeconds,
        sessionMode: SessionCodec.Mode = .signed, permanentSessions: Bool = false, sessionCookieName: String = "session",
        sessionCookiePath: String = "/", sessionCookieDomain: String? = nil, sessionCookieSecure: Bool = false,
        sessionCookieHTTPOnly: Bool = true, sessionCookieSameSite: SetCookie.SameSite? = .lax,
        sessionCookiePartitioned: Bool = false, maxBodyBytes: Int = 64 * 1024,
        clock: @escaping @Sendable () -> Int64 = AppConfiguration.systemClock
    ) {
        self.secretKeys = secretKeys
        self.sessionLifetimeSeconds = sessionLifetimeSeconds
        self.sessionMode = sessionMode
        self.permanentSessions = permanentSessions
        self.sessionCookieName = sessionCookieName
        self.sessionCookiePath = sessionCookiePath
        self.sessionCookieDomain = sessionCookieDomain
        self.sessionCookieSecure = sessionCookieSecure
        self.sessionCookieHTTPOnly = sessionCookieHTTPOnly
        self.sessionCookieSameSite = sessionCookieSameSite
        self.sessionCookiePartitioned = sessionCookiePartitioned
        self.maxBodyBytes = maxBodyBytes
        self.clock = clock
    }

    /// The session cookie's attributes, with an empty value.
    var sessionCookieTemplate: SetCookie { sessionCookieTemplate(overHTTPS: false) }

    /// The same, marked `Secure` also when a trusted proxy says the client came over HTTPS.
    func sessionCookieTemplate(overHTTPS: Bool) -> SetCookie {
        SetCookie(
            name: sessionCookieName, value: "", domain: sessionCookieDomain, secure: sessionCookieSecure || overHTTPS,
            httpOnly: sessionCookieHTTPOnly, path: sessionCookiePath, sameSite: sessionCookieSameSite,
            partitioned: sessionCookiePartitioned)
    }

    /// Seconds since the epoch, as Python's `int(time.time())`. Not `time()`: glibc serves it
    /// from the clock tick, so for a few milliseconds after each second begins it still says
    /// the last one, and a cookie Flask had just signed would be refused as not yet valid.
    public static let systemClock: @Sendable () -> Int64 = {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec)
    }

    /// Refuses a configuration Flask would accept but that is unsafe or useless.
    public func validate() throws(ConfigurationError) {
        guard !secretKeys.isEmpty else { throw ConfigurationError("at least one secret key is needed") }
        for (index, key) in secretKeys.enumerated() where key.count < Self.minimumSecretKeyLength {
            throw ConfigurationError(
                "secret key \(index + 1) is \(key.count) bytes; at least \(Self.minimumSecretKeyLength) are required")
        }
        try validateSettings()
    }

    /// `validate` without the keys: what can be checked before any key file is read.
    public func validateSettings() throws(ConfigurationError) {
        guard sessionLifetimeSeconds > 0 else { throw ConfigurationError("the session lifetime must be positive") }
        guard !sessionCookieName.isEmpty, sessionCookieName.utf8.allSatisfy(SetCookie.isTokenByte) else {
            throw ConfigurationError("the cookie name must be an RFC 6265 token (letters, digits, !#$%&'*+-.^_`|~)")
        }
        guard sessionCookiePath.hasPrefix("/") else { throw ConfigurationError("the cookie path must start with /") }
        if sessionCookieSameSite == SetCookie.SameSite.none && !(sessionCookieSecure || sessionCookiePartitioned) {
            throw ConfigurationError("SameSite=None needs --cookie-secure: browsers reject it on insecure cookies")
        }
        guard maxBodyBytes > 0 else { throw ConfigurationError("the body limit must be positive") }
    }
}
