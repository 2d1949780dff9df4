import CrumbsSession

/// A session id as Flask-Session makes them: `secrets.token_urlsafe(32)`, 32 bytes from the
/// CSPRNG in unpadded base64url, 43 characters.
///
/// Held inline, in six words, rather than as a `String` (43 bytes would be a heap string):
/// the store passes an id through several closures and looks it up in its per-loop tables
/// a few times a request, and copying, hashing and comparing six words allocates nothing.
/// No `description`: an id is as good as the session it names, so it is never logged.
struct SessionID: Hashable {
    static let length = 43

    /// The characters, then zeros to the end of the sixth word.
    private var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)

    /// Copies `text`, which has the length and alphabet of an id.
    private init(validated text: UnsafeRawBufferPointer) {
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: text) }
    }

    /// The cookie's value when it has the form of an id; anything else is no session, and
    /// never becomes a Redis key.
    init?(cookieValue value: Span<UInt8>) {
        let id: SessionID? = value.withUnsafeBufferPointer { bytes in
            guard bytes.count == Self.length, bytes.allSatisfy(Base64URL.isAlphabetByte) else { return nil }
            return SessionID(validated: UnsafeRawBufferPointer(bytes))
        }
        guard let id else { return nil }
        self = id
    }

    static func new(from pool: inout SecureRandomPool) throws(CryptoError) -> SessionID {
        var text: [UInt8] = []
        text.reserveCapacity(length)
        try pool.withBytes(count: 32) { Base64URL.encode($0, into: &text) }
        return text.withUnsafeBytes { SessionID(validated: $0) }
    }

    /// Lends the id's 43 characters.
    func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        withUnsafeBytes(of: words) { body(UnsafeRawBufferPointer(rebasing: $0[..<Self.length])) }
    }

    static func == (left: SessionID, right: SessionID) -> Bool {
        left.words.0 == right.words.0 && left.words.1 == right.words.1 && left.words.2 == right.words.2
            && left.words.3 == right.words.3 && left.words.4 == right.words.4 && left.words.5 == right.words.5
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
        hasher.combine(words.4)
        hasher.combine(words.5)
    }
}
