/// Why a session cookie was not accepted. Flask treats every one of these the same way (a
/// fresh, empty session); the cases exist for the cookie tools and for tests.
public enum SessionCookieRejection: Error, Equatable, Sendable {
    /// Not `payload.timestamp.signature` with each part in base64url.
    case malformed
    /// No key produced this signature.
    case badSignature
    /// Signed longer ago than the session lifetime.
    case expired(ageSeconds: Int64)
    /// Dated in the future (itsdangerous refuses a negative age).
    case notYetValid
    /// Correctly signed, but the payload is not zlib or not a JSON object within the limits.
    case badPayload(String)
}

/// The three dot-separated parts of a session cookie, read without checking the signature:
/// the payload is readable by anyone who has the cookie, which is the lesson's point.
public struct SessionCookieParts: Sendable {
    /// `payload.timestamp`, the bytes the signature covers.
    public let signedText: [UInt8]
    /// The JSON text of the payload, already inflated if it was compressed.
    public let payloadJSON: [UInt8]
    public let wasCompressed: Bool
    public let timestamp: Int64
    public let signature: [UInt8]

    /// `parse` of a string's bytes, read in place.
    public static func parse(_ cookie: String, zlib: Zlib, inflateLimit: Int) throws(SessionCookieRejection)
        -> SessionCookieParts
    {
        var cookie = cookie
        let parsed = cookie.withUTF8 { bytes in
            Result { () throws(SessionCookieRejection) in try parse(bytes, zlib: zlib, inflateLimit: inflateLimit) }
        }
        return try parsed.get()
    }

    /// Splits from the right, as itsdangerous does, since a compressed payload starts with `.`.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, zlib: Zlib, inflateLimit: Int)
        throws(SessionCookieRejection) -> SessionCookieParts
    {
        let dot = UInt8(ascii: ".")
        guard let signatureDot = bytes.lastIndex(of: dot),
            let timestampDot = bytes[..<signatureDot].lastIndex(of: dot),
            let signature = Base64URL.decode(bytes: UnsafeBufferPointer(rebasing: bytes[(signatureDot + 1)...])),
            signature.count == HMACSHA1.digestLength,
            let timestampBytes = Base64URL.decode(bytes: UnsafeBufferPointer(rebasing: bytes[(timestampDot + 1)..<signatureDot])),
            timestampBytes.count <= 7  // more would be a date millions of years away
        else { throw .malformed }
        let timestamp = timestampBytes.reduce(Int64(0)) { $0 << 8 | Int64($1) }
        var payload = bytes[..<timestampDot]
        let wasCompressed = payload.first == dot
        if wasCompressed { payload = payload.dropFirst() }
        guard let decoded = Base64URL.decode(bytes: UnsafeBufferPointer(rebasing: payload)) else { throw .malformed }
        var payloadJSON = decoded
        if wasCompressed {
            guard let inflated = zlib.decompress(decoded, limit: inflateLimit) else {
                throw .badPayload("the compressed payload is not valid zlib or inflates past \(inflateLimit) bytes")
            }
            payloadJSON = inflated
        }
        return SessionCookieParts(
            signedText: Array(UnsafeBufferPointer(rebasing: bytes[..<signatureDot])), payloadJSON: payloadJSON, wasCompressed: wasCompressed,
            timestamp: timestamp, signature: signature)
    }

    /// The payload as a session: a JSON object, as Flask's session interface requires.
    public func payload(maximumDepth: Int = JSONParser.defaultMaximumDepth) throws(SessionCookieRejection) -> JSONObject {
        let value: JSONValue
        do {
            value = try JSONParser.parse(payloadJSON, maximumDepth: maximumDepth)
        } catch {
            throw .badPayload("the payload is not JSON: \(error)")
        }
        guard case .object(let object) = value else { throw .badPayload("the payload is not a JSON object") }
        return object
    }
}

/// A session cookie that passed every check.
public struct VerifiedSession: Equatable, Sendable {
    public let values: JSONObject
    public let timestamp: Int64
    /// Which secret key verified it: 0 is the current key, higher ones are older keys.
    public let keyIndex: Int
    public let wasCompressed: Bool
}

/// Flask's session cookie format: itsdangerous' `URLSafeTimedSerializer` with the salt
/// `cookie-session`, `hmac` key derivation, HMAC-SHA1 and Flask's compact sorted JSON.
///
/// `value = base64url(json or "." + zlib(json)) "." base64url(timestamp) "." base64url(mac)`
///
/// Holds one keyed HMAC context per secret key, so create one serializer per event loop.
public final class SessionSerializer {
    public static let flaskSalt: [UInt8] = Array("cookie-session".utf8)
    /// Flask's `PERMANENT_SESSION_LIFETIME` default, 31 days.
    public static let flaskLifetimeSeconds: Int64 = 31 * 24 * 3600
    /// A payload that inflates past this is refused (a 4 KB cookie can inflate to ~4 MB).
    public static let defaultInflateLimit = 256 * 1024

