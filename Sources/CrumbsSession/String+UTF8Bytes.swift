extension String {
    /// Lends the string's UTF-8 to a body with a typed error, which `withUTF8` (untyped
    /// `rethrows`) cannot pass through.
    func withUTF8Bytes<Value, Failure: Error>(
        _ body: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Value
    ) throws(Failure) -> Value {
        var text = self
        return try text.withUTF8 { bytes in Result { () throws(Failure) in try body(bytes) } }.get()
    }
}
