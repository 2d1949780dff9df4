import Glibc

extension String {
    /// Lends the string's UTF-8 to a body with a typed error, which `withUTF8` (untyped
    /// `rethrows`) cannot pass through.
    func withUTF8Bytes<Value, Failure: Error>(
        _ body: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Value
    ) throws(Failure) -> Value {
        var text = self
        return try text.withUTF8 { bytes in Result { () throws(Failure) in try body(bytes) } }.get()
    }

    /// Whether the two strings are the same UTF-8 bytes: Python's and JSON's string
    /// equality, where `==` is canonical equivalence (precomposed é equals decomposed).
    /// `utf8.elementsEqual` walks both views a byte at a time and cost a session request
    /// 3,400 instructions in key lookups (callgrind); this costs a few dozen:
    /// - equal bits are the same bytes: the same inline small string, or the same storage;
    /// - strings of different lengths, or not even canonically equal, differ (for short
    ///   ASCII, `==` compares the words);
    /// - what is left (canonically equal, not the same bits) is compared byte by byte.
    package func hasSameUTF8(as other: String) -> Bool {
        if unsafeBitCast(self, to: (UInt64, UInt64).self) == unsafeBitCast(other, to: (UInt64, UInt64).self) {
            return true
        }
        guard utf8.count == other.utf8.count, self == other else { return false }
        var left = self
        var right = other
        return left.withUTF8 { left in
            right.withUTF8 { right in
                left.isEmpty || memcmp(left.baseAddress!, right.baseAddress!, left.count) == 0
            }
        }
    }
}
