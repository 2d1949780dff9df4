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

/// Where the parts of a signed cookie lie, with the signature and the date decoded: what
/// the server reads in place and `SessionCookieParts` copies out for the tools.
struct SignedCookieLayout {
    /// The bytes the signature covers, `payload.timestamp`, are the first `signedCount`.
    let signedCount: Int
    let wasCompressed: Bool
    let timestamp: Int64
    let signature: HMACSHA1.Digest

    /// Splits from the right, as itsdangerous does, since a compressed payload starts with
    /// `.`, and decodes the payload's base64 into `payload` (still compressed if it was).
    init(_ bytes: UnsafeBufferPointer<UInt8>, payload: inout [UInt8]) throws(SessionCookieRejection) {
        let dot = UInt8(ascii: ".")
        guard let signatureDot = bytes.lastIndex(of: dot),
            let timestampDot = bytes[..<signatureDot].lastIndex(of: dot),
            let signature = HMACSHA1.Digest(base64URL: UnsafeBufferPointer(rebasing: bytes[(signatureDot + 1)...])),
            let timestamp = SessionSerializer.timestamp(
                base64URL: UnsafeBufferPointer(rebasing: bytes[(timestampDot + 1)..<signatureDot]))
        else { throw .malformed }
        var payloadText = bytes[..<timestampDot]
        wasCompressed = payloadText.first == dot
        if wasCompressed { payloadText = payloadText.dropFirst() }
        guard Base64URL.decode(bytes: UnsafeBufferPointer(rebasing: payloadText), replacing: &payload) else {
            throw .malformed
        }
        signedCount = signatureDot
        self.timestamp = timestamp
        self.signature = signature
    }
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
    public let signature: HMACSHA1.Digest

    /// `parse` of a string's bytes, read in place.
    public static func parse(_ cookie: String, zlib: Zlib, inflateLimit: Int) throws(SessionCookieRejection)
        -> SessionCookieParts
    {
        try cookie.withUTF8Bytes { (bytes) throws(SessionCookieRejection) in
            try parse(bytes, zlib: zlib, inflateLimit: inflateLimit)
        }
    }

    package static func parse(_ bytes: UnsafeBufferPointer<UInt8>, zlib: Zlib, inflateLimit: Int)
        throws(SessionCookieRejection) -> SessionCookieParts
    {
        var payload: [UInt8] = []
        let layout = try SignedCookieLayout(bytes, payload: &payload)
        if layout.wasCompressed { payload = try SessionSerializer.inflated(payload, zlib: zlib, limit: inflateLimit) }
        return SessionCookieParts(
            signedText: Array(UnsafeBufferPointer(rebasing: bytes[..<layout.signedCount])), payloadJSON: payload,
            wasCompressed: layout.wasCompressed, timestamp: layout.timestamp, signature: layout.signature)
    }

    /// The payload as a session: a JSON object, as Flask's session interface requires.
    public func payload(maximumDepth: Int = JSONParser.defaultMaximumDepth) throws(SessionCookieRejection) -> JSONObject {
        try SessionSerializer.session(fromJSON: payloadJSON, maximumDepth: maximumDepth)
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
    /// The decoded payload of the cookie being read, its capacity kept between cookies.
    private var decodedPayloadScratch: [UInt8] = []
    /// The keys and short values of the sessions read, made into strings once.
    private let stringCache = JSONStringCache()
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
        // The payload JSON is written on the stack when it fits (a session usually does).
        let fitted = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: FixedByteBuffer.stackCapacity) { memory in
            var json = FixedByteBuffer(memory)
            JSONWriter.write(values, style: .compact, into: &json)
            if !json.overflowed { appendPayload(json.written, to: &output) }
            return !json.overflowed
        }
        if !fitted {
            var json: [UInt8] = []
            JSONWriter.write(values, style: .compact, into: &json)
            json.withUnsafeBufferPointer { appendPayload($0, to: &output) }
        }
        output.append(UInt8(ascii: "."))
        Self.withBigEndianMinimalBytes(now) { Base64URL.encode($0, into: &output) }
        let mac = output.withUnsafeBytes { authenticators[0].authenticate(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        output.append(UInt8(ascii: "."))
        mac.withUnsafeBytes { Base64URL.encode($0, into: &output) }
    }

    /// itsdangerous' `dump_payload`: the JSON in base64url, or `.` and its zlib compression
    /// when that is shorter by more than one byte.
    private func appendPayload(_ json: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        zlib.compress(json) { compressed in
            if compressed.count < json.count - 1 {
                output.append(UInt8(ascii: "."))
                Base64URL.encode(UnsafeRawBufferPointer(compressed), into: &output)
            } else {
                Base64URL.encode(UnsafeRawBufferPointer(json), into: &output)
            }
        }
    }

    /// Verifies and reads a cookie value: signature (constant-time, each key in turn), then
    /// age, then payload, which is only inflated once the signature is known to be good.
    public func decode(_ cookie: String, now: Int64) throws(SessionCookieRejection) -> VerifiedSession {
        try cookie.withUTF8Bytes { (bytes) throws(SessionCookieRejection) in try decode(bytes, now: now) }
    }

    /// `decode` of the cookie's bytes, read in place: only the payload is copied, into a
    /// buffer kept between cookies.
    package func decode(_ cookie: UnsafeBufferPointer<UInt8>, now: Int64) throws(SessionCookieRejection) -> VerifiedSession {
        let layout = try SignedCookieLayout(cookie, payload: &decodedPayloadScratch)
        let signedText = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(cookie)[..<layout.signedCount])
        guard let keyIndex = verifyingKeyIndex(signedText: signedText, signature: layout.signature) else {
            throw .badSignature
        }
        let age = now - layout.timestamp
        if age > lifetimeSeconds { throw .expired(ageSeconds: age) }
        if age < 0 { throw .notYetValid }
        let values =
            layout.wasCompressed
            ? try Self.session(
                fromJSON: try Self.inflated(decodedPayloadScratch, zlib: zlib, limit: inflateLimit), maximumDepth: maximumDepth,
                cache: stringCache)
            : try Self.session(fromJSON: decodedPayloadScratch, maximumDepth: maximumDepth, cache: stringCache)
        return VerifiedSession(
            values: values, timestamp: layout.timestamp, keyIndex: keyIndex, wasCompressed: layout.wasCompressed)
    }

