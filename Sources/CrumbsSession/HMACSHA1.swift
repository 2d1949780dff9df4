internal import COpenSSL

/// HMAC-SHA1 with one key, the MAC itsdangerous uses by default.
///
/// The key is installed once; every message then only re-initialises the context (OpenSSL 3
/// `EVP_MAC_init` with no key keeps the key), which is several times cheaper than the
/// one-shot `HMAC()` that builds a context per call. An instance is not thread-safe: keep
/// one per event loop.
public final class HMACSHA1 {
    public static let digestLength = 20

    private let context: OpaquePointer

    public init(key: [UInt8]) throws(CryptoError) {
        guard let mac = EVP_MAC_fetch(nil, "HMAC", nil) else { throw CryptoError(operation: "EVP_MAC_fetch") }
        defer { EVP_MAC_free(mac) }
        guard let context = EVP_MAC_CTX_new(mac) else { throw CryptoError(operation: "EVP_MAC_CTX_new") }
        var parameters = [crumbs_param_digest_sha1(), OSSL_PARAM_construct_end()]
        let initialised = key.withUnsafeBufferPointer { EVP_MAC_init(context, $0.baseAddress, $0.count, &parameters) }
        guard initialised == 1 else {
            EVP_MAC_CTX_free(context)
            throw CryptoError(operation: "EVP_MAC_init")
        }
        self.context = context
    }

    deinit { EVP_MAC_CTX_free(context) }

    /// The 20-byte MAC of `message`, kept inline so that computing one allocates nothing.
    public struct Digest: Sendable {
        private var storage: (UInt64, UInt64, UInt32) = (0, 0, 0)

        init() {}

        /// A received signature, decoded from base64url straight into the digest; nil
        /// unless the text is base64url for exactly 20 bytes.
        package init?(base64URL text: UnsafeBufferPointer<UInt8>) {
            guard text.count * 3 / 4 == HMACSHA1.digestLength else { return nil }
            let decoded = withUnsafeMutableBytes { Base64URL.decode(bytes: text, into: $0.bindMemory(to: UInt8.self)) }
            guard decoded != nil else { return nil }
        }

        package func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
            try Swift.withUnsafeBytes(of: storage) { try body(UnsafeRawBufferPointer(rebasing: $0[..<HMACSHA1.digestLength])) }
        }

        fileprivate mutating func withUnsafeMutableBytes<Result>(_ body: (UnsafeMutableRawBufferPointer) -> Result) -> Result {
            Swift.withUnsafeMutableBytes(of: &storage) { body(UnsafeMutableRawBufferPointer(rebasing: $0[..<HMACSHA1.digestLength])) }
        }

        /// Constant-time comparison with a received signature (`CRYPTO_memcmp`), so a forger
        /// learns nothing from how fast a wrong signature is refused.
        public func matches(_ signature: Digest) -> Bool {
            withUnsafeBytes { mine in
                signature.withUnsafeBytes { theirs in CRYPTO_memcmp(mine.baseAddress, theirs.baseAddress, mine.count) == 0 }
            }
        }
    }

    package func authenticate(_ message: UnsafeRawBufferPointer) -> Digest {
        var digest = Digest()
        var length = 0
        let succeeded = digest.withUnsafeMutableBytes { output in
            EVP_MAC_init(context, nil, 0, nil) == 1
                && EVP_MAC_update(context, message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count) == 1
                && EVP_MAC_final(context, output.baseAddress?.assumingMemoryBound(to: UInt8.self), &length, output.count) == 1
        }
        // Re-initialising a keyed context cannot fail short of memory exhaustion; a wrong
        // MAC would only ever reject a cookie, never accept one.
        precondition(succeeded && length == Self.digestLength, "HMAC-SHA1 failed")
        return digest
    }

    /// One-shot HMAC-SHA1, for deriving keys at start-up.
    public static func oneShot(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: digestLength)
        var length: UInt32 = 0
        let result = key.withUnsafeBytes { keyBytes in
            message.withUnsafeBufferPointer { messageBytes in
                HMAC(EVP_sha1(), keyBytes.baseAddress, Int32(keyBytes.count), messageBytes.baseAddress, messageBytes.count,
                    &digest, &length)
            }
        }
        precondition(result != nil && length == UInt32(digestLength), "HMAC-SHA1 failed")
        return digest
    }
}
