/// Where JSON and cookie bytes are written: a growable array, or memory of a fixed size.
@usableFromInline package protocol ByteSink {
    mutating func append(_ byte: UInt8)
    mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>)
}

extension [UInt8]: ByteSink {}

extension ByteSink {
    /// Appends the UTF-8 of a string literal, read where the compiler put it: no
    /// initialisation check and no reference counting, unlike a constant array.
    @inlinable package mutating func append(utf8 text: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
