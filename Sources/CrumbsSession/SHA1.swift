internal import COpenSSL

public enum SHA1 {
    /// The SHA-1 digest of `bytes` in lowercase hex, as Redis names a script (`EVALSHA`).
    public static func hexDigest(_ bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: 20)
        var length: UInt32 = 0
        let hashed = EVP_Digest(bytes, bytes.count, &digest, &length, EVP_sha1(), nil)
        precondition(hashed == 1 && length == 20, "SHA-1 failed")
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: digest.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
    }
}
