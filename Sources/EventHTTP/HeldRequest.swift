/// A request a handler keeps to answer later, from the same loop, once what it waits on
/// (Redis) has answered. It is answered exactly once: by `reply`, or by the loop itself
/// with the handler's deadline answer when the deadline passes first, when evhttp reports
/// the connection broken, or when the loop shuts down. Whatever comes second is dropped.
///
/// Only the loop's thread may use it. The request's own data (headers, body) cannot be read
/// through it: copy what the answer needs before `HTTPRequest.hold` returns.
public final class HeldRequest {
    weak var loop: EventLoop?
    /// evhttp's request while unanswered; nil once answered.
    var request: OpaquePointer?
    var deadlineTimer: OpaquePointer?
    let onDeadline: (inout HTTPResponse) -> Void
    /// When the deadline answer is due, on the wall clock (`WallClock`): for another machine
    /// that must not act on the request after it has been answered.
    public let wallClockDeadlineMilliseconds: Int64

    init(
        loop: EventLoop, request: OpaquePointer, deadlineSeconds: Double,
        onDeadline: @escaping (inout HTTPResponse) -> Void
    ) {
        self.loop = loop
        self.request = request
        self.onDeadline = onDeadline
        wallClockDeadlineMilliseconds = WallClock.milliseconds() + Int64((deadlineSeconds * 1000).rounded(.down))
    }

    /// Whether the request has had its answer, from `reply` or from the loop.
    public var isAnswered: Bool { request == nil }

    /// Answers the request with what `write` puts in a fresh 200 response; does nothing if
    /// it was answered already.
    public func reply(_ write: (inout HTTPResponse) -> Void) {
        guard request != nil, let loop else { return }
        loop.answer(self, write)
    }
}
