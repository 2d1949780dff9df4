import CrumbsSession

/// How the app treats sessions and cookies. The defaults are Flask's, except `SameSite=Lax`,
/// which browsers assume anyway and which Crumbs states explicitly.
public struct AppConfiguration: Sendable {
    /// Raw secret keys, newest first: the first signs, every one verifies.
    public var secretKeys: [[UInt8]]
    /// Cookies signed longer ago than this are refused (Flask's `PERMANENT_SESSION_LIFETIME`).
    public var sessionLifetimeSeconds: Int64
    public var sessionCookieName: String
    public var sessionCookiePath: String
    public var sessionCookieHTTPOnly: Bool
    public var sessionCookieSameSite: SetCookie.SameSite?
    /// Seconds since the epoch; injectable so tests can move time.
    public var clock: @Sendable () -> Int64

    /// Flask's `SecretKey` advice and the `SECRET_KEY_FALLBACKS = "old"` trap: shorter keys
    /// are refused.
    public static let minimumSecretKeyLength = 16

    public init(
        secretKeys: [[UInt8]], sessionLifetimeSeconds: Int64 = SessionSerializer.flaskLifetimeSeconds,
        sessionCookieName: String = "session", sessionCookiePath: String = "/", sessionCookieHTTPOnly: Bool = true,
        sessionCookieSameSite: SetCookie.SameSite? = .lax, clock: @escaping @Sendable () -> Int64 = AppConfiguration.systemClock
    ) {
        self.secretKeys = secretKeys
        self.sessionLifetimeSeconds = sessionLifetimeSeconds
        self.sessionCookieName = sessionCookieName
        self.sessionCookiePath = sessionCookiePath
        self.sessionCookieHTTPOnly = sessionCookieHTTPOnly
        self.sessionCookieSameSite = sessionCookieSameSite
        self.clock = clock
    }

    public static let systemClock: @Sendable () -> Int64 = { Int64(time(nil)) }

    /// Refuses a configuration Flask would accept but that is unsafe or useless.
    public func validate() throws(ConfigurationError) {
        guard !secretKeys.isEmpty else { throw ConfigurationError("at least one secret key is needed") }
        for (index, key) in secretKeys.enumerated() where key.count < Self.minimumSecretKeyLength {
            throw ConfigurationError(
                "secret key \(index + 1) is \(key.count) bytes; at least \(Self.minimumSecretKeyLength) are required")
        }
        guard sessionLifetimeSeconds > 0 else { throw ConfigurationError("the session lifetime must be positive") }
    }
}

public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
