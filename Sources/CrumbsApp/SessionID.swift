import CrumbsSession

/// Session ids as Flask-Session makes them: `secrets.token_urlsafe(32)`, 32 bytes from the
/// CSPRNG in unpadded base64url, 43 characters.
enum SessionID {
    static let length = 43

    static func new(from pool: inout SecureRandomPool) throws(CryptoError) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(length)
        try pool.withBytes(count: 32) { Base64URL.encode($0, into: &text) }
        return String(decoding: text, as: UTF8.self)
    }

    /// The cookie's value when it has the form of an id; anything else is no session, and
    /// never becomes a Redis key.
    static func parse(_ value: Span<UInt8>) -> String? {
        value.withUnsafeBufferPointer { bytes in
            guard bytes.count == length, bytes.allSatisfy(Base64URL.isAlphabetByte) else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
