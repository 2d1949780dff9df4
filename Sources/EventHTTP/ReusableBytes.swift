import Glibc

/// Bytes that a loop's reused response writes reply after reply: an array kept at the size it
/// has grown to, and a count of the bytes in use. Emptying it is one store and an append is a
/// capacity test and a memcpy, where `Array.removeAll(keepingCapacity:)` costs ~80
/// instructions and `Array.append(contentsOf:)` ~70 (callgrind; a lesson reply empties two
/// and appends four). A value: copies share the array until one of them writes.
package struct ReusableBytes: Sendable {
    /// `count` bytes in use, then room already allocated (and zeroed) for the next ones.
    private var storage: [UInt8]
    package private(set) var count: Int

    package init() {
        storage = []
        count = 0
    }

    package init(_ bytes: [UInt8]) {
        storage = bytes
        count = bytes.count
    }

    /// The bytes in use as an array (the storage itself when it holds nothing more).
    package var bytes: [UInt8] { count == storage.count ? storage : Array(storage[..<count]) }

    /// The bytes it can hold without growing.
    package var capacity: Int { storage.count }

    /// Empty, the storage kept for the next bytes.
    package mutating func removeAll() { count = 0 }

    /// Empty, the storage let go.
    package mutating func releaseStorage() {
        storage = []
        count = 0
    }

    package mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        let end = count + bytes.count
        if end > storage.count { grow(toHold: end) }
        // (memcpy: `bytes` cannot lie in this storage, which is unique once borrowed mutably.)
        storage.withUnsafeMutableBufferPointer { _ = memcpy($0.baseAddress! + count, source, bytes.count) }
        count = end
    }

    /// Appends `count` bytes that `body` writes in place.
    package mutating func append(count: Int, writingWith body: (UnsafeMutableBufferPointer<UInt8>) -> Void) {
        append(upTo: count) { room in
            body(room)
            return room.count
        }
    }

    /// Lends `body` room for up to `capacity` more bytes, in place; `body` returns how many
    /// it wrote there, which are kept.
    package mutating func append(upTo capacity: Int, writingWith body: (UnsafeMutableBufferPointer<UInt8>) -> Int) {
        let end = count + capacity
        if end > storage.count { grow(toHold: end) }
        let written = storage.withUnsafeMutableBufferPointer { body(UnsafeMutableBufferPointer(rebasing: $0[count..<end])) }
        precondition(written >= 0 && written <= capacity, "wrote outside the room lent")
        count += written
    }

    package func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        storage.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
    }

    /// At least doubles, so that many small appends stay linear.
    private mutating func grow(toHold needed: Int) {
        let size = Swift.max(needed, storage.count * 2, 64)
        storage.append(contentsOf: repeatElement(0, count: size - storage.count))
    }
}
