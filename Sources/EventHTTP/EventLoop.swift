internal import CLibevent

import Glibc

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

    /// The steps of set-up that acquire something, in order. A test names one to make it
    /// fail, and checks that everything acquired before it is given back.
    enum SetupStep: CaseIterable {
        case base, http, wakePipe, wakeEvent, signals, acceptSocket
    }

    // What the loop owns. Each is nil (or -1) until acquired and again once given back:
    // `releaseResources()`, the one tear-down path, frees each exactly once, whether set-up
    // failed half-way (Swift runs `deinit` when a class's `init` throws), the loop ran and
    // exited, or it was built and never run.
    private var base: OpaquePointer?
    private var http: OpaquePointer?
    private var wakeEvent: OpaquePointer?
    private var signalEvents: [OpaquePointer] = []
    private var drainTimer: OpaquePointer?
    /// The listening socket, until evhttp takes it over (and closes it in `evhttp_free`).
    private var unclaimedSocket: Int32 = -1
    private var boundSocket: OpaquePointer?
    private var tracker: ConnectionTracker?
    /// The wake-up pipe outlives the rest: other threads may write to it until the server
    /// that holds this loop is gone, so only `deinit` closes it.
    private var wakeReader: Int32 = -1
    private var wakeWriter: Int32 = -1

    // The loop's object is used on its own thread only and never re-entered while a request
    // is being served, so the runtime's exclusivity check on these per-request properties
    // (some 60 instructions an access) guards nothing the compiler's static check does not.

    /// Reused for every reply: the handler writes into it, keeping its arrays' storage.
    @exclusivity(unchecked) private var response = HTTPResponse(status: 200)
    @exclusivity(unchecked) private var date = DateHeader()
    private let makeHandler: @Sendable (EventLoopHandle) -> any HTTPHandler
    private var handler: HandlerSlot?
    private let onSignal: ((Int32) -> Void)?
    private var thread: pthread_t?
    private let shutdownGraceSeconds: Int
    private var draining = false
    /// Requests a handler holds, by evhttp's pointer: the loop answers them itself at their
    /// deadline, on a broken connection, or at shutdown, so none is left without an answer.
    /// (Read on every request; never touched while another access to it is under way.)
    @exclusivity(unchecked) private var heldRequests: [OpaquePointer: HeldRequest] = [:]
    /// The request `serve` is handing to the handler, and whether the handler held it.
    private var requestBeingServed: OpaquePointer?
    private var servedRequestWasHeld = false
    private var drainDeadline: Int64 = 0

    /// Takes ownership of `socket` (a listening one): evhttp closes it when the loop ends,
    /// and so does a failed set-up. `signals` are watched on this loop, each calling
    /// `onSignal` on its thread.
    init(
        socket: Int32, configuration: HTTPServerConfiguration, signals: [Int32] = [],
        onSignal: ((Int32) -> Void)? = nil, makeHandler: @escaping @Sendable (EventLoopHandle) -> any HTTPHandler,
        failingAt failure: SetupStep? = nil
    ) throws(HTTPServerError) {
        unclaimedSocket = socket
        self.makeHandler = makeHandler
        self.onSignal = onSignal
        self.shutdownGraceSeconds = configuration.shutdownGraceSeconds
        let context = Unmanaged.passUnretained(self).toOpaque()

        guard failure != .base, let base = Self.makeBase() else {
            throw HTTPServerError("event_base_new_with_config failed")
        }
        self.base = base
        guard failure != .http, let http = evhttp_new(base) else { throw HTTPServerError("evhttp_new failed") }
        self.http = http
        // Before any request: evhttp's failure path may answer a held request (`answerIfHeld`).
        EvhttpRefusals.setHook()
        var pipeEnds: [Int32] = [-1, -1]
        guard failure != .wakePipe, pipe(&pipeEnds) == 0 else {
            throw HTTPServerError("pipe", errno: failure == .wakePipe ? EMFILE : errno)
        }
        (wakeReader, wakeWriter) = (pipeEnds[0], pipeEnds[1])
        // A full pipe already holds a command the loop has yet to read: writers never wait.
        for end in pipeEnds {
            _ = crumbs_set_nonblocking(end)
            _ = evutil_make_socket_closeonexec(end)
        }
        guard failure != .wakeEvent,
            let wakeEvent = event_new(base, wakeReader, Int16(EV_READ | EV_PERSIST), wakeCallback, context)
        else { throw HTTPServerError("event_new failed for the wake-up pipe") }
        self.wakeEvent = wakeEvent
        guard event_add(wakeEvent, nil) == 0 else { throw HTTPServerError("event_add failed for the wake-up pipe") }
        for signal in signals {
            guard failure != .signals,
                let event = event_new(base, signal, Int16(EV_SIGNAL | EV_PERSIST), signalCallback, context)
            else { throw HTTPServerError("cannot watch signal \(signal)") }
            signalEvents.append(event)
            guard event_add(event, nil) == 0 else { throw HTTPServerError("cannot watch signal \(signal)") }
        }

        tracker = ConnectionTracker(
            base: base, limit: max(1, configuration.maxConnections / configuration.threads),
            headDeadlineSeconds: configuration.headTimeoutSeconds)
        // Debian's libevent has no size limits and a 50 s timeout unless told otherwise.
        evhttp_set_max_headers_size(http, configuration.maxHeaderBytes)
        evhttp_set_max_body_size(http, configuration.maxBodyBytes)
        evhttp_set_timeout(http, Int32(configuration.timeoutSeconds))
        // CONNECT is left out: evhttp frames no body for a handler's reply to it, which the
        // client could then not read. evhttp refuses it with 501 itself (`EvhttpRefusals`).
        let methods =
            EVHTTP_REQ_GET.rawValue | EVHTTP_REQ_HEAD.rawValue | EVHTTP_REQ_POST.rawValue | EVHTTP_REQ_PUT.rawValue
            | EVHTTP_REQ_DELETE.rawValue | EVHTTP_REQ_OPTIONS.rawValue | EVHTTP_REQ_PATCH.rawValue
            | EVHTTP_REQ_TRACE.rawValue
        evhttp_set_allowed_methods(http, UInt16(methods))
        evhttp_set_default_content_type(http, defaultContentType)
        evhttp_set_gencb(http, requestCallback, context)
        evhttp_set_bevcb(http, newConnectionCallback, context)
        guard failure != .acceptSocket, let boundSocket = evhttp_accept_socket_with_handle(http, socket) else {
            throw HTTPServerError("evhttp_accept_socket_with_handle failed")
        }
        unclaimedSocket = -1
        self.boundSocket = boundSocket
    }

    deinit {
        releaseResources()
        if wakeReader >= 0 { close(wakeReader) }
        if wakeWriter >= 0 { close(wakeWriter) }
    }

    /// Frees what the loop acquired, each thing once, in the reverse order of set-up. evhttp
    /// goes before the tracker: freeing its connections tells the tracker they closed.
    private func releaseResources() {
        for event in signalEvents { event_free(event) }
        signalEvents.removeAll()
        if let drainTimer { event_free(drainTimer) }
        drainTimer = nil
        if let wakeEvent { event_free(wakeEvent) }
        wakeEvent = nil
        // Held requests get their deadline answer before evhttp frees their connections.
        for held in Array(heldRequests.values) { answer(held, held.onDeadline) }
        if let http { evhttp_free(http) }
        http = nil
        boundSocket = nil
        if unclaimedSocket >= 0 { close(unclaimedSocket) }
        unclaimedSocket = -1
        tracker?.releaseAll()
        tracker = nil
        handler = nil
        if let base { event_base_free(base) }
        base = nil
    }

    /// evhttp turns reading off and writing on for every reply, then the reverse: four
    /// `epoll_ctl` calls. A changelist folds each pair into one call made just before
    /// `epoll_wait` (and, with the reply written at once, `writeThrough`, the write's on
    /// and off cancel out: one call is left). It is unsafe only for descriptors shared
    /// through `dup`, and every loop listens on its own socket.
    private static func makeBase() -> OpaquePointer? {
        guard let config = event_config_new() else { return nil }
        defer { event_config_free(config) }
        event_config_set_flag(config, Int32(EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST.rawValue))
        return event_base_new_with_config(config)
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

    /// The loop's whole life, on the calling thread: create the handler, serve until asked to
    /// exit, tear down.
    func run() {
        guard let base else { return }
        pthread_setspecific(Self.runningLoopKey, Unmanaged.passUnretained(self).toOpaque())
        defer { pthread_setspecific(Self.runningLoopKey, nil) }
        handler = HandlerSlot(makeHandler(EventLoopHandle(base: base)))
        event_base_dispatch(base)
        releaseResources()
    }

    /// Which loop runs on a thread, for a callback that carries no pointer to its loop: the
    /// refusal hook (`EvhttpRefusals`), which libevent reaches through `evhttp_send_error`.
    private static let runningLoopKey: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "pthread_key_create failed")
        return key
    }()

    /// The loop running on the calling thread, if any.
    static var running: EventLoop? {
        pthread_getspecific(runningLoopKey).map { Unmanaged<EventLoop>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Answers `request` with its deadline answer if the handler holds it, and says whether
    /// it did: evhttp asks again for a reply to a request whose connection failed before its
    /// answer (libevent 2.1 `evhttp_connection_incoming_fail`, through `evhttp_send_error`
    /// once it has let go of the target), and the request must still be answered once.
    /// (Tested for emptiness first, inlined: a handler that never holds pays no hash and no
    /// call per request.)
    @inline(__always)
    func answerIfHeld(_ request: OpaquePointer) -> Bool {
        guard !heldRequests.isEmpty, let held = heldRequests[request] else { return false }
        answer(held, held.onDeadline)
        return true
    }

    /// Tells the handler of a request evhttp refused itself.
    func refused(_ request: OpaquePointer, status: Int, bodyCount: Int) {
        handler?.handler.refused(HTTPRequest(request, loop: self), status: status, bodyCount: bodyCount)
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
            if let base { event_base_loopexit(base, nil) }
        } else if commands.contains(Command.drain.rawValue) {
            beginDrain()
        }
    }

    private func beginDrain() {
        guard !draining, let base, let http else { return }
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
        guard let base, let tracker else { return }
        let settled = tracker.repliesInFlight == 0 && heldRequests.isEmpty
        if settled || monotonicSeconds() >= drainDeadline { event_base_loopexit(base, nil) }
    }

    fileprivate func signalReceived(_ signal: Int32) {
        onSignal?(signal)
    }

    fileprivate func newConnection() -> OpaquePointer? {
        tracker?.newBufferevent()
    }

    func join() {
        guard let thread else { return }
        pthread_join(thread, nil)
        self.thread = nil
    }

    /// Every request gets exactly one reply: sent here, or, for a request the handler held,
    /// by `answer`.
    fileprivate func serve(_ request: OpaquePointer) {
        guard self.handler != nil, self.tracker != nil else { return }
        // Borrowed for the request, not retained (a retain and a release a request each): the
        // loop holds both until it is torn down.
        let handler = Unmanaged.passUnretained(self.handler!)
        let tracker = Unmanaged.passUnretained(self.tracker!)
        // A request handed over once already is one the handler holds: see `answerIfHeld`.
        if answerIfHeld(request) { return }
        let connection = evhttp_request_get_connection(request).flatMap { evhttpConnection in
            tracker._withUnsafeGuaranteedRef { $0.sawRequest(on: evhttpConnection) }
        }
        // The reused response, written in place: only `serve` uses it, and `serve` is not
        // re-entered (evhttp calls back from the loop, never from inside a handler).
        response.reset()
        requestBeingServed = request
        servedRequestWasHeld = false
        handler._withUnsafeGuaranteedRef { $0.handler.respond(to: HTTPRequest(request, loop: self), into: &response) }
        requestBeingServed = nil
        if servedRequestWasHeld { return }
        deliver(&response, for: request, on: connection)
    }

    /// `HTTPRequest.hold`: only for the request being served, once.
    func hold(_ request: OpaquePointer, deadlineSeconds: Double, onDeadline: @escaping (inout HTTPResponse) -> Void)
        -> HeldRequest
    {
        precondition(request == requestBeingServed && !servedRequestWasHeld, "hold() belongs inside respond(to:into:), once")
        servedRequestWasHeld = true
        let held = HeldRequest(loop: self, request: request, deadlineSeconds: deadlineSeconds, onDeadline: onDeadline)
        heldRequests[request] = held
        keepReading(whileHolding: request)
        if let base, let timer = event_new(base, -1, 0, deadlineCallback, Unmanaged.passUnretained(held).toOpaque()) {
            held.deadlineTimer = timer
            var delay = timeval(seconds: deadlineSeconds)
            event_add(timer, &delay)
        }
        return held
    }

    /// Bytes a held request's connection may read ahead before reading pauses.
    static let heldReadAhead = 64 * 1024

    /// evhttp stops reading a connection when it hands over a request and reads again (for
    /// a close, with no read callback) once the reply is being written: answered within the
    /// callback, the two changes meet in one epoll change. A held request would cost three
    /// (reading off, then writing on with reading, then writing off), and epoll_ctl was a
    /// tenth of the store's CPU. So while it is held the connection goes on reading as evhttp
    /// reads while it writes: no read callback (evhttp would refuse data in that state), its
    /// error callback still told of a close, what a client sends ahead kept for after the
    /// reply, and at most `heldReadAhead` of it (reading pauses beyond, for the reply to
    /// undo, as evhttp sets no watermark of its own).
    private func keepReading(whileHolding request: OpaquePointer) {
        guard let connection = evhttp_request_get_connection(request),
            let bufferevent = evhttp_connection_get_bufferevent(connection)
        else { return }
        var write: bufferevent_data_cb?
        var event: bufferevent_event_cb?
        var argument: UnsafeMutableRawPointer?
        bufferevent_getcb(bufferevent, nil, &write, &event, &argument)
        bufferevent_setcb(bufferevent, nil, write, event, argument)
        bufferevent_setwatermark(bufferevent, Int16(EV_READ), 0, Self.heldReadAhead)
        bufferevent_enable(bufferevent, Int16(EV_READ))
    }

    /// Sends a held request's one answer and forgets it.
    func answer(_ held: HeldRequest, _ write: (inout HTTPResponse) -> Void) {
        guard let request = held.request else { return }
        held.request = nil
        if let timer = held.deadlineTimer { event_free(timer) }
        held.deadlineTimer = nil
        heldRequests[request] = nil
        var response = HTTPResponse(status: 200)
        write(&response)
        // A request whose client left is detached from its connection; evhttp frees it
        // when it is sent the reply, and nothing is written.
        let evhttpConnection = evhttp_request_get_connection(request)
        let connection = evhttpConnection.flatMap { tracker?.connection(for: $0) }
        // A connection evhttp still uses is one the tracker still tracks (else the reply would
        // go unaccounted, and a graceful stop could end before it is written).
        assert(evhttpConnection == nil || tracker == nil || connection != nil, "the tracker let go of a live connection")
        // Back to no watermark, as evhttp keeps it (`keepReading`).
        if let connection { bufferevent_setwatermark(connection.bufferevent, Int16(EV_READ), 0, 0) }
        deliver(&response, for: request, on: connection.map(Unmanaged.passUnretained))
    }

    fileprivate func deadlinePassed(_ held: HeldRequest) {
        answer(held, held.onDeadline)
    }

    /// `connection` is borrowed: the caller or the tracker holds it until the reply is handed
    /// over, and it is not used after (writing the reply may close the connection and free it).
    private func deliver(
        _ response: inout HTTPResponse, for request: OpaquePointer, on connection: Unmanaged<TrackedConnection>?
    ) {
        guard self.tracker != nil, let base else { return }
        let tracker = Unmanaged.passUnretained(self.tracker!)  // borrowed, as in `serve`
        let headers = evhttp_request_get_output_headers(request)
        if draining { evhttp_add_header(headers, "Connection", "close") }
        // evhttp refuses values with CR or LF, so a header can never be split in two.
        response.forEachHeader { name, value in _ = evhttp_add_header(headers, name, value) }
        if response.status != 204 && response.status != 304 {
            withDecimalCString(response.bodyCount) { length in _ = evhttp_add_header(headers, "Content-Length", length) }
        }
        // Where evhttp would have put it: after the rest.
        date.withValue(on: base) { _ = evhttp_add_header(headers, "Date", $0) }
        // evhttp sends whatever body it is given, even to HEAD (RFC 9110 §9.3.2: none, with
        // the length a GET would have) and with 204 and 304 (none at all): the transport frames.
        let sendsBody = response.status != 204 && response.status != 304
            && evhttp_request_get_command(request) != EVHTTP_REQ_HEAD
        if sendsBody { Self.addBody(of: response, to: request) }
        if let reason = HTTPResponse.knownReasonPhrase(for: response.status) {
            reason.withUTF8Buffer { reason in
                reason.withMemoryRebound(to: CChar.self) { evhttp_send_reply(request, Int32(response.status), $0.baseAddress, nil) }
            }
        } else {
            HTTPResponse.reasonPhrase(for: response.status).withCString { reason in
                evhttp_send_reply(request, Int32(response.status), reason, nil)
            }
        }
        // The reply holds its own reference now; the loop's reused response keeps none.
        response.sharedBody = nil
        guard let connection else { return }
        // Nearly every reply is written whole here, and finished before this returns. One
        // that is not is counted until evhttp says it is finished (a graceful stop waits for
        // it), or until its connection ends first (evhttp frees the request without a word;
        // the tracker settles it with the connection). Counting only those spares nearly
        // every reply the count and a completion callback (~40 instructions, callgrind). The
        // record is not touched once a reply is finished: that may close the connection and
        // free it.
        if Self.writeThrough(connection._withUnsafeGuaranteedRef { $0.bufferevent }) { return }
        connection._withUnsafeGuaranteedRef { connection in tracker._withUnsafeGuaranteedRef { $0.replyStarted(on: connection) } }
        evhttp_request_set_on_complete_cb(request, replyCompleteCallback, connection.toOpaque())
    }
}