    /// Newest first: the first key signs, all verify, in order.
    private let authenticators: [HMACSHA1]
    private let zlib = Zlib()
    /// The payload JSON of the cookie being signed, its capacity kept between cookies.
    private var payloadScratch: [UInt8] = []
    public let lifetimeSeconds: Int64
    public let inflateLimit: Int
    public let maximumDepth: Int

    /// - Parameter secretKeys: raw secret keys, newest first, as Flask's `SECRET_KEY`
    ///   followed by `SECRET_KEY_FALLBACKS` from newest to oldest.
    public init(
        secretKeys: [[UInt8]], salt: [UInt8] = SessionSerializer.flaskSalt,
        lifetimeSeconds: Int64 = SessionSerializer.flaskLifetimeSeconds,
        inflateLimit: Int = SessionSerializer.defaultInflateLimit,
        maximumDepth: Int = JSONParser.defaultMaximumDepth
    ) throws(CryptoError) {
        precondition(!secretKeys.isEmpty, "a serializer needs at least one secret key")
        var authenticators: [HMACSHA1] = []
        for key in secretKeys {
            authenticators.append(try HMACSHA1(key: Self.derivedKey(secret: key, salt: salt)))
        }
        self.authenticators = authenticators
        self.lifetimeSeconds = lifetimeSeconds
        self.inflateLimit = inflateLimit
        self.maximumDepth = maximumDepth
    }

    /// itsdangerous' `derive_key` for `key_derivation="hmac"`: HMAC(secret, salt).
    public static func derivedKey(secret: [UInt8], salt: [UInt8]) -> [UInt8] {
        HMACSHA1.oneShot(key: secret, message: salt)
    }

    /// Signs `values` with the current key, dated `now` (seconds since the epoch).
    public func encode(_ values: JSONObject, now: Int64) -> String {
        var cookie: [UInt8] = []
        encode(values, now: now, into: &cookie)
        return String(decoding: cookie, as: UTF8.self)
    }

    /// Appends the cookie value to `output`.
    public func encode(_ values: JSONObject, now: Int64, into output: inout [UInt8]) {
        let start = output.count
        payloadScratch.removeAll(keepingCapacity: true)
        JSONWriter.write(values, style: .compact, into: &payloadScratch)
        let json = payloadScratch
        zlib.compress(json) { compressed in
            if compressed.count < json.count - 1 {
                output.append(UInt8(ascii: "."))
                Base64URL.encode(compressed, into: &output)
            } else {
                Base64URL.encode(json, into: &output)
            }
        }
        output.append(UInt8(ascii: "."))
        Self.withBigEndianMinimalBytes(now) { Base64URL.encode($0, into: &output) }
        let mac = output.withUnsafeBytes { authenticators[0].authenticate(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        output.append(UInt8(ascii: "."))
        mac.withUnsafeBytes { Base64URL.encode($0, into: &output) }
    }

    /// Verifies and reads a cookie value: signature (constant-time, each key in turn), then
    /// age, then payload.
    public func decode(_ cookie: String, now: Int64) throws(SessionCookieRejection) -> VerifiedSession {
        let parts = try SessionCookieParts.parse(cookie, zlib: zlib, inflateLimit: inflateLimit)
        guard let keyIndex = verifyingKeyIndex(parts) else { throw .badSignature }
        let age = now - parts.timestamp
        if age > lifetimeSeconds { throw .expired(ageSeconds: age) }
        if age < 0 { throw .notYetValid }
        return VerifiedSession(
            values: try parts.payload(maximumDepth: maximumDepth), timestamp: parts.timestamp, keyIndex: keyIndex,
            wasCompressed: parts.wasCompressed)
    }

    /// The index of the first key whose MAC matches, trying every key so that the time
    /// taken does not say which one matched.
    public func verifyingKeyIndex(_ parts: SessionCookieParts) -> Int? {
        var match: Int? = nil
        for (index, authenticator) in authenticators.enumerated() {
            if authenticator.authenticate(parts.signedText).matches(parts.signature), match == nil {
                match = index
            }
        }
        return match
    }

    /// itsdangerous' `int_to_bytes`: big-endian without leading zero bytes.
    static func bigEndianMinimalBytes(_ value: Int64) -> [UInt8] {
        withBigEndianMinimalBytes(value) { Array($0) }
    }

    /// Lends `int_to_bytes(value)` from the stack.
    static func withBigEndianMinimalBytes<Result>(_ value: Int64, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        let bigEndian = UInt64(bitPattern: value).bigEndian
        let leadingZeroBytes = UInt64(bitPattern: value).leadingZeroBitCount / 8
        return withUnsafeBytes(of: bigEndian) { body(UnsafeRawBufferPointer(rebasing: $0[leadingZeroBytes...])) }
    }
}
