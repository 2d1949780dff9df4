/// Reads and writes session cookies in either format: Flask's signed cookies (the default)
/// or Crumbs' encrypted ones. Both are always accepted, so a deployment can switch modes
/// without logging anyone out; `mode` decides what is written.
///
/// Holds keyed MAC and cipher contexts: create one per event loop.
public final class SessionCodec {
    public enum Mode: String, Sendable {
        case signed
        case encrypted
    }

    public let mode: Mode
    public let lifetimeSeconds: Int64
    private let serializer: SessionSerializer
    private let encryptor: SessionEncryptor

    public init(
        secretKeys: [[UInt8]], mode: Mode = .signed, lifetimeSeconds: Int64 = SessionSerializer.flaskLifetimeSeconds,
        inflateLimit: Int = SessionSerializer.defaultInflateLimit, maximumDepth: Int = JSONParser.defaultMaximumDepth
    ) throws(CryptoError) {
        self.mode = mode
        self.lifetimeSeconds = lifetimeSeconds
        serializer = try SessionSerializer(
            secretKeys: secretKeys, lifetimeSeconds: lifetimeSeconds, inflateLimit: inflateLimit,
            maximumDepth: maximumDepth)
        encryptor = try SessionEncryptor(secretKeys: secretKeys)
    }

    public func encode(_ values: JSONObject, now: Int64) throws(CryptoError) -> String {
        var cookie: [UInt8] = []
        try encode(values, now: now, into: &cookie)
        return String(decoding: cookie, as: UTF8.self)
    }

    /// Appends the cookie value to `output`.
    public func encode(_ values: JSONObject, now: Int64, into output: inout [UInt8]) throws(CryptoError) {
        switch mode {
        case .signed: serializer.encode(values, now: now, into: &output)
        case .encrypted: output.append(contentsOf: try encryptor.encode(values, now: now).utf8)
        }
    }

    /// `encode` of a lesson session, signed without building its members.
    public func encode(_ session: LessonSession, now: Int64, into output: inout [UInt8]) throws(CryptoError) {
        switch mode {
        case .signed: serializer.encode(session, now: now, into: &output)
        case .encrypted: try encode(session.values, now: now, into: &output)
        }
    }

    /// `encode` into memory the caller lends: written there in full, or `output.overflowed`.
    package func encode(_ values: JSONObject, now: Int64, into output: inout FixedByteBuffer) throws(CryptoError) {
        switch mode {
        case .signed: serializer.encode(values, now: now, into: &output)
        case .encrypted:
            var cookie = try encryptor.encode(values, now: now)
            cookie.withUTF8 { output.append(contentsOf: $0) }
        }
    }

    /// `encode` of a lesson session into memory the caller lends.
    package func encode(_ session: LessonSession, now: Int64, into output: inout FixedByteBuffer) throws(CryptoError) {
        switch mode {
        case .signed: serializer.encode(session, now: now, into: &output)
        case .encrypted: try encode(session.values, now: now, into: &output)
        }
    }

    public func decode(_ cookie: String, now: Int64) throws(SessionCookieRejection) -> VerifiedSession {
        try cookie.withUTF8Bytes { (bytes) throws(SessionCookieRejection) in try decode(bytes, now: now) }
    }

    /// `decode` of the cookie's bytes, read in place.
    public func decode(_ cookie: Span<UInt8>, now: Int64) throws(SessionCookieRejection) -> VerifiedSession {
        try cookie.withUnsafeBufferPointer { (bytes) throws(SessionCookieRejection) in try decode(bytes, now: now) }
    }

    package func decode(_ cookie: UnsafeBufferPointer<UInt8>, now: Int64) throws(SessionCookieRejection) -> VerifiedSession {
        if SessionEncryptor.isEncrypted(cookie) {
            return try encryptor.decode(
                cookie, lifetimeSeconds: lifetimeSeconds, now: now, maximumDepth: serializer.maximumDepth)
        }
        return try serializer.decode(cookie, now: now)
    }
}
