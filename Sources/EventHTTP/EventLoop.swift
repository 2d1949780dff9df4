import CLibevent

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One `event_base` with its `evhttp`, run by one thread. Other threads never touch the
/// base: they write a `Command` to the loop's wake-up pipe, and the loop acts on it itself.
/// So libevent needs no locks (no `evthread_use_pthreads`), and a loop alone in its process
/// runs with glibc's single-thread fast paths.
///
/// `@unchecked Sendable`: it is handed to its thread once through `pthread_create`, and
/// after that other threads only call `send(_:)`, which is one `write` to a pipe.
final class EventLoop: @unchecked Sendable {
    /// What another thread may ask of the loop, one byte each.
    enum Command: UInt8 {
        /// Finish the callbacks running and exit at once.
        case exit = 1
        /// Stop accepting, let replies under way finish (up to the grace period), exit.
        case drain = 2
    }

    let base: OpaquePointer
    private let http: OpaquePointer
    /// Reused for every reply body; `evhttp_send_reply` drains it.
    private let replyBuffer: OpaquePointer
    /// Reused for every reply: the handler writes into it, keeping its arrays' storage.
    private var response = HTTPResponse(status: 200)
    private let makeHandler: @Sendable () -> any HTTPHandler
    private var handler: (any HTTPHandler)?
    private var signalEvents: [OpaquePointer] = []
    private var thread: pthread_t?
    private var boundSocket: OpaquePointer?
    private let tracker: ConnectionTracker
    private let shutdownGraceSeconds: Int
    /// Replies handed to evhttp whose last byte has not been written yet.
    private var repliesInFlight = 0
    private var draining = false
    private var drainDeadline: Int64 = 0
    private var drainTimer: OpaquePointer?
    private let wakeReader: Int32
    private let wakeWriter: Int32
    private var wakeEvent: OpaquePointer?

    init(socket: Int32, configuration: HTTPServerConfiguration, makeHandler: @escaping @Sendable () -> any HTTPHandler)
        throws(HTTPServerError)
    {
        guard let base = Self.makeBase() else { throw HTTPServerError("event_base_new_with_config failed") }
        guard let http = evhttp_new(base), let replyBuffer = evbuffer_new() else {
            event_base_free(base)
            throw HTTPServerError("evhttp_new failed")
        }
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else {
            let error = errno
            evbuffer_free(replyBuffer)
            evhttp_free(http)
            event_base_free(base)
            throw HTTPServerError("pipe", errno: error)
        }
        // A full pipe already holds a command the loop has yet to read: writers never wait.
        for end in pipeEnds {
            _ = crumbs_set_nonblocking(end)
            _ = evutil_make_socket_closeonexec(end)
        }
        wakeReader = pipeEnds[0]
        wakeWriter = pipeEnds[1]
        self.base = base
        self.http = http
        self.replyBuffer = replyBuffer
        self.makeHandler = makeHandler
        self.shutdownGraceSeconds = configuration.shutdownGraceSeconds
        self.tracker = ConnectionTracker(
            base: base, limit: max(1, configuration.maxConnections / configuration.threads),
            headDeadlineSeconds: configuration.headTimeoutSeconds)

        // Debian's libevent has no size limits and a 50 s timeout unless told otherwise.
        evhttp_set_max_headers_size(http, configuration.maxHeaderBytes)
        evhttp_set_max_body_size(http, configuration.maxBodyBytes)
        evhttp_set_timeout(http, Int32(configuration.timeoutSeconds))
        // CONNECT is left out: evhttp frames no body for it, so an error reply could not be
        // read by the client. evhttp answers it 501 itself.
        let methods =
            EVHTTP_REQ_GET.rawValue | EVHTTP_REQ_HEAD.rawValue | EVHTTP_REQ_POST.rawValue | EVHTTP_REQ_PUT.rawValue
            | EVHTTP_REQ_DELETE.rawValue | EVHTTP_REQ_OPTIONS.rawValue | EVHTTP_REQ_PATCH.rawValue
            | EVHTTP_REQ_TRACE.rawValue
        evhttp_set_allowed_methods(http, UInt16(methods))
        evhttp_set_default_content_type(http, "application/json")
        evhttp_set_gencb(http, requestCallback, Unmanaged.passUnretained(self).toOpaque())
        evhttp_set_bevcb(http, newConnectionCallback, Unmanaged.passUnretained(self).toOpaque())
        wakeEvent = event_new(
            base, wakeReader, Int16(EV_READ | EV_PERSIST), wakeCallback, Unmanaged.passUnretained(self).toOpaque())
        if let wakeEvent { event_add(wakeEvent, nil) }
        // evhttp owns the socket from here and closes it in evhttp_free.
        guard wakeEvent != nil, let boundSocket = evhttp_accept_socket_with_handle(http, socket) else {
            if let wakeEvent { event_free(wakeEvent) }
            close(wakeReader)
            close(wakeWriter)
            evbuffer_free(replyBuffer)
            evhttp_free(http)
            event_base_free(base)
            throw HTTPServerError("evhttp_accept_socket_with_handle failed")
        }
        self.boundSocket = boundSocket
    }

