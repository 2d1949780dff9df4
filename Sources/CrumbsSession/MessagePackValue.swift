/// A msgpack value, as msgspec (Flask-Session's serializer) writes them: every type a
/// Python session can hold, including bytes, timestamps (ext -1) and maps with integer keys.
public enum MessagePackValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// Any integer that fits in 64 signed bits.
    case int(Int64)
    /// Integers above `Int64.max` (msgpack's `uint 64`).
    case uint(UInt64)
    case float(Double)
    case string(String)
    case binary([UInt8])
    case array([MessagePackValue])
    /// Members in their stored order; keys may be of any type.
    case map([Pair])
    case ext(type: Int8, data: [UInt8])

    public struct Pair: Equatable, Sendable {
        public var key: MessagePackValue
        public var value: MessagePackValue

        public init(_ key: MessagePackValue, _ value: MessagePackValue) {
            self.key = key
            self.value = value
        }
    }

    /// msgpack's timestamp extension type.
    public static let timestampType: Int8 = -1

    /// Python's `bool(x)`, which decides the lesson's `session.get(k) or default`.
    public var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let value): return value
        case .int(let value): return value != 0
        case .uint: return true
        case .float(let value): return value != 0
        case .string(let value): return !value.isEmpty
        case .binary(let value): return !value.isEmpty
        case .array(let value): return !value.isEmpty
        case .map(let value): return !value.isEmpty
        case .ext: return true
        }
    }
}
