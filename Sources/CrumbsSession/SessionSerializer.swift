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

    /// The newest key's, which signs and verifies first; then the older keys', which only
    /// verify, newest first. (Apart: reaching a class in an array retains and releases it,
    /// twice a request.)
    private let signer: HMACSHA1
    private let fallbacks: [HMACSHA1]
    private let zlib = Zlib()
    /// The decoded payload of the cookie being read, its capacity kept between cookies.
    /// (A serializer is one loop's and not re-entered: no runtime exclusivity check.)
    @exclusivity(unchecked) private var decodedPayloadScratch: [UInt8] = []
    /// The keys and short values of the sessions read, made into strings once.
    private let stringCache = JSONStringCache()
    public let lifetimeSeconds: Int64
    public let inflateLimit: Int
    public let maximumDepth: Int
    /// Whether the lesson's default sessions are written without asking zlib; tests turn it
    /// off to see zlib decide alone.
    private let skipsZlibForDefaultSessions: Bool

    /// - Parameter secretKeys: raw secret keys, newest first, as Flask's `SECRET_KEY`
    ///   followed by `SECRET_KEY_FALLBACKS` from newest to oldest.
    public init(
        secretKeys: [[UInt8]], salt: [UInt8] = SessionSerializer.flaskSalt,
        lifetimeSeconds: Int64 = SessionSerializer.flaskLifetimeSeconds,
        inflateLimit: Int = SessionSerializer.defaultInflateLimit,
        maximumDepth: Int = JSONParser.defaultMaximumDepth,
        skipsZlibForDefaultSessions: Bool = DefaultLessonSession.skippingZlibIsProven
    ) throws(CryptoError) {
        precondition(!secretKeys.isEmpty, "a serializer needs at least one secret key")
        var authenticators: [HMACSHA1] = []
        for key in secretKeys {
            authenticators.append(try HMACSHA1(key: Self.derivedKey(secret: key, salt: salt)))
        }
        self.signer = authenticators[0]
        self.fallbacks = Array(authenticators.dropFirst())
        self.lifetimeSeconds = lifetimeSeconds
        self.inflateLimit = inflateLimit
        self.maximumDepth = maximumDepth
        self.skipsZlibForDefaultSessions = skipsZlibForDefaultSessions
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
        FixedByteBuffer.withWritten { encode(values, now: now, into: &$0) } _: { output.append(contentsOf: $0) }
    }

    /// Appends the cookie value of a lesson session: `encode` of its members, without them.
    public func encode(_ session: LessonSession, now: Int64, into output: inout [UInt8]) {
        FixedByteBuffer.withWritten { encode(session, now: now, into: &$0) } _: { output.append(contentsOf: $0) }
    }

    /// `encode` into memory the caller lends (the stack, for a reply's cookie): written
    /// there in full, or `output.overflowed`.
    package func encode(_ values: JSONObject, now: Int64, into output: inout FixedByteBuffer) {
        if let count = DefaultLessonSession.count(of: values) { return encode(LessonSession(count: count), now: now, into: &output) }
        let start = output.count
        // The payload JSON is written on the stack when it fits.
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
        appendSignature(now: now, from: start, to: &output)
    }

    /// `encode` of a lesson session into memory the caller lends.
    package func encode(_ session: LessonSession, now: Int64, into output: inout FixedByteBuffer) {
        let start = output.count
        let isDefault = session.isDefaultLessonSession
        session.withPayload { appendPayload($0, isDefaultLessonSession: isDefault, to: &output) }
        appendSignature(now: now, from: start, to: &output)
    }

    /// Appends `.timestamp.signature` to the payload written from `start`.
    private func appendSignature(now: Int64, from start: Int, to output: inout FixedByteBuffer) {
        output.append(UInt8(ascii: "."))
        Self.withBigEndianMinimalBytes(now) { Base64URL.encode($0, appendingTo: &output) }
        let mac = signer.authenticate(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(output.written)[start...]))
        output.append(UInt8(ascii: "."))
        mac.withUnsafeBytes { Base64URL.encode($0, appendingTo: &output) }
    }

    /// itsdangerous' `dump_payload`: the JSON in base64url, or `.` and its zlib compression
    /// when that is shorter by more than one byte, which the lesson's default sessions never
    /// are (`DefaultLessonSession`).
    private func appendPayload(
        _ json: UnsafeBufferPointer<UInt8>, isDefaultLessonSession: Bool = false, to output: inout FixedByteBuffer
    ) {
        if skipsZlibForDefaultSessions && (isDefaultLessonSession || DefaultLessonSession.contains(json)) {
            Base64URL.encode(UnsafeRawBufferPointer(json), appendingTo: &output)
            return
        }
        zlib.compress(json) { compressed in
            if compressed.count < json.count - 1 {
                output.append(UInt8(ascii: "."))
                Base64URL.encode(UnsafeRawBufferPointer(compressed), appendingTo: &output)
            } else {
                Base64URL.encode(UnsafeRawBufferPointer(json), appendingTo: &output)
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
        // A lesson session is read without the JSON parser, and its members are made only
        // if asked for: it is what the lesson's visitors send, and all a lesson route needs
        // of it is its three fields. The default ones, most of them, are told by their
        // count alone.
        // (Lent in place: read through a copy of the array, as a non-mutating access makes,
        // it was retained and released around the call.)
        if !layout.wasCompressed,
            let count = decodedPayloadScratch.withUnsafeMutableBufferPointer({
                DefaultLessonSession.count(ofPayload: UnsafeBufferPointer($0))
            })
        {
            return VerifiedSession(
                lessonSession: LessonSession(count: count), timestamp: layout.timestamp, keyIndex: keyIndex, wasCompressed: false)
        }
        let json = layout.wasCompressed ? try Self.inflated(decodedPayloadScratch, zlib: zlib, limit: inflateLimit) : decodedPayloadScratch
        if let lesson = json.withUnsafeBufferPointer(LessonSession.init(payload:)) {
            return VerifiedSession(
                lessonSession: lesson, timestamp: layout.timestamp, keyIndex: keyIndex, wasCompressed: layout.wasCompressed)
        }
        return VerifiedSession(
            values: try Self.session(fromJSON: json, maximumDepth: maximumDepth, cache: stringCache),
            timestamp: layout.timestamp, keyIndex: keyIndex, wasCompressed: layout.wasCompressed)
    }

    /// The index of the first key whose MAC matches, trying every key so that the time
    /// taken does not say which one matched.
    public func verifyingKeyIndex(_ parts: SessionCookieParts) -> Int? {
        parts.signedText.withUnsafeBytes { verifyingKeyIndex(signedText: $0, signature: parts.signature) }
    }

    private func verifyingKeyIndex(signedText: UnsafeRawBufferPointer, signature: HMACSHA1.Digest) -> Int? {
        var match: Int? = signer.authenticate(signedText).matches(signature) ? 0 : nil
        for (index, authenticator) in fallbacks.enumerated() {
            if authenticator.authenticate(signedText).matches(signature), match == nil {
                match = index + 1
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
        Base64URL.decodeBigEndianInteger(bytes: text).map { Int64($0) }
    }

    /// Lends `int_to_bytes(value)` from the stack.
    static func withBigEndianMinimalBytes<Result>(_ value: Int64, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        let bigEndian = UInt64(bitPattern: value).bigEndian
        let leadingZeroBytes = UInt64(bitPattern: value).leadingZeroBitCount / 8
        return withUnsafeBytes(of: bigEndian) { body(UnsafeRawBufferPointer(rebasing: $0[leadingZeroBytes...])) }
    }
}
