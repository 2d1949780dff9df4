import Glibc

/// Bytes written into memory the caller provides (the stack, or room a response's body
/// buffer lends), for output that is small and written in many pieces: each piece is a
/// bounds check and a copy, where an array append costs some ninety instructions. Output
/// that does not fit sets `overflowed`, and the caller writes it again into more memory.
@usableFromInline package struct FixedByteBuffer: ByteSink {
    @usableFromInline let memory: UnsafeMutableBufferPointer<UInt8>
    /// (Settable in the package only so that the appends can be inlined into callers.)
    @usableFromInline package internal(set) var count = 0
    @usableFromInline package internal(set) var overflowed = false

    /// The most worth taking from the stack: above 1 KiB, Swift asks the runtime whether the
    /// stack has room, which costs more than the array it would save.
    /// (A computed constant: a stored one is reached through its lazy initialiser's check.)
    @inlinable package static var stackCapacity: Int { 1024 }

    @inlinable package init(_ memory: UnsafeMutableBufferPointer<UInt8>) {
        self.memory = memory
    }

    @inlinable package var written: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: memory[..<count]) }

    // Always inlined: a call costs more than the bounds check and copy it makes.
    @inlinable @inline(__always) package mutating func append(_ byte: UInt8) {
        guard count < memory.count else { return overflowed = true }
        memory[count] = byte
        count += 1
    }

    /// `bytes` must not lie in this buffer's memory.
    @inlinable @inline(__always) package mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count <= memory.count - count else { return overflowed = true }
        // memcpy, not `update(from:)`, which is memmove: a literal's copy, of a length known
        // here, is then a few moves inline rather than a call that first tests for overlap
        // (callgrind: 220 fewer instructions a lesson reply).
        if let source = bytes.baseAddress { memcpy(memory.baseAddress! + count, source, bytes.count) }
        count += bytes.count
    }

    /// Lends `body` the next `count` bytes of its memory to write, without copying them.
    @inlinable @inline(__always) package mutating func append(
        count: Int, writingWith body: (UnsafeMutableBufferPointer<UInt8>) -> Void
    ) {
        guard count <= memory.count - self.count else { return overflowed = true }
        body(UnsafeMutableBufferPointer(rebasing: memory[self.count..<(self.count + count)]))
        self.count += count
    }

    /// Lends `consume` the bytes `write` writes: written on the stack when they fit in
    /// `stackCapacity` (nearly always), else in heap memory made larger until they fit.
    /// `write` may run more than once and must write the same bytes each time it completes.
    @inlinable package static func withWritten<Result, Failure: Error>(
        by write: (inout FixedByteBuffer) throws(Failure) -> Void, _ consume: (UnsafeBufferPointer<UInt8>) -> Result
    ) throws(Failure) -> Result {
        let onStack = try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: stackCapacity) {
            (memory) throws(Failure) -> Result? in
            var buffer = FixedByteBuffer(memory)
            try write(&buffer)
            return buffer.overflowed ? nil : consume(buffer.written)
        }
        if let onStack { return onStack }
        var capacity = stackCapacity
        while true {
            capacity *= 4
            let memory = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: capacity)
            defer { memory.deallocate() }
            var buffer = FixedByteBuffer(memory)
            try write(&buffer)
            if !buffer.overflowed { return consume(buffer.written) }
        }
    }
}
