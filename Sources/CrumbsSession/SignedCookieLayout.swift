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
