extension Unmanaged {
    /// Lends the instance to `body` without a reference of its own, as
    /// `_withUnsafeGuaranteedRef` does, keeping `body`'s error type (the standard library's
    /// rethrows `any Error`). For references the caller knows outlive the call, where Swift
    /// would retain and release them around it: one the handler owns, used inside closures.
    @inline(__always)
    func withBorrowed<Result, Failure: Error>(_ body: (Instance) throws(Failure) -> Result) throws(Failure) -> Result {
        let outcome: Swift.Result<Result, Failure> = _withUnsafeGuaranteedRef { instance in
            Swift.Result { () throws(Failure) -> Result in try body(instance) }
        }
        return try outcome.get()
    }
}
