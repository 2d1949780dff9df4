/// Where a cookie value is written while it is signed: the signature covers the bytes
/// written from a given point on.
protocol SignedOutput: ByteSink {
    var count: Int { get }
    func withBytes<Result>(from start: Int, _ body: (UnsafeRawBufferPointer) -> Result) -> Result
}

extension [UInt8]: SignedOutput {
    func withBytes<Result>(from start: Int, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start...])) }
    }
}

extension FixedByteBuffer: SignedOutput {
    func withBytes<Result>(from start: Int, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        body(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(written)[start...]))
    }
}
