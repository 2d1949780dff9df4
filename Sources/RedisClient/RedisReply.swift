/// A Redis reply (RESP2), copied out of hiredis' before its callback returns.
public enum RedisReply: Equatable, Sendable {
    case string([UInt8])
    case null
    case integer(Int64)
    case status(String)
    case error(String)
    case array([RedisReply])
}