extension EventLoop {
    /// Writes a reply evhttp has just queued at once, where evhttp would ask epoll to say the
    /// socket is writable (one epoll_ctl) and, once the reply is written, stop asking (a
    /// second): a keep-alive request then costs a read, a write and one epoll_ctl (the MOD
    /// libevent's changelist makes of evhttp's stop and restart of reading). A reply
    /// written whole is finished as evhttp finishes it, by the bufferevent's write callback
    /// (`bufferevent_trigger`: evhttp's `evhttp_send_done`, which frees the request, and may
    /// free the connection, before this returns); what the socket does not take, and any
    /// error, is left to the bufferevent as before. (A bufferevent keeps its output's front
    /// frozen against drains by anyone else: thawed for the one write.)
    /// Returns whether the reply was written whole, and so finished.
    @inline(__always)
    static func writeThrough(_ bufferevent: OpaquePointer) -> Bool {
        guard let output = bufferevent_get_output(bufferevent) else { return false }
        let socket = bufferevent_getfd(bufferevent)
        guard socket >= 0, evbuffer_get_length(output) > 0 else { return false }
        evbuffer_unfreeze(output, 1)
        let written = evbuffer_write(output, socket)
        evbuffer_freeze(output, 1)
        guard written > 0, evbuffer_get_length(output) == 0 else { return false }
        bufferevent_trigger(bufferevent, Int16(EV_WRITE), 0)
        return true
    }
}

