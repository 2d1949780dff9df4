import RedisClient

/// `--store`: sessions kept in Redis, Flask-Session's way, instead of in a signed cookie.
public struct SessionStoreSettings: Sendable {
    public var endpoint: RedisEndpoint
    /// Flask-Session's `SESSION_KEY_PREFIX`: a session lives at prefix + sid.
    public var keyPrefix: String
    /// How long a request may wait on Redis before it is answered 503.
    public var timeoutSeconds: Double
    /// Largest stored session accepted (msgpack bytes); a change past it is answered 413.
    public var maxSessionBytes: Int
    /// Commands one loop may have waiting on Redis; beyond it requests are answered 503.
    public var maxInFlight: Int

    public init(
        endpoint: RedisEndpoint, keyPrefix: String = "session:", timeoutSeconds: Double = 0.5,
        maxSessionBytes: Int = 64 * 1024, maxInFlight: Int = 1024
    ) {
        self.endpoint = endpoint
        self.keyPrefix = keyPrefix
        self.timeoutSeconds = timeoutSeconds
        self.maxSessionBytes = maxSessionBytes
        self.maxInFlight = maxInFlight
    }
}
