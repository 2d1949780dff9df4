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
