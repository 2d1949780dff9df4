internal import COpenSSL

/// Bytes from OpenSSL's CSPRNG, drawn a block at a time and handed out once each.
///
/// Why: under OpenSSL 3 every `RAND_bytes` call costs about 6,700 instructions whatever its
/// size (the DRBG's lock, parameter lookups, a cipher set-up), and the Redis store draws 32
/// bytes for each new visitor's session id. A 1 KiB block serves 32 ids for one call
/// (callgrind: 6.7k instructions an id before, about 0.5k after).
///
/// The bytes are the DRBG's own output, so ids are as unpredictable as before; the pool
/// holds only bytes not yet handed out (each is wiped as it goes), which is no more than
/// the DRBG's state in the same memory already reveals. `~Copyable`: a copy would hand out
/// the same bytes twice. Not thread-safe: one pool per event loop. Never shared across a
/// `fork()` (Crumbs does not fork).
public struct SecureRandomPool: ~Copyable {
    public static let blockSize = 1024

    private let block: UnsafeMutableRawBufferPointer
    /// Where the bytes not yet handed out begin; `blockSize` when there are none.
    private var next: Int

    public init() {
        block = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.blockSize, alignment: 16)
        block.initializeMemory(as: UInt8.self, repeating: 0)
        next = Self.blockSize
    }

    deinit {
        OPENSSL_cleanse(block.baseAddress, block.count)
        block.deallocate()
    }

    /// Lends `count` fresh bytes (at most `blockSize`) to `body`, then wipes them.
    public mutating func withBytes<Result>(
        count: Int, _ body: (UnsafeRawBufferPointer) -> Result
    ) throws(CryptoError) -> Result {
        precondition(count >= 0 && count <= Self.blockSize, "at most a block at a time")
        if Self.blockSize - next < count {
            guard RAND_bytes(block.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(Self.blockSize)) == 1 else {
                throw CryptoError(operation: "RAND_bytes")
            }
            next = 0
        }
        let bytes = UnsafeMutableRawBufferPointer(rebasing: block[next..<(next + count)])
        next += count
        defer { OPENSSL_cleanse(bytes.baseAddress, count) }
        return body(UnsafeRawBufferPointer(bytes))
    }
}
