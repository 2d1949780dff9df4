internal import COpenSSL

public enum SHA256 {
    /// The SHA-256 digest of `bytes` in standard base64 with padding, as a
    /// Content-Security-Policy hash source (`'sha256-…'`) spells it.
    public static func base64Digest(_ bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let hashed = EVP_Digest(bytes, bytes.count, &digest, &length, EVP_sha256(), nil)
        precondition(hashed == 1 && length == 32, "SHA-256 failed")
        var encoded = [UInt8](repeating: 0, count: 45)
        let written = EVP_EncodeBlock(&encoded, digest, 32)
        return String(decoding: encoded[..<Int(written)], as: UTF8.self)
    }
}
