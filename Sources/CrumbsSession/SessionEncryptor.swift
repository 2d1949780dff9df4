internal import COpenSSL
import Glibc

/// Opt-in encrypted session cookies: AES-256-GCM, opaque in the browser's dev tools.
///
/// Format (version 1), each part base64url without padding:
///
///     v1.<timestamp>.<nonce>.<ciphertext and 16-byte tag>
///
/// - key: HKDF-SHA256(secret, salt "crumbs", info "crumbs session encryption v1"), a
///   different purpose from the itsdangerous signing key, so one secret serves both;
/// - nonce: 96 random bits, fresh for every cookie;
/// - plaintext: the session as compact sorted JSON (never compressed: compression before
///   encryption would let the length betray the content);
/// - additional data: `v1.<timestamp>`, so the date cannot be changed or moved to
///   another cookie.
///
/// A signed Flask cookie can never start with `v1.`: its payload is base64 of `{...}`
/// (`ey…`, `e3…`) or starts with `.`.
public final class SessionEncryptor {
    /// The mark of an encrypted cookie, kept as a literal so that testing for it on every
    /// cookie reads no lazily initialised array.
    static let prefixLiteral: StaticString = "v1."
    public static let prefix: [UInt8] = Array(UnsafeBufferPointer(start: prefixLiteral.utf8Start, count: prefixLiteral.utf8CodeUnitCount))
    static let nonceLength = 12
    static let tagLength = 16
    static let hkdfSalt = Array("crumbs".utf8)
    static let hkdfInfo = Array("crumbs session encryption v1".utf8)

    /// Newest first, like the signing keys.
    private let keys: [[UInt8]]
    private let context: OpaquePointer

    public init(secretKeys: [[UInt8]]) throws(CryptoError) {
        var keys: [[UInt8]] = []
        for secret in secretKeys { keys.append(try Self.derivedKey(secret: secret)) }
        guard let context = EVP_CIPHER_CTX_new() else { throw CryptoError(operation: "EVP_CIPHER_CTX_new") }
        self.keys = keys
        self.context = context
    }

    deinit { EVP_CIPHER_CTX_free(context) }

    public static func isEncrypted(_ cookie: String) -> Bool {
        // In contiguous bytes: the generic `starts(with:)` on a string's view costs ~20x more.
        var cookie = cookie
        return cookie.withUTF8 { isEncrypted($0) }
    }

    package static func isEncrypted(_ cookie: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = prefixLiteral.utf8CodeUnitCount
        return cookie.count >= count && memcmp(cookie.baseAddress!, prefixLiteral.utf8Start, count) == 0
    }

    /// HKDF-SHA256 (RFC 5869) through OpenSSL's EVP_KDF.
    static func derivedKey(secret: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let kdf = EVP_KDF_fetch(nil, "HKDF", nil) else { throw CryptoError(operation: "EVP_KDF_fetch") }
        defer { EVP_KDF_free(kdf) }
        guard let context = EVP_KDF_CTX_new(kdf) else { throw CryptoError(operation: "EVP_KDF_CTX_new") }
        defer { EVP_KDF_CTX_free(context) }
        var key = [UInt8](repeating: 0, count: 32)
        // An OSSL_PARAM keeps the pointers it is given, so the inputs need storage that lasts
        // the whole derivation, not the per-call temporaries Swift passes for `&array`.
        let inputs = [secret, hkdfSalt, hkdfInfo].map { bytes -> UnsafeMutableRawBufferPointer in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            buffer.copyBytes(from: bytes)
            return UnsafeMutableRawBufferPointer(rebasing: buffer[..<bytes.count])
        }
        defer { inputs.forEach { $0.deallocate() } }
        var parameters = [
            crumbs_param_digest_sha256(),
            crumbs_param_kdf_key(inputs[0].baseAddress, inputs[0].count),
            crumbs_param_kdf_salt(inputs[1].baseAddress, inputs[1].count),
            crumbs_param_kdf_info(inputs[2].baseAddress, inputs[2].count),
            OSSL_PARAM_construct_end(),
        ]
        let status = EVP_KDF_derive(context, &key, key.count, &parameters)
        guard status == 1 else { throw CryptoError(operation: "EVP_KDF_derive") }
        return key
    }

    /// Encrypts `values` with the current key and a fresh nonce.
    public func encode(_ values: JSONObject, now: Int64) throws(CryptoError) -> String {
        let plaintext = JSONWriter.bytes(.object(values), style: .compact)
        var header = Self.prefix
        Base64URL.encode(SessionSerializer.bigEndianMinimalBytes(now), into: &header)
        let nonce = try SecureRandom.bytes(count: Self.nonceLength)
        guard let sealed = seal(plaintext, key: keys[0], nonce: nonce, additionalData: header) else {
            throw CryptoError(operation: "AES-256-GCM encryption")
        }
        var cookie = header
        cookie.append(UInt8(ascii: "."))
        Base64URL.encode(nonce, into: &cookie)
        cookie.append(UInt8(ascii: "."))
        Base64URL.encode(sealed, into: &cookie)
        return String(decoding: cookie, as: UTF8.self)
    }

