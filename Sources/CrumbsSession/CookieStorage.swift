import Glibc

/// The memory of a request's cookies (`RequestCookies`): their bytes back to back, and where
/// each name and value lies, copied on write as an array's buffer is. (Two arrays cost each
/// request ~650 instructions: emptying one keeping its capacity is a `replaceSubrange`, each
/// append a uniqueness check, a capacity check and a call; here a line checks uniqueness
/// once, an append is a comparison and a copy, and emptying is two stores. Callgrind.)
///
/// `@unchecked Sendable`: changed only through a `RequestCookies` that holds the one
/// reference (`RequestCookies.uniqueStorage`), as an array's buffer is.
final class CookieStorage: @unchecked Sendable {
    /// Where one cookie's name and value lie in `bytes`.
    struct Extent: Equatable, Sendable {
        let nameStart: Int
        let nameEnd: Int
        let valueStart: Int
        let valueEnd: Int
    }

    /// Where the cookies lie, for as long as the storage is not changed: plain pointers,
    /// which closures capture without reference counting.
    struct Contents {
        let bytes: UnsafeMutablePointer<UInt8>
        let extents: UnsafeBufferPointer<Extent>

        func name(of extent: Extent) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(start: bytes + extent.nameStart, count: extent.nameEnd - extent.nameStart)
        }

        func value(of extent: Extent) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(start: bytes + extent.valueStart, count: extent.valueEnd - extent.valueStart)
        }
    }

    // No access overlaps another, so none is checked at run time (each check cost ~60
    // instructions).
    @exclusivity(unchecked) private var bytes: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var byteCapacity: Int
    @exclusivity(unchecked) private var byteCount = 0
    @exclusivity(unchecked) private var extents: UnsafeMutablePointer<Extent>
    @exclusivity(unchecked) private var extentCapacity: Int
    @exclusivity(unchecked) private(set) var extentCount = 0

    init(byteCapacity: Int, extentCapacity: Int) {
        self.byteCapacity = Swift.max(byteCapacity, 16)
        self.extentCapacity = Swift.max(extentCapacity, 4)
        bytes = .allocate(capacity: self.byteCapacity)
        extents = .allocate(capacity: self.extentCapacity)
    }

    deinit {
        bytes.deallocate()
        extents.deallocate()
    }

    func copy() -> CookieStorage {
        let copy = CookieStorage(byteCapacity: byteCount, extentCapacity: extentCount)
        copy.bytes.update(from: bytes, count: byteCount)
        copy.byteCount = byteCount
        copy.extents.initialize(from: extents, count: extentCount)
        copy.extentCount = extentCount
        return copy
    }

    func removeAll() {
        byteCount = 0
        extentCount = 0
    }

    var contents: Contents { Contents(bytes: bytes, extents: UnsafeBufferPointer(start: extents, count: extentCount)) }

    /// Adds a pair that starts with the name, `nameCount` bytes, and ends with the value,
    /// from `valueOffset`.
    @inline(__always) func append(pair: UnsafeBufferPointer<UInt8>, nameCount: Int, valueOffset: Int) {
        if pair.count > byteCapacity - byteCount {
            grow(&bytes, capacity: &byteCapacity, count: byteCount, toHold: byteCount + pair.count)
        }
        if extentCount == extentCapacity {
            grow(&extents, capacity: &extentCapacity, count: extentCount, toHold: extentCount + 1)
        }
        let start = byteCount
        // (memcpy: the pair, never empty, lies in the header or a temporary array, never in
        // this memory, which `update` would first check for overlap.)
        memcpy(bytes + start, pair.baseAddress!, pair.count)
        byteCount += pair.count
        (extents + extentCount).initialize(
            to: Extent(nameStart: start, nameEnd: start + nameCount, valueStart: start + valueOffset, valueEnd: byteCount))
        extentCount += 1
    }

    /// Copies a whole header line, whose pairs `appendExtent` then marks where they lie in
    /// it; returns where the copy starts. (Bytes of pairs left out, or between them, stay
    /// unused until `removeAll`.)
    @inline(__always) func appendBytes(_ line: UnsafeBufferPointer<UInt8>) -> Int {
        if line.count > byteCapacity - byteCount {
            grow(&bytes, capacity: &byteCapacity, count: byteCount, toHold: byteCount + line.count)
        }
        let start = byteCount
        // (memcpy: the line lies in the header, never in this memory.)
        memcpy(bytes + start, line.baseAddress!, line.count)
        byteCount += line.count
        return start
    }

    /// Adds a cookie whose name and value lie in bytes already copied (`appendBytes`).
    @inline(__always) func appendExtent(_ extent: Extent) {
        if extentCount == extentCapacity {
            grow(&extents, capacity: &extentCapacity, count: extentCount, toHold: extentCount + 1)
        }
        (extents + extentCount).initialize(to: extent)
        extentCount += 1
    }

    private func grow<Element>(
        _ memory: inout UnsafeMutablePointer<Element>, capacity: inout Int, count: Int, toHold needed: Int
    ) {
        let larger = Swift.max(needed, capacity * 2)
        let moved = UnsafeMutablePointer<Element>.allocate(capacity: larger)
        moved.moveInitialize(from: memory, count: count)
        memory.deallocate()
        memory = moved
        capacity = larger
    }
}
