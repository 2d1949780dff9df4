internal import CLibevent

/// A one-shot timer on an event loop: `schedule` (re)arms it, `cancel` disarms it, and its
/// action runs on the loop's thread. Create, use and drop it on that thread only.
public final class LoopTimer {
    private var event: OpaquePointer?
    private let action: () -> Void

    public init(on loop: EventLoopHandle, _ action: @escaping () -> Void) {
        self.action = action
        event = event_new(loop.base, -1, 0, loopTimerCallback, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit {
        if let event { event_free(event) }
    }

    /// Runs the action once, `seconds` from now (replacing an earlier schedule).
    public func schedule(afterSeconds seconds: Double) {
        guard let event else { return }
        var delay = timeval(seconds: seconds)
        event_add(event, &delay)
    }

    /// Runs the action in the loop's current pass, after the callbacks already due in it
    /// (at once if the loop is idle): work gathered over a pass is then done once, at its end.
    public func runAtEndOfPass() {
        guard let event else { return }
        event_active(event, EV_TIMEOUT, 0)
    }

    public func cancel() {
        if let event { event_del(event) }
    }

    fileprivate func fire() { action() }
}

private let loopTimerCallback: @convention(c) (Int32, Int16, UnsafeMutableRawPointer?) -> Void = { _, _, context in
    guard let context else { return }
    Unmanaged<LoopTimer>.fromOpaque(context).takeUnretainedValue().fire()
}

extension timeval {
    /// `seconds` (not negative) as seconds and microseconds.
    init(seconds: Double) {
        let whole = max(0, seconds).rounded(.down)
        self.init(tv_sec: Int(whole), tv_usec: Int(((max(0, seconds) - whole) * 1_000_000).rounded()))
    }
}
