/// Where JSON and cookie bytes are written: a growable array, or memory of a fixed size.
@usableFromInline package protocol ByteSink {
    mutating func append(_ byte: UInt8)
    mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>)
    /// Appends `count` bytes that `body` writes, in place where the sink can lend its memory.
    mutating func append(count: Int, writingWith body: (UnsafeMutableBufferPointer<UInt8>) -> Void)
}

extension [UInt8]: ByteSink {}

extension ByteSink {
    /// Written on the stack, then appended in one piece.
    @inlinable package mutating func append(count: Int, writingWith body: (UnsafeMutableBufferPointer<UInt8>) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(count, 1)) { buffer in
            body(UnsafeMutableBufferPointer(rebasing: buffer[..<count]))
            append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// Appends the UTF-8 of a string literal, read where the compiler put it: no
    /// initialisation check and no reference counting, unlike a constant array. Always
    /// inlined, so that the literal's address and length are constants of the copy (a call
    /// per piece cost a lesson body ~270 instructions, callgrind).
    @inlinable @inline(__always) package mutating func append(utf8 text: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
