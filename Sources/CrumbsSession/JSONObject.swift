import Glibc

/// A JSON object whose members are kept sorted by key in code-point order, the order
/// Python's `json.dumps(sort_keys=True)` writes them in. Keys are unique.
public struct JSONObject: Equatable, Sendable, Sequence {
    /// A struct, not a tuple: arrays of tuples reach the runtime's generic metadata cache
    /// whenever they are created, which shows on every request.
    public struct Member: Equatable, Sendable {
        public let key: String
        public var value: JSONValue

        public static func == (lhs: Member, rhs: Member) -> Bool {
            JSONObject.compareUTF8(lhs.key, rhs.key) == 0 && lhs.value == rhs.value
        }
    }

    public private(set) var members: [Member]

    public init() { members = [] }

    /// Builds an object from pairs; a repeated key keeps its last value, as `json.loads` does.
    public init(_ pairs: [(String, JSONValue)]) {
        members = []
        members.reserveCapacity(pairs.count)
        for (key, value) in pairs { self[key] = value }
    }

    /// Members already sorted by key and unique, as the caller guarantees.
    init(sortedMembers: [Member]) { members = sortedMembers }

    public var isEmpty: Bool { members.isEmpty }
    public var count: Int { members.count }
    public var keys: [String] { members.map(\.key) }

    public subscript(key: String) -> JSONValue? {
        get {
            switch position(of: key) {
            case .found(let index): return members[index].value
            case .insertAt: return nil
            }
        }
        set {
            switch (position(of: key), newValue) {
            case (.found(let index), let value?): members[index].value = value
            case (.found(let index), nil): members.remove(at: index)
            case (.insertAt(let index), let value?): members.insert(Member(key: key, value: value), at: index)
            case (.insertAt, nil): break
            }
        }
    }

    /// `self[key] = value`, with a fast path for keys arriving in order, as they do from any
    /// JSON written with sorted keys (every Flask session cookie).
    public mutating func set(_ key: String, _ value: JSONValue) {
        if members.isEmpty || Self.compareUTF8(members[members.count - 1].key, key) < 0 {
            appendInOrder(key, value)
        } else {
            self[key] = value
        }
    }

    /// Appends a member whose key the caller knows sorts after every key present.
    mutating func appendInOrder(_ key: String, _ value: JSONValue) {
        // Room for a small session at once, rather than growing 1, 2, 4.
        if members.isEmpty { members.reserveCapacity(4) }
        members.append(Member(key: key, value: value))
    }

    public func makeIterator() -> IndexingIterator<[Member]> {
        members.makeIterator()
    }

    private enum Position { case found(Int), insertAt(Int) }

    /// Where `key` is or would go, comparing UTF-8 bytes: their order is the code-point
    /// order Python sorts by, and their equality is Python's (never `String ==`). Small
    /// objects (sessions are) are scanned in one pass; larger ones searched by halves.
    private func position(of key: String) -> Position {
        if members.count <= 8 {
            // Bytes, never `==`: precomposed and decomposed é are equal to `==` and are two
            // keys here.
            for index in members.indices where members[index].key.hasSameUTF8(as: key) {
                return .found(index)
            }
            return .insertAt(members.firstIndex { Self.compareUTF8($0.key, key) > 0 } ?? members.count)
        }
        var low = 0
        var high = members.count
        while low < high {
            let middle = (low + high) / 2
            let order = Self.compareUTF8(members[middle].key, key)
            if order == 0 { return .found(middle) }
            if order < 0 {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return .insertAt(low)
    }

    /// memcmp-style three-way comparison of the UTF-8 bytes.
    static func compareUTF8(_ lhs: String, _ rhs: String) -> Int {
        var lhs = lhs
        var rhs = rhs
        return lhs.withUTF8 { left in rhs.withUTF8 { right in compareBytes(left, right) } }
    }

    /// memcmp-style three-way comparison of bytes, a prefix first; for UTF-8 this is
    /// code-point order, the order of Python's sorted keys.
    static func compareBytes(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>) -> Int {
        let common = Swift.min(lhs.count, rhs.count)
        if common > 0, let a = lhs.baseAddress, let b = rhs.baseAddress {
            let order = memcmp(a, b, common)
            if order != 0 { return Int(order) }
        }
        return lhs.count - rhs.count
    }
}
