/// One event loop, as the code it runs may know it: what a handler needs to attach other
/// event sources (a Redis connection, a timer) to the loop it answers on. It is only valid
/// on that loop's thread, for as long as the loop's handler lives.
public struct EventLoopHandle: @unchecked Sendable {
    /// The loop's `event_base`, for the package's other C adapters (hiredis' libevent one).
    /// `package`: the layers above never see it.
    package let base: OpaquePointer

    init(base: OpaquePointer) {
        self.base = base
    }
}
