import Glibc

/// A JSON value as Python's `json` module reads and writes it, so that a session written by
/// Flask comes back out byte for byte when Crumbs signs it again.
///
/// Strings and keys compare by code point, as Python's do: precomposed "é" and "e" followed
/// by U+0301 are different strings (Swift's `String ==` would call them equal).
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// An integer that fits in 64 bits; arithmetic (the `count` route) works on these.
    case integer(Int64)
    /// Any other number, kept as its source text: fractions, exponents, integers beyond 64
    /// bits and Python's `NaN`/`Infinity`/`-Infinity`. Keeping the text loses nothing that
    /// a Python reader would see.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let left), .bool(let right)): return left == right
        case (.integer(let left), .integer(let right)): return left == right
        case (.number(let left), .number(let right)): return JSONObject.compareUTF8(left, right) == 0
        case (.string(let left), .string(let right)): return JSONObject.compareUTF8(left, right) == 0
        case (.array(let left), .array(let right)): return left == right
        case (.object(let left), .object(let right)): return left == right
        default: return false
        }
    }

    /// Python's truth value (`bool(x)`), which decides Flask's `session.get(k) or default`.
    public var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let value): return value
        case .integer(let value): return value != 0
        case .number(let text):
            // NaN is truthy in Python; every spelling of zero is not.
            guard let value = Double(text) else { return true }
            return value.isNaN || value != 0
        case .string(let value): return !value.isEmpty
        case .array(let items): return !items.isEmpty
        case .object(let object): return !object.isEmpty
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
    public init(nilLiteral: ()) { self = .null }
}