    /// evhttp turns reading off and writing on for every reply, then the reverse: four
    /// `epoll_ctl` calls. A changelist folds each pair into one call made just before
    /// `epoll_wait`. It is unsafe only for descriptors shared through `dup`, and every
    /// loop listens on its own socket.
    private static func makeBase() -> OpaquePointer? {
        guard let config = event_config_new() else { return nil }
        defer { event_config_free(config) }
        event_config_set_flag(config, Int32(EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST.rawValue))
        return event_base_new_with_config(config)
    }

    func watchSignal(
        _ signal: Int32, callback: @escaping @convention(c) (Int32, Int16, UnsafeMutableRawPointer?) -> Void,
        context: UnsafeMutableRawPointer
    ) throws(HTTPServerError) {
        guard let event = event_new(base, signal, Int16(EV_SIGNAL | EV_PERSIST), callback, context) else {
            throw HTTPServerError("cannot watch signal \(signal)")
        }
        guard event_add(event, nil) == 0 else {
            event_free(event)
            throw HTTPServerError("cannot watch signal \(signal)")
        }
        signalEvents.append(event)
    }

    func startThread() throws(HTTPServerError) {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let status = pthread_create(&thread, nil, { context in
            let loop = Unmanaged<EventLoop>.fromOpaque(context!).takeRetainedValue()
            loop.run()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<EventLoop>.fromOpaque(context).release()
            throw HTTPServerError("pthread_create", errno: status)
        }
        self.thread = thread
    }

    deinit {
        close(wakeReader)
        close(wakeWriter)
    }

    /// The loop's whole life, on the calling thread: create the handler, serve until asked to
    /// exit, tear down.
    func run() {
        handler = makeHandler()
        event_base_dispatch(base)
        for event in signalEvents { event_free(event) }
        signalEvents.removeAll()
        if let drainTimer { event_free(drainTimer) }
        if let wakeEvent { event_free(wakeEvent) }
        wakeEvent = nil
        evhttp_free(http)
        tracker.releaseAll()
        evbuffer_free(replyBuffer)
        handler = nil
        event_base_free(base)
    }

    /// Safe from any thread, and before the loop has started: the command waits in the pipe.
    func send(_ command: Command) {
        var byte = command.rawValue
        _ = write(wakeWriter, &byte, 1)
    }

    fileprivate func wokenUp() {
        var commands: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64)
        while case let count = read(wakeReader, &chunk, chunk.count), count > 0 { commands += chunk.prefix(count) }
        // `loopexit`, not `loopbreak`: requests already read in this pass are still answered.
        if commands.contains(Command.exit.rawValue) {
            event_base_loopexit(base, nil)
        } else if commands.contains(Command.drain.rawValue) {
            beginDrain()
        }
    }

