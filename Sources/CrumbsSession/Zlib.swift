internal import CZlib

/// zlib streams (RFC 1950), as Python's `zlib.compress`/`zlib.decompress` write and read
/// them; itsdangerous compresses a session payload when that makes it shorter.
///
/// Each instance keeps its deflate and inflate states and resets them per message:
/// setting a state up allocates and clears about 300 KB, which would otherwise dominate
/// the cost of signing a cookie. Not thread-safe: keep one per event loop.
public final class Zlib {
    /// Python's memory level (zlib's `DEF_MEM_LEVEL`). Its hash table is 64 KB, and
    /// `deflateReset` clears it for every message: 64 KB written per signed cookie.
    private static let standardMemoryLevel: Int32 = 8
    /// A 512-byte table, used where `smallTableWritesTheSameBytes` shows it changes nothing.
    private static let smallTableMemoryLevel: Int32 = 1
    /// At memory level 1 a block ends at 127 symbols, and n bytes make at most n symbols.
    static let smallTableInputLimit = 120
    /// The fewest earlier positions deflate walks in search of a match at the default level:
    /// `max_chain` 128, cut to a quarter once it holds a match of 8 bytes or more.
    private static let shortestChainWalk: UInt64 = 32

    /// The zlib loaded at run time, as `zlibVersion()` says: "1.2.13" for Debian's.
    public static let loadedVersion = String(cString: zlibVersion())

    /// Whether the small table's proof (`smallTableWritesTheSameBytes`) holds for the zlib
    /// loaded: it rests on the reference deflate's hash width and chain limits, which
    /// Mark Adler's zlib 1.2.x and 1.3.x share. Other builds (zlib-ng's compatibility
    /// library says "1.3.0.zlib-ng", Chromium's "1.2.11.1-motley") hash and search
    /// differently, and so does any future 1.4: they get the standard table only.
    public static let smallTableProofHolds = isReferenceZlib(version: loadedVersion)

