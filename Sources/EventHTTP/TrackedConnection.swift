internal import CLibevent

/// One accepted connection as `ConnectionTracker` sees it: the bufferevent it handed evhttp
/// (on which it holds a reference), its head-deadline timer, and the replies evhttp is
/// still writing on it.
final class TrackedConnection {
    /// Not counted: the tracker owns every record and outlives them (a reference would cost
    /// a retain and a release each time a reply finishes). Use through `withTracker`.
    private let trackerReference: Unmanaged<ConnectionTracker>
    let bufferevent: OpaquePointer
    var timer: OpaquePointer?
    var hadRequest = false
    var refused = false
    let acceptedAt: Int64
    /// Replies on this connection evhttp is still writing (`ConnectionTracker.replyStarted`). When
    /// the connection ends first (a reset, a timeout), evhttp frees them without a word, and
    /// the tracker settles them with the connection.
    var repliesInFlight = 0

    init(tracker: ConnectionTracker, bufferevent: OpaquePointer, acceptedAt: Int64) {
        trackerReference = Unmanaged.passUnretained(tracker)
        self.bufferevent = bufferevent
        self.acceptedAt = acceptedAt
    }

    /// Lends the tracker this connection belongs to.
    func withTracker<Result>(_ body: (ConnectionTracker) -> Result) -> Result {
        trackerReference._withUnsafeGuaranteedRef(body)
    }
}
