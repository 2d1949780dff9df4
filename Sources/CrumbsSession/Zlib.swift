import CZlib

/// zlib streams (RFC 1950), as Python's `zlib.compress`/`zlib.decompress` write and read
/// them; itsdangerous compresses a session payload when that makes it shorter.
///
/// Each instance keeps one deflate and one inflate state and resets them per message:
/// setting a state up allocates and clears about 300 KB, which would otherwise dominate
/// the cost of signing a cookie. Not thread-safe: keep one per event loop.
public final class Zlib {
    private let deflater: UnsafeMutablePointer<z_stream>
    private let inflater: UnsafeMutablePointer<z_stream>
    private var inflateChunk = [UInt8](repeating: 0, count: 16 * 1024)
    private var deflateOutput = [UInt8](repeating: 0, count: 1024)

    public init() {
        // z_stream must not move once initialised (zlib keeps a pointer back to it), so it
        // lives in its own allocation rather than in a Swift stored property.
        deflater = .allocate(capacity: 1)
        deflater.initialize(to: z_stream())
        inflater = .allocate(capacity: 1)
        inflater.initialize(to: z_stream())
        let deflateReady = crumbs_deflate_init(deflater, Z_DEFAULT_COMPRESSION) == Z_OK
        let inflateReady = crumbs_inflate_init(inflater) == Z_OK
        precondition(deflateReady && inflateReady, "zlib could not allocate its state")
    }

    deinit {
        deflateEnd(deflater)
        inflateEnd(inflater)
        deflater.deallocate()
        inflater.deallocate()
    }

    /// `zlib.compress(data)`: default level and window, so the bytes match Python's.
    public func compress(_ input: [UInt8]) -> [UInt8] {
        compress(input) { Array($0) }
    }

    /// Compresses into a buffer kept between calls and lends the result to `body`.
    public func compress<Result>(_ input: [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        input.withUnsafeBufferPointer { compress($0, body) }
    }

    public func compress<Result>(_ source: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
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