    private func beginDrain() {
        guard !draining else { return }
        draining = true
        if let boundSocket { evhttp_del_accept_socket(http, boundSocket) }
        boundSocket = nil
        drainDeadline = monotonicSeconds() + Int64(shutdownGraceSeconds)
        drainTimer = event_new(base, -1, Int16(EV_PERSIST), drainCheckCallback, Unmanaged.passUnretained(self).toOpaque())
        var interval = timeval(tv_sec: 0, tv_usec: 20_000)
        if let drainTimer { event_add(drainTimer, &interval) }
        checkDrained()
    }

    fileprivate func checkDrained() {
        if repliesInFlight == 0 || monotonicSeconds() >= drainDeadline { event_base_loopexit(base, nil) }
    }

    fileprivate func replyCompleted() {
        repliesInFlight -= 1
    }

    fileprivate func newConnection() -> OpaquePointer? {
        tracker.newBufferevent()
    }

    func join() {
        guard let thread else { return }
        pthread_join(thread, nil)
        self.thread = nil
    }

    /// Every request gets exactly one reply, sent here.
    fileprivate func serve(_ request: OpaquePointer) {
        guard let handler else { return }
        if let connection = evhttp_request_get_connection(request) { tracker.sawRequest(on: connection) }
        // The reused response, moved out for the request: one access to the property
        // instead of one per use, and its arrays stay uniquely referenced.
        var response = HTTPResponse(status: 200)
        swap(&response, &self.response)
        defer { swap(&response, &self.response) }
        response.reset()
        handler.respond(to: HTTPRequest(request), into: &response)
        let headers = evhttp_request_get_output_headers(request)
        if draining { evhttp_add_header(headers, "Connection", "close") }
        // evhttp refuses values with CR or LF, so a header can never be split in two.
        response.forEachHeader { name, value in _ = evhttp_add_header(headers, name, value) }
        if response.status != 204 && response.status != 304 {
            withDecimalCString(response.body.count) { length in _ = evhttp_add_header(headers, "Content-Length", length) }
        }
        response.body.withUnsafeBytes { body in
            _ = evbuffer_add(replyBuffer, body.baseAddress, body.count)
        }
        repliesInFlight += 1
        evhttp_request_set_on_complete_cb(request, replyCompleteCallback, Unmanaged.passUnretained(self).toOpaque())
        HTTPResponse.reasonPhrase(for: response.status).withCString { reason in
            evhttp_send_reply(request, Int32(response.status), reason, replyBuffer)
        }
        let left = evbuffer_get_length(replyBuffer)
        if left > 0 { evbuffer_drain(replyBuffer, left) }
    }
}

/// Passes the decimal digits of `number` (not negative) to C, written on the stack.
private func withDecimalCString(_ number: Int, _ body: (UnsafePointer<CChar>) -> Void) {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 21) { buffer in
        var start = 20
        buffer[start] = 0
        var rest = number
        repeat {
            start -= 1
            buffer[start] = CChar(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        body(buffer.baseAddress! + start)
    }
}

private let requestCallback: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Void = { request, context in
    guard let request, let context else { return }
    Unmanaged<EventLoop>.fromOpaque(context).takeUnretainedValue().serve(request)
}

private let replyCompleteCallback: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Void = { _, context in
    guard let context else { return }
    Unmanaged<EventLoop>.fromOpaque(context).takeUnretainedValue().replyCompleted()
}

private let newConnectionCallback: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> OpaquePointer? = {
    _, context in
    guard let context else { return nil }
    return Unmanaged<EventLoop>.fromOpaque(context).takeUnretainedValue().newConnection()
}

private let wakeCallback: @convention(c) (Int32, Int16, UnsafeMutableRawPointer?) -> Void = { _, _, context in
    guard let context else { return }
    Unmanaged<EventLoop>.fromOpaque(context).takeUnretainedValue().wokenUp()
}

private let drainCheckCallback: @convention(c) (Int32, Int16, UnsafeMutableRawPointer?) -> Void = { _, _, context in
    guard let context else { return }
    Unmanaged<EventLoop>.fromOpaque(context).takeUnretainedValue().checkDrained()
}

func monotonicSeconds() -> Int64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Int64(time.tv_sec)
}
