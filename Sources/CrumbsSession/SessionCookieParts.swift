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