/// evhttp keeps the pointer it is given for its default `Content-Type` (libevent 2.1 does
/// not copy it), so it must outlive every loop: a Swift string's temporary C form would be
/// freed at once (AddressSanitizer caught a reply reading it after it was freed). Written
/// once, before any loop exists, and only read after: `nonisolated(unsafe)` is safe here.
nonisolated(unsafe) private let defaultContentType: UnsafePointer<CChar> = UnsafePointer(strdup("application/json")!)

extension EventLoop {
    /// Puts `response`'s body in `request`'s own output buffer, where evhttp sends it from (a
    /// buffer of the loop's, handed to `evhttp_send_reply`, was moved into it: one more move
    /// and a drain a reply); a shared body by reference, kept alive until it is sent.
    /// (Inlined: a call on every reply cost ~30 instructions.)
    @inline(__always)
    static func addBody(of response: HTTPResponse, to request: OpaquePointer) {
        let replyBuffer = evhttp_request_get_output_buffer(request)
        if let shared = response.sharedBody {
            _ = evbuffer_add_reference(
                replyBuffer, shared.bytes.baseAddress, shared.count, sharedBodyReleaseCallback,
                Unmanaged.passRetained(shared).toOpaque())
        } else {
            response.bodyBytes.withUnsafeBytes { body in
                _ = evbuffer_add(replyBuffer, body.baseAddress, body.count)
            }
        }
    }
}

