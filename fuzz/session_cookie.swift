/// libFuzzer target: everything that reads a session cookie — the three parts, base64url,
/// zlib (with its inflate limit), the JSON payload, the encrypted format, and the full
/// verifying decode. Whatever decodes must encode back to an equal session.
private let key: [UInt8] = Array("fuzzing key, thirty-two bytes!!!".utf8)
nonisolated(unsafe) private let codec = try! SessionCodec(secretKeys: [key], inflateLimit: 64 * 1024)
nonisolated(unsafe) private let zlib = Zlib()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSessionCookie(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    if let parts = try? SessionCookieParts.parse(bytes, zlib: zlib, inflateLimit: 64 * 1024),
        let values = try? parts.payload()
    {
        let now: Int64 = 1_700_000_000
        let cookie = try! codec.encode(values, now: now)
        let again = try! codec.decode(cookie, now: now)
        precondition(again.values == values, "a session did not survive encoding")
    }
    _ = try? SessionEncryptor.Parts.parse(bytes)
    _ = try? codec.decode(String(decoding: bytes, as: UTF8.self), now: 1_700_000_000)
    return 0
}
