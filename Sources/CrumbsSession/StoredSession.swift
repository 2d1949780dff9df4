/// A session as Flask-Session keeps it in Redis: one msgpack map, its members in insertion
/// order. Each member keeps the bytes it was read as, so that a member no route touched is
/// written back exactly as it came, whatever wrote it; a member a route sets is encoded by
/// msgspec's rules, as Flask-Session would.
public struct StoredSession: Equatable, Sendable {
    public struct Member: Equatable, Sendable {
        public let key: String
        let encodedKey: [UInt8]
        var encodedValue: [UInt8]

        init(key: String, encodedKey: [UInt8], encodedValue: [UInt8]) {
            self.key = key
            self.encodedKey = encodedKey
            self.encodedValue = encodedValue
        }

        /// A member encoded once, to be set in many sessions (`set(_:)`) without encoding
        /// its key and value each time.
        public init(key: String, value: MessagePackValue) {
            self.init(key: key, encodedKey: MessagePackEncoder.encode(.string(key)), encodedValue: MessagePackEncoder.encode(value))
        }
    }

    /// Flask-Session marks a permanent session with this member, first in every new one.
    public static let permanentKey = "_permanent"

    public private(set) var members: [Member] = []

    public init() {}

    /// Reads a stored value; throws for anything but a map with string keys (a pickle
    /// written by an older Flask-Session, say).
    public init(decoding bytes: [UInt8], maximumDepth: Int = 64) throws(MessagePackError) {
        let found = try MessagePackDecoder.mapMembers(bytes, maximumDepth: maximumDepth)
        members.reserveCapacity(found.count)
        for (key, keyRange, valueRange) in found {
            guard case .string(let key) = key else { throw MessagePackError("a session key is not a string") }
            members.append(Member(key: key, encodedKey: Array(bytes[keyRange]), encodedValue: Array(bytes[valueRange])))
        }
    }

    /// The msgpack bytes to store.
    public func encoded() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(members.reduce(5) { $0 + $1.encodedKey.count + $1.encodedValue.count })
        MessagePackEncoder.writeMapHeader(members.count, into: &output)
        for member in members {
            output.append(contentsOf: member.encodedKey)
            output.append(contentsOf: member.encodedValue)
        }
        return output
    }

    public var isEmpty: Bool { members.isEmpty }

    /// Holds nothing a user put there: Flask-Session stores no such session.
    public var isVacant: Bool { members.allSatisfy { $0.key == Self.permanentKey } }

    public var keys: [String] { members.map(\.key) }

    /// Keys compare by code point, as Python's do.
    private func index(of key: String) -> Int? {
        members.firstIndex { $0.key.hasSameUTF8(as: key) }
    }

    /// A member's value; set replaces it where it stands or appends it, nil removes it.
    public subscript(key: String) -> MessagePackValue? {
        get {
            guard let index = index(of: key) else { return nil }
            // Read in full when the session was decoded, so it decodes again.
            return try? MessagePackDecoder.decode(members[index].encodedValue)
        }
        set {
            let index = index(of: key)
            switch (index, newValue) {
            case (let index?, let value?): members[index].encodedValue = MessagePackEncoder.encode(value)
            case (let index?, nil): members.remove(at: index)
            case (nil, let value?):
                members.append(
                    Member(key: key, encodedKey: MessagePackEncoder.encode(.string(key)), encodedValue: MessagePackEncoder.encode(value)))
            case (nil, nil): break
            }
        }
    }

    /// `session[member.key] = value`, from a member encoded beforehand.
    public mutating func set(_ member: Member) {
        if let index = index(of: member.key) {
            members[index].encodedValue = member.encodedValue
        } else {
            members.append(member)
        }
    }

    /// Python's truth of a member's value (false for a missing one), read from the value's
    /// first bytes where they decide it, without decoding the value.
    public func isTruthy(_ key: String) -> Bool {
        guard let index = index(of: key) else { return false }
        let value = members[index].encodedValue
        if let truth = MessagePackDecoder.truthFromHeader(value) { return truth }
        return (try? MessagePackDecoder.decode(value))?.isTruthy ?? false
    }

    /// The session as JSON, members sorted as Python's `json.dumps(sort_keys=True)` sorts.
    public var json: JSONObject {
        var object = JSONObject()
        for member in members {
            if let value = self[member.key] { object[member.key] = value.json }
        }
        return object
    }
}