/// Passes the decimal digits of `number` (not negative) to C, written on the stack.
/// (Unsigned and wrapping: the checked conversions of a digit cost ~10 instructions each.)
private func withDecimalCString(_ number: Int, _ body: (UnsafePointer<CChar>) -> Void) {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 21) { buffer in
        let base = buffer.baseAddress!
        var start = 20
        base[start] = 0
        var rest = UInt(number)
        repeat {
            start &-= 1
            let (quotient, digit) = rest.quotientAndRemainder(dividingBy: 10)
            base[start] = CChar(truncatingIfNeeded: digit &+ UInt(UInt8(ascii: "0")))
            rest = quotient
        } while rest > 0
        body(base + start)
    }
}

/// evbuffer lets go of a `SharedBody` reference: the reply has been written or dropped.
private let sharedBodyReleaseCallback: @convention(c) (UnsafeRawPointer?, Int, UnsafeMutableRawPointer?) -> Void = {
    _, _, context in
    guard let context else { return }
    Unmanaged<SharedBody>.fromOpaque(context).release()
}

private let requestCallback: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Void = { request, context in
    guard let request, let context else { return }
    // Borrowed, not retained: evhttp calls back only while the loop runs.
    Unmanaged<EventLoop>.fromOpaque(context)._withUnsafeGuaranteedRef { $0.serve(request) }
}

private let deadlineCallback: @convention(c) (Int32, Int16, UnsafeMutableRawPointer?) -> Void = { _, _, context in
    guard let context else { return }
    let held = Unmanaged<HeldRequest>.fromOpaque(context).takeUnretainedValue()
    held.loop?.deadlinePassed(held)
}

private let replyCompleteCallback: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Void = { _, context in
    guard let context else { return }
    Unmanaged<TrackedConnection>.fromOpaque(context)._withUnsafeGuaranteedRef { connection in
        connection.withTracker { $0.replyFinished(on: connection) }
    }
}

private let signalCallback: @convention(c) (Int32, Int16, UnsafeMutableRawPointer?) -> Void = { signal, _, context in
    guard let context else { return }
    Unmanaged<EventLoop>.fromOpaque(context).takeUnretainedValue().signalReceived(signal)
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