    /// The index of the first key whose MAC matches, trying every key so that the time
    /// taken does not say which one matched.
    public func verifyingKeyIndex(_ parts: SessionCookieParts) -> Int? {
        parts.signedText.withUnsafeBytes { verifyingKeyIndex(signedText: $0, signature: parts.signature) }
    }

    private func verifyingKeyIndex(signedText: UnsafeRawBufferPointer, signature: HMACSHA1.Digest) -> Int? {
        var match: Int? = nil
        for (index, authenticator) in authenticators.enumerated() {
            if authenticator.authenticate(signedText).matches(signature), match == nil {
                match = index
            }
        }
        return match
    }

    static func inflated(_ compressed: [UInt8], zlib: Zlib, limit: Int) throws(SessionCookieRejection) -> [UInt8] {
        guard let inflated = zlib.decompress(compressed, limit: limit) else {
            throw .badPayload("the compressed payload is not valid zlib or inflates past \(limit) bytes")
        }
        return inflated
    }

    /// A payload as a session: a JSON object, as Flask's session interface requires.
    static func session(fromJSON json: [UInt8], maximumDepth: Int, cache: JSONStringCache? = nil) throws(SessionCookieRejection)
        -> JSONObject
    {
        let value: JSONValue
        do {
            value = try JSONParser.parse(json, maximumDepth: maximumDepth, cache: cache)
        } catch {
            throw .badPayload("the payload is not JSON: \(error)")
        }
        guard case .object(let object) = value else { throw .badPayload("the payload is not a JSON object") }
        return object
    }

    /// itsdangerous' `int_to_bytes`: big-endian without leading zero bytes.
    static func bigEndianMinimalBytes(_ value: Int64) -> [UInt8] {
        withBigEndianMinimalBytes(value) { Array($0) }
    }

    /// itsdangerous' `bytes_to_int` of a timestamp in base64url, at most 7 bytes (more would
    /// be a date millions of years away); nil for anything else.
    static func timestamp(base64URL text: UnsafeBufferPointer<UInt8>) -> Int64? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 7) { buffer -> Int64? in
            guard let count = Base64URL.decode(bytes: text, into: buffer) else { return nil }
            return buffer[..<count].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        }
    }

    /// Lends `int_to_bytes(value)` from the stack.
    static func withBigEndianMinimalBytes<Result>(_ value: Int64, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        let bigEndian = UInt64(bitPattern: value).bigEndian
        let leadingZeroBytes = UInt64(bitPattern: value).leadingZeroBitCount / 8
        return withUnsafeBytes(of: bigEndian) { body(UnsafeRawBufferPointer(rebasing: $0[leadingZeroBytes...])) }
    }
}

extension String {
    /// Lends the string's UTF-8 to a body with a typed error, which `withUTF8` (untyped
    /// `rethrows`) cannot pass through.
    func withUTF8Bytes<Value, Failure: Error>(
        _ body: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Value
    ) throws(Failure) -> Value {
        var text = self
        return try text.withUTF8 { bytes in Result { () throws(Failure) in try body(bytes) } }.get()
    }
}
