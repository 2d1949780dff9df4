internal import CLibevent

import Glibc

/// Keeps account of one loop's connections, which evhttp 2.1 does not expose: it bounds how
/// many a loop holds, and drops a connection that has not sent a whole request head within
/// the head deadline (evhttp's own timeout restarts on every byte, so a client trickling
/// one byte a second would otherwise hold a connection for ever).
///
/// It sees each connection through the bufferevent it hands evhttp (`evhttp_set_bevcb`) and
/// holds a reference on it, so its pointer stays valid until the tracker lets go: when
/// evhttp closes the connection (`evhttp_connection_set_closecb`, set at the first request),
/// or, for a connection that never sent a request, at the next check after evhttp dropped
/// it (evhttp clears the bufferevent's callbacks when it lets go).
final class ConnectionTracker {
    private let base: OpaquePointer
    let limit: Int
    let headDeadlineSeconds: Int
    /// The records, each retained once by hand when it is added and released when it is
    /// removed (`release`): a lookup then lends the record without the retain and release
    /// a dictionary of references costs on every request.
    /// (A tracker is one loop's and not re-entered: no runtime exclusivity check.)
    @exclusivity(unchecked) private var connections: [BuffereventKey: Unmanaged<TrackedConnection>] = [:]
    /// Replies evhttp is still writing (one written whole at once is never counted), over
    /// every connection: a graceful stop waits for this to reach 0.
    private(set) var repliesInFlight = 0
    /// Sent, before closing, to a connection beyond the limit.
    private let refusal: [UInt8]

    init(base: OpaquePointer, limit: Int, headDeadlineSeconds: Int) {
        self.base = base
        self.limit = limit
        self.headDeadlineSeconds = headDeadlineSeconds
        let body = "{\n  \"error\": \"Service Unavailable\",\n  \"message\": \"too many connections; try again shortly\",\n  \"status\": 503\n}\n"
        refusal = Array(
            ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
                + "Connection: close\r\nRetry-After: 1\r\n\r\n" + body).utf8)
    }

    /// Records still held go with the tracker, as a dictionary of references would let
    /// them go (a loop's tear-down has released them all already: `releaseAll`).
    deinit {
        for reference in connections.values { reference.release() }
    }

    /// evhttp's bufferevent callback: a new connection is being accepted.
    func newBufferevent() -> OpaquePointer? {
        guard let bufferevent = bufferevent_socket_new(base, -1, Int32(BEV_OPT_CLOSE_ON_FREE.rawValue)) else {
            return nil
        }
        bufferevent_incref(bufferevent)
        let connection = TrackedConnection(tracker: self, bufferevent: bufferevent, acceptedAt: monotonicSeconds())
        connection.refused = connections.count >= limit
        connections[BuffereventKey(bufferevent)] = Unmanaged.passRetained(connection)
        let context = Unmanaged.passUnretained(connection).toOpaque()
        connection.timer = event_new(base, -1, 0, connectionTimerCallback, context)
        // A refused connection is answered as soon as evhttp has given it its socket.
        schedule(connection, afterSeconds: connection.refused ? 0 : 1)
        return bufferevent
    }

    /// The connection carrying a request has sent a whole head: the deadline no longer
    /// applies, and evhttp will say when it closes. Returns the connection's record, not
    /// retained (a retain and a release a request): the tracker holds it until evhttp closes
    /// the connection, which evhttp does only from the loop, never while `serve` runs. (A
    /// request the handler holds looks its connection up again when it is answered: the
    /// client may have left by then.)
    func sawRequest(on evhttpConnection: OpaquePointer) -> Unmanaged<TrackedConnection>? {
        guard let bufferevent = evhttp_connection_get_bufferevent(evhttpConnection),
            let reference = connections[BuffereventKey(bufferevent)]
        else { return nil }
        reference._withUnsafeGuaranteedRef { connection in
            if !connection.hadRequest {
                connection.hadRequest = true
                if let timer = connection.timer { event_del(timer) }
                evhttp_connection_set_closecb(evhttpConnection, connectionClosedCallback, reference.toOpaque())
            }
        }
        return reference
    }

    /// The record of an evhttp connection, if it is still open.
    func connection(for evhttpConnection: OpaquePointer) -> TrackedConnection? {
        evhttp_connection_get_bufferevent(evhttpConnection).flatMap { connections[BuffereventKey($0)]?.takeUnretainedValue() }
    }

    /// A reply on `connection` was not written whole at once: evhttp is still writing it.
    func replyStarted(on connection: TrackedConnection) {
        connection.repliesInFlight += 1
        repliesInFlight += 1
    }

    /// evhttp wrote the last byte of a reply on `connection`.
    func replyFinished(on connection: TrackedConnection) {
        guard connection.repliesInFlight > 0 else { return }
        connection.repliesInFlight -= 1
        repliesInFlight -= 1
    }

    fileprivate func timerFired(_ connection: TrackedConnection) {
        if evhttpReleased(connection) {
            release(connection)
            return
        }
        let socket = bufferevent_getfd(connection.bufferevent)
        if connection.refused {
            if socket >= 0 {
                _ = refusal.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
                shutdown(socket, Int32(SHUT_RDWR))
            }
        } else if !connection.hadRequest, monotonicSeconds() - connection.acceptedAt >= Int64(headDeadlineSeconds), socket >= 0 {
            // evhttp sees the end of the stream and closes the connection itself.
            shutdown(socket, Int32(SHUT_RDWR))
        }
        schedule(connection, afterSeconds: 1)
    }

    /// The caller holds `connection` for the call: the tracker's own reference goes last.
    fileprivate func release(_ connection: TrackedConnection) {
        guard let reference = connections.removeValue(forKey: BuffereventKey(connection.bufferevent)) else { return }
        defer { reference.release() }
        // A reply cut short by the connection's end is settled with it: evhttp never
        // reports its completion.
        repliesInFlight -= connection.repliesInFlight
        connection.repliesInFlight = 0
        if let timer = connection.timer { event_free(timer) }
        connection.timer = nil
        bufferevent_decref(connection.bufferevent)
    }

    /// Lets go of every connection; evhttp must already have freed its own.
    func releaseAll() {
        for reference in Array(connections.values) { release(reference.takeUnretainedValue()) }
    }

    private func schedule(_ connection: TrackedConnection, afterSeconds seconds: Int) {
        guard let timer = connection.timer else { return }
        var delay = timeval(tv_sec: seconds, tv_usec: 0)
        event_add(timer, &delay)
    }

    /// evhttp sets its callbacks on the bufferevent it uses and clears them when it frees it.
    private func evhttpReleased(_ connection: TrackedConnection) -> Bool {
        var readCallback: bufferevent_data_cb? = nil
        bufferevent_getcb(connection.bufferevent, &readCallback, nil, nil, nil)
        return readCallback == nil
    }
}

private let connectionTimerCallback: @convention(c) (Int32, Int16, UnsafeMutableRawPointer?) -> Void = { _, _, context in
    guard let context else { return }
    let connection = Unmanaged<TrackedConnection>.fromOpaque(context).takeUnretainedValue()
    connection.withTracker { $0.timerFired(connection) }
}

private let connectionClosedCallback: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Void = { _, context in
    guard let context else { return }
    let connection = Unmanaged<TrackedConnection>.fromOpaque(context).takeUnretainedValue()
    // evhttp still holds its own reference and frees the bufferevent right after this.
    connection.withTracker { $0.release(connection) }
}
