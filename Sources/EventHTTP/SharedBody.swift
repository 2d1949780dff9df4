/// Bytes made once and sent by reference with every reply that carries them (the page, 7.6
/// KB): evbuffer holds a reference to them, where a copy would cost each reply an 8 KB
/// allocation too large for malloc's per-thread cache (callgrind: 48.1k -> 45.1k
/// instructions a page request).
///
/// Immutable once made; each reply retains it until evbuffer lets its reference go, so it
/// can never be freed under a reply still being written. Safe to share between loops.
public final class SharedBody: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer

    public init(_ bytes: [UInt8]) {
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { copy.copyMemory(from: $0) }
        self.bytes = UnsafeRawBufferPointer(rebasing: copy[..<bytes.count])
    }

    public var count: Int { bytes.count }

    deinit { UnsafeMutableRawBufferPointer(mutating: bytes).deallocate() }
}
