/// Between msgpack values and the JSON the API speaks.
///
/// JSON shows what it has no type for in Flask's tagged-JSON forms: bytes as
/// `{" b": "<base64>"}`, a timestamp as `{" d": "<HTTP date>"}` (whole seconds), any other
/// extension as `{" x": {"data": "<base64>", "type": n}}`, a map key that is not a string as
/// its JSON text. Floats are written as Python's `repr`.
extension MessagePackValue {
    public var json: JSONValue {
        switch self {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .int(let number): return .integer(number)
        case .uint(let number): return .number(String(number))
        case .float(let number):
            if number.isNaN { return .number("NaN") }
            if number.isInfinite { return .number(number < 0 ? "-Infinity" : "Infinity") }
            // Swift's shortest round-trip digits are Python's repr, exponent form included.
            return .number(number.description)
        case .string(let text): return .string(text)
        case .binary(let bytes): return .object(JSONObject([(" b", .string(Self.base64(bytes)))]))
        case .array(let items): return .array(items.map(\.json))
        case .map(let pairs):
            var object = JSONObject()
            for pair in pairs {
                let key: String
                if case .string(let text) = pair.key { key = text } else { key = JSONWriter.string(pair.key.json, style: .compact) }
                object[key] = pair.value.json
            }
            return .object(object)
        case .ext(let type, let data):
            if type == Self.timestampType, let seconds = Self.timestampSeconds(data) {
                return .object(JSONObject([(" d", .string(HTTPDate.format(epochSeconds: seconds)))]))
            }
            return .object(
                JSONObject([(" x", .object(JSONObject([("data", .string(Self.base64(data))), ("type", .integer(Int64(type)))])))]))
        }
    }

    /// Why a JSON value cannot be stored.
    public struct Unstorable: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The value Python's `json.loads` would give, as msgspec encodes it: integers beyond 64
    /// bits are refused (msgspec cannot write them either), other numbers become floats.
    public init(json: JSONValue) throws(Unstorable) {
        switch json {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .integer(let number): self = .int(number)
        case .number(let text):
            switch text {
            case "NaN": self = .float(.nan)
            case "Infinity": self = .float(.infinity)
            case "-Infinity": self = .float(-.infinity)
            default:
                if !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
                    guard let number = UInt64(text) else {
                        throw Unstorable(description: "the integer \(text) is beyond 64 bits, which msgpack cannot hold")
                    }
                    self = .uint(number)
                } else {
                    guard let number = Double(text) else { throw Unstorable(description: "\(text) is not a number") }
                    self = .float(number)
                }
            }
        case .string(let text): self = .string(text)
        case .array(let items):
            var values: [MessagePackValue] = []
            for item in items { values.append(try MessagePackValue(json: item)) }
            self = .array(values)
        case .object(let object):
            var pairs: [Pair] = []
            for member in object { pairs.append(Pair(.string(member.key), try MessagePackValue(json: member.value))) }
            self = .map(pairs)
        }
    }

    /// Seconds of an ext -1 timestamp in any of its three sizes.
    static func timestampSeconds(_ data: [UInt8]) -> Int64? {
        func bigEndian(_ bytes: ArraySlice<UInt8>) -> UInt64 { bytes.reduce(0) { $0 << 8 | UInt64($1) } }
        switch data.count {
        case 4: return Int64(bigEndian(data[0..<4]))
        case 8: return Int64(bigEndian(data[0..<8]) & 0x3_FFFF_FFFF)
        case 12: return Int64(bitPattern: bigEndian(data[4..<12]))
        default: return nil
        }
    }

    /// Standard base64, padded or not, as Python's `b64decode` reads Flask's tagged bytes.
    public static func base64Decoded(_ text: String) -> [UInt8]? {
        var urlSafe = text.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 }
        while urlSafe.last == "=" { urlSafe.removeLast() }
        return Base64URL.decode(Array(String(urlSafe).utf8))
    }

    /// Standard base64 with padding, as Python's `b64encode`.
    static func base64(_ bytes: [UInt8]) -> String {
        var text = Base64URL.encodeToString(bytes).map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 }
        while text.count % 4 != 0 { text.append("=") }
        return String(text)
    }
}
