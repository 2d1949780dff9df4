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
        guard let signatureDot = Self.signatureDot(in: bytes),
            let timestampDot = Self.lastDot(in: bytes, before: signatureDot),
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

    /// The `.` before the signature. A signature is 20 bytes, 27 characters, so that is
    /// where the dot is in every cookie that can verify: looked at first, instead of
    /// searched for. (Where it is not, or a dot follows it, the last dot is searched for as
    /// itsdangerous' `rsplit` finds it: either way such a cookie's signature is no 27
    /// base64url characters, and it is refused.)
    static func signatureDot(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let expected = bytes.count - 28
        if expected >= 0, bytes[expected] == UInt8(ascii: ".") { return expected }
        return lastDot(in: bytes, before: bytes.count)
    }

    /// The last `.` among the first `end` bytes, looked for eight bytes at a time, where
    /// `lastIndex(of:)` steps back a byte at a time through the ~100 bytes of a session
    /// cookie (callgrind: about 300 instructions a request). Each word's dots are marked
    /// exactly (a byte's test cannot carry into the next), so the highest mark is the last.
    static func lastDot(in bytes: UnsafeBufferPointer<UInt8>, before end: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let dot = UInt8(ascii: ".")
        let ones: UInt64 = 0x0101_0101_0101_0101
        let lows: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        var index = end
        while index >= 8 {
            // Zero where the byte is a dot; then the high bit set exactly for those bytes.
            let word = UInt64(littleEndian: UnsafeRawPointer(base + index - 8).loadUnaligned(as: UInt64.self)) ^ (ones &* UInt64(dot))
            let dots = ~(((word & lows) &+ lows) | word | lows)
            if dots != 0 { return index - 1 - dots.leadingZeroBitCount / 8 }
            index -= 8
        }
        while index > 0 {
            index -= 1
            if base[index] == dot { return index }
        }
        return nil
    }
}
