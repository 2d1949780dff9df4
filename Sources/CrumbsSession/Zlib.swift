import CZlib

/// zlib streams (RFC 1950), as Python's `zlib.compress`/`zlib.decompress` write and read
/// them; itsdangerous compresses a session payload when that makes it shorter.
public enum Zlib {
    /// `zlib.compress(data)`: default level, so the bytes match Python's exactly.
    public static func compress(_ input: [UInt8]) -> [UInt8] {
        var capacity = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(capacity))
        let status = compress2(&output, &capacity, input, uLong(input.count), Z_DEFAULT_COMPRESSION)
        precondition(status == Z_OK, "compress2 failed with a buffer of compressBound bytes")
        output.removeLast(output.count - Int(capacity))
        return output
    }

    /// Inflates one complete zlib stream, or returns nil if it is corrupt, truncated,
    /// followed by trailing bytes, or would inflate past `limit` bytes (a decompression bomb
    /// stops there instead of filling memory).
    public static func decompress(_ input: [UInt8], limit: Int) -> [UInt8]? {
        var stream = z_stream()
        guard crumbs_inflate_init(&stream) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        return input.withUnsafeBufferPointer { source -> [UInt8]? in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = uInt(source.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { buffer -> Int32 in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                guard output.count + produced <= limit else { return nil }
                output.append(contentsOf: chunk[..<produced])
                switch status {
                case Z_STREAM_END:
                    return stream.avail_in == 0 ? output : nil
                case Z_OK:
                    // No progress possible: the input ended before the stream did.
                    if produced == 0 && stream.avail_in == 0 { return nil }
                default:
                    return nil
                }
            }
        }
    }
}
