/// Why a command got no reply from Redis.
public enum RedisFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// No connection right now (Redis down, or reconnecting); nothing was sent.
    case notConnected
    /// The loop already has as many commands waiting on Redis as it allows; nothing was sent.
    case tooManyInFlight
    /// The connection ended before the reply came; the command may or may not have run.
    case connectionLost

    public var description: String {
        switch self {
        case .notConnected: return "Redis is not connected"
        case .tooManyInFlight: return "too many commands are waiting on Redis"
        case .connectionLost: return "the connection to Redis was lost"
        }
    }
}