    /// The parts of an encrypted cookie, before any key is tried.
    public struct Parts: Sendable {
        public let header: [UInt8]
        public let timestamp: Int64
        public let nonce: [UInt8]
        public let sealed: [UInt8]

        public static func parse(_ cookie: some Collection<UInt8>) throws(SessionCookieRejection) -> Parts {
            let bytes = Array(cookie)
            guard bytes.starts(with: SessionEncryptor.prefix) else { throw .malformed }
            let fields = bytes[SessionEncryptor.prefix.count...].split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            guard fields.count == 3, !fields[0].isEmpty,
                let timestamp = fields[0].withUnsafeBufferPointer({ SessionSerializer.timestamp(base64URL: $0) }),
                let nonce = Base64URL.decode(fields[1]), nonce.count == SessionEncryptor.nonceLength,
                let sealed = Base64URL.decode(fields[2]), sealed.count >= SessionEncryptor.tagLength
            else { throw .malformed }
            return Parts(
                header: SessionEncryptor.prefix + Array(fields[0]),
                timestamp: timestamp, nonce: nonce, sealed: sealed)
        }
    }

    /// Decrypts with each key in turn; any change to any byte fails authentication.
    public func decode(_ cookie: some Collection<UInt8>, lifetimeSeconds: Int64, now: Int64, maximumDepth: Int)
        throws(SessionCookieRejection) -> VerifiedSession
    {
        let parts = try Parts.parse(cookie)
        var opened: (plaintext: [UInt8], keyIndex: Int)? = nil
        for (index, key) in keys.enumerated() {
            if let plaintext = open(parts.sealed, key: key, nonce: parts.nonce, additionalData: parts.header) {
                opened = (plaintext, index)
                break
            }
        }
        guard let opened else { throw .badSignature }
        let age = now - parts.timestamp
        if age > lifetimeSeconds { throw .expired(ageSeconds: age) }
        if age < 0 { throw .notYetValid }
        let value: JSONValue
        do {
            value = try JSONParser.parse(opened.plaintext, maximumDepth: maximumDepth)
        } catch {
            throw .badPayload("the decrypted payload is not JSON: \(error)")
        }
        guard case .object(let values) = value else { throw .badPayload("the payload is not a JSON object") }
        return VerifiedSession(values: values, timestamp: parts.timestamp, keyIndex: opened.keyIndex, wasCompressed: false)
    }

    private func seal(_ plaintext: [UInt8], key: [UInt8], nonce: [UInt8], additionalData: [UInt8]) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: plaintext.count + Self.tagLength)
        var length: Int32 = 0
        var total = 0
        guard EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(nonce.count), nil) == 1,
            EVP_EncryptInit_ex(context, nil, nil, key, nonce) == 1,
            EVP_EncryptUpdate(context, nil, &length, additionalData, Int32(additionalData.count)) == 1,
            EVP_EncryptUpdate(context, &output, &length, plaintext, Int32(plaintext.count)) == 1
        else { return nil }
        total = Int(length)
        let finished = output.withUnsafeMutableBufferPointer { buffer in
            EVP_EncryptFinal_ex(context, buffer.baseAddress! + total, &length) == 1
        }
        guard finished else { return nil }
        total += Int(length)
        let tagged = output.withUnsafeMutableBufferPointer { buffer in
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(Self.tagLength), buffer.baseAddress! + total) == 1
        }
        return tagged ? Array(output[..<(total + Self.tagLength)]) : nil
    }

    private func open(_ sealed: [UInt8], key: [UInt8], nonce: [UInt8], additionalData: [UInt8]) -> [UInt8]? {
        let ciphertextLength = sealed.count - Self.tagLength
        var tag = Array(sealed[ciphertextLength...])
        var output = [UInt8](repeating: 0, count: max(ciphertextLength, 1))
        var length: Int32 = 0
        guard EVP_DecryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(nonce.count), nil) == 1,
            EVP_DecryptInit_ex(context, nil, nil, key, nonce) == 1,
            EVP_DecryptUpdate(context, nil, &length, additionalData, Int32(additionalData.count)) == 1,
            EVP_DecryptUpdate(context, &output, &length, sealed, Int32(ciphertextLength)) == 1,
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(Self.tagLength), &tag) == 1
        else { return nil }
        let total = Int(length)
        let verified = output.withUnsafeMutableBufferPointer { buffer in
            EVP_DecryptFinal_ex(context, buffer.baseAddress! + total, &length) == 1
        }
        return verified ? Array(output[..<ciphertextLength]) : nil
    }
}