    /// "1.2.x" or "1.3.x", digits and dots only.
    static func isReferenceZlib(version: String) -> Bool {
        let parts = version.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts.count <= 4, parts[0] == "1", parts[1] == "2" || parts[1] == "3" else { return false }
        return parts.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } }
    }

    /// Whether this instance may use the small table at all.
    private let smallTableAllowed: Bool
    private let standardDeflater: UnsafeMutablePointer<z_stream>
    private let smallTableDeflater: UnsafeMutablePointer<z_stream>
    private let inflater: UnsafeMutablePointer<z_stream>
    private var inflateChunk = [UInt8](repeating: 0, count: 16 * 1024)
    private var deflateOutput = [UInt8](repeating: 0, count: 1024)

    /// - Parameter smallTable: whether to use the small table where its proof holds; only
    ///   tests pass false, to see the standard path alone.
    public init(smallTable: Bool = Zlib.smallTableProofHolds) {
        smallTableAllowed = smallTable
        // z_stream must not move once initialised (zlib keeps a pointer back to it), so each
        // lives in its own allocation rather than in a Swift stored property.
        func newStream() -> UnsafeMutablePointer<z_stream> {
            let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            stream.initialize(to: z_stream())
            return stream
        }
        standardDeflater = newStream()
        smallTableDeflater = newStream()
        inflater = newStream()
        let ready =
            crumbs_deflate_init(standardDeflater, Z_DEFAULT_COMPRESSION, Self.standardMemoryLevel) == Z_OK
            && crumbs_deflate_init(smallTableDeflater, Z_DEFAULT_COMPRESSION, Self.smallTableMemoryLevel) == Z_OK
            && crumbs_inflate_init(inflater) == Z_OK
        precondition(ready, "zlib could not allocate its state")
    }

    deinit {
        deflateEnd(standardDeflater)
        deflateEnd(smallTableDeflater)
        inflateEnd(inflater)
        standardDeflater.deallocate()
        smallTableDeflater.deallocate()
        inflater.deallocate()
    }

    /// `zlib.compress(data)`: default level and window, so the bytes match Python's.
    public func compress(_ input: [UInt8]) -> [UInt8] {
        input.withUnsafeBufferPointer { source in compress(source) { Array($0) } }
    }

    /// Compresses into a buffer kept between calls and lends the result to `body`.
    package func compress<Result>(_ source: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        let deflater = smallTableAllowed && Self.smallTableWritesTheSameBytes(source) ? smallTableDeflater : standardDeflater
        deflateReset(deflater)
        let bound = Int(deflateBound(deflater, uLong(source.count)))
        if deflateOutput.count < bound { deflateOutput = [UInt8](repeating: 0, count: bound) }
        return deflateOutput.withUnsafeMutableBufferPointer { target in
            deflater.pointee.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            deflater.pointee.avail_in = uInt(source.count)
            deflater.pointee.next_out = target.baseAddress
            deflater.pointee.avail_out = uInt(target.count)
            let status = deflate(deflater, Z_FINISH)
            precondition(status == Z_STREAM_END, "deflate did not finish within deflateBound bytes")
            let produced = target.count - Int(deflater.pointee.avail_out)
            return body(UnsafeBufferPointer(rebasing: target[..<produced]))
        }
    }

    /// Whether memory level 1 deflates `source` to the same bytes as Python's level 8. The
    /// level changes two things in zlib's deflate:
    /// - where a block ends: one input of up to `smallTableInputLimit` bytes is one block at
    ///   either level;
    /// - the hash (`hash_bits` = level + 7) that chains each position to the earlier ones
    ///   that start with the same three bytes. Positions with other bytes but the same hash
    ///   join the chain too: the matcher skips them, but they count towards the positions it
    ///   walks. While no chain is longer than `shortestChainWalk`, every walk meets every
    ///   real candidate, in the same order, under either hash, and picks the same match.
    /// Both hashes end in the third byte's low three bits (c0<<6 ^ c1<<3 ^ c2 in 8 bits,
    /// c0<<10 ^ c1<<5 ^ c2 in 15), so a chain only holds positions whose third bytes agree in
    /// those bits: counting positions by them bounds every chain under both hashes.
    static func smallTableWritesTheSameBytes(_ source: UnsafeBufferPointer<UInt8>) -> Bool {
        guard source.count <= smallTableInputLimit else { return false }
        // Eight byte-wide counters in one word: at most 120 positions cannot overflow one, and
        // one register add per byte is several times faster than a counter array in memory.
        var positionsByLowBits: UInt64 = 0
        // Position i hashes bytes i, i + 1 and i + 2: the third bytes are those from 2 on.
        for byte in source.dropFirst(2) { positionsByLowBits &+= 1 &<< (UInt64(byte & 7) &* 8) }
        for lane in 0..<8 where (positionsByLowBits >> UInt64(lane * 8)) & 0xFF > shortestChainWalk { return false }
        return true
    }

    /// Inflates one complete zlib stream, or returns nil if it is corrupt, truncated,
    /// followed by trailing bytes, or would inflate past `limit` bytes (a decompression bomb
    /// stops there instead of filling memory).
    public func decompress(_ input: [UInt8], limit: Int) -> [UInt8]? {
        inflateReset(inflater)
        var output: [UInt8] = []
        return input.withUnsafeBufferPointer { source -> [UInt8]? in
            inflater.pointee.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            inflater.pointee.avail_in = uInt(source.count)
            while true {
                let status = inflateChunk.withUnsafeMutableBufferPointer { buffer -> Int32 in
                    inflater.pointee.next_out = buffer.baseAddress
                    inflater.pointee.avail_out = uInt(buffer.count)
                    return inflate(inflater, Z_NO_FLUSH)
                }
                let produced = inflateChunk.count - Int(inflater.pointee.avail_out)
                guard output.count + produced <= limit else { return nil }
                output.append(contentsOf: inflateChunk[..<produced])
                switch status {
                case Z_STREAM_END:
                    return inflater.pointee.avail_in == 0 ? output : nil
                case Z_OK:
                    // No progress possible: the input ended before the stream did.
                    if produced == 0 && inflater.pointee.avail_in == 0 { return nil }
                default:
                    return nil
                }
            }
        }
    }
}
