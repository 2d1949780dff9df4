internal import CHiredis
import EventHTTP

/// One asynchronous connection to Redis for one event loop, on hiredis' libevent adapter:
/// commands are pipelined on it and their callbacks run on the loop's thread.
///
/// hiredis 0.14 has no timeouts and never reconnects, so this does what it lacks: it
/// refuses commands at once while there is no connection or too many are waiting (a caller
/// turns that into a fast 503), and after a disconnect it connects again on a new context,
/// backing off from 50 ms to 2 s. Whoever waits on a reply sets their own deadline (a held
/// request's). Not thread-safe, like hiredis: use it on its loop only.
public final class RedisConnection {
    public enum State: Equatable, Sendable { case connecting, connected, disconnected }

    /// What the connection tells its log: a connection made, or a problem.
    public enum Event: Sendable {
        case connected(String)
        case problem(String)
    }

    private let endpoint: RedisEndpoint
    private let loop: EventLoopHandle
    private let maximumInFlight: Int
    private let log: (Event) -> Void
    private var context: UnsafeMutablePointer<redisAsyncContext>?
    private var reconnectTimer: LoopTimer?
    private var backoffSeconds = RedisConnection.firstBackoff
    public private(set) var state = State.disconnected
    /// Writes the commands queued during a pass of the loop at its end, instead of on the
    /// next pass, when hiredis' write event fires: one write for the pass's commands, sent a
    /// pass earlier, and no write interest registered and dropped with epoll each time.
    private var flushTimer: LoopTimer?
    private var flushScheduled = false
    /// The buffer each command is written into, kept for the next.
    private var commandBytes: [UInt8] = []
    /// Commands sent whose reply (or failure) has not come back yet.
    public private(set) var inFlight = 0

    static let firstBackoff = 0.05
    static let longestBackoff = 2.0

    /// - Parameters:
    ///   - maximumInFlight: commands allowed to wait on Redis at once; beyond it `send`
    ///     fails at once, so a stalled Redis cannot grow the output buffer without end.
    ///   - log: told of connections made and lost (never of the password).
    public init(endpoint: RedisEndpoint, loop: EventLoopHandle, maximumInFlight: Int, log: @escaping (Event) -> Void) {
        self.endpoint = endpoint
        self.loop = loop
        self.maximumInFlight = maximumInFlight
        self.log = log
    }

    deinit {
        reconnectTimer?.cancel()
        flushTimer?.cancel()
        if let context {
            // hiredis calls the disconnect callback and every pending command's callback
            // (with no reply) from inside redisAsyncFree: they must not reach this object.
            context.pointee.data = nil
            redisAsyncFree(context)
        }
    }

    /// Starts connecting; it keeps itself connected from then on.
    public func start() {
        guard context == nil else { return }
        if reconnectTimer == nil { reconnectTimer = LoopTimer(on: loop) { [weak self] in self?.start() } }
        let created: UnsafeMutablePointer<redisAsyncContext>?
        switch endpoint.address {
        case .tcp(let host, let port): created = redisAsyncConnect(host, Int32(port))
        case .unix(let path): created = redisAsyncConnectUnix(path)
        }
        guard let created, created.pointee.err == 0 else {
            let reason = created.map { String(cString: $0.pointee.errstr) } ?? "out of memory"
            if let created { redisAsyncFree(created) }
            connectionFailed("cannot connect to \(endpoint): \(reason)")
            return
        }
        created.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        // The adapter first, then the callbacks (hiredis' documented order).
        guard redisLibeventAttach(created, loop.base) == REDIS_OK,
            redisAsyncSetConnectCallback(created, connectCallback) == REDIS_OK,
            redisAsyncSetDisconnectCallback(created, disconnectCallback) == REDIS_OK
        else {
            created.pointee.data = nil
            redisAsyncFree(created)
            connectionFailed("cannot attach the Redis connection to the event loop")
            return
        }
        context = created
        state = .connecting
        // Queued first, so they run before anything else once connected.
        if let password = endpoint.password { sendInternal([Array("AUTH".utf8), password], what: "AUTH") }
        if endpoint.database != 0 { sendInternal([Array("SELECT".utf8), Array(String(endpoint.database).utf8)], what: "SELECT") }
    }

    /// Sends the command `write` writes (binary-safe arguments); `callback` runs once, on the
    /// loop, with the reply or the reason there is none (at once when the command could not
    /// be sent).
    public func send(
        _ write: (inout RedisCommand) -> Void, _ callback: @escaping (Result<RedisReply, RedisFailure>) -> Void
    ) {
        guard state == .connected, let context else { return callback(.failure(.notConnected)) }
        guard inFlight < maximumInFlight else { return callback(.failure(.tooManyInFlight)) }
        issue(write, on: context, callback)
    }

    private func sendInternal(_ arguments: [[UInt8]], what: String) {
        guard let context else { return }
        issue({ command in for argument in arguments { command.append(argument) } }, on: context) { [log, endpoint] result in
            if case .success(.error(let message)) = result { log(.problem("Redis refused \(what) at \(endpoint): \(message)")) }
        }
    }

    private func issue(
        _ write: (inout RedisCommand) -> Void, on context: UnsafeMutablePointer<redisAsyncContext>,
        _ callback: @escaping (Result<RedisReply, RedisFailure>) -> Void
    ) {
        // The connection's buffer, moved out for the command and back after: hiredis copies
        // the command into its own output buffer during the call.
        var storage: [UInt8] = []
        swap(&storage, &commandBytes)
        var command = RedisCommand(reusing: storage)
        write(&command)
        let range = command.finish()
        let pending = PendingCommand(connection: self, callback: callback)
        let privdata = Unmanaged.passRetained(pending).toOpaque()
        inFlight += 1
        let status = command.bytes.withUnsafeBytes { bytes in
            redisAsyncFormattedCommand(
                context, commandCallback, privdata, bytes.baseAddress!.assumingMemoryBound(to: CChar.self) + range.lowerBound,
                range.count)
        }
        commandBytes = command.storage()
        if status != REDIS_OK {
            // Not queued: hiredis will never call back.
            Unmanaged<PendingCommand>.fromOpaque(privdata).release()
            inFlight -= 1
            callback(.failure(.connectionLost))
            return
        }
        if state == .connected && !flushScheduled {
            flushScheduled = true
            if flushTimer == nil { flushTimer = LoopTimer(on: loop) { [weak self] in self?.flush() } }
            flushTimer?.runAtEndOfPass()
        }
    }

    /// Writes what is queued, as hiredis' write event would (what the socket does not take
    /// now, hiredis keeps and writes when it is writable). Only once connected: while
    /// connecting, hiredis' own write event is what completes the connection.
    private func flush() {
        flushScheduled = false
        guard state == .connected, let context else { return }
        redisAsyncHandleWrite(context)
    }

    fileprivate func commandFinished() {
        inFlight -= 1
    }

    fileprivate func connected(status: Int32) {
        guard status == REDIS_OK else {
            // hiredis frees the context after this callback and fails what was queued.
            let reason = context.map { String(cString: $0.pointee.errstr) } ?? "unknown"
            context = nil
            connectionFailed("cannot connect to \(endpoint): \(reason)")
            return
        }
        state = .connected
        backoffSeconds = Self.firstBackoff
        log(.connected("connected to Redis at \(endpoint)"))
    }

    fileprivate func disconnected(status: Int32) {
        let reason = status == REDIS_OK ? "closed" : context.map { String(cString: $0.pointee.errstr) } ?? "unknown"
        // hiredis frees the context after this callback.
        context = nil
        connectionFailed("lost the connection to Redis at \(endpoint): \(reason)")
    }

    private func connectionFailed(_ message: String) {
        // Said once per outage, not at every retry.
        if state != .disconnected || backoffSeconds == Self.firstBackoff { log(.problem(message + "; retrying")) }
        state = .disconnected
        reconnectTimer?.schedule(afterSeconds: backoffSeconds)
        backoffSeconds = min(backoffSeconds * 2, Self.longestBackoff)
    }
}

/// What a command's callback needs, passed to hiredis as its `privdata` (retained once,
/// released by the callback, which hiredis calls exactly once: with the reply, or with none
/// when the connection ends or the context is freed).
private final class PendingCommand {
    weak var connection: RedisConnection?
    let callback: (Result<RedisReply, RedisFailure>) -> Void

    init(connection: RedisConnection, callback: @escaping (Result<RedisReply, RedisFailure>) -> Void) {
        self.connection = connection
        self.callback = callback
    }
}

/// Copies a hiredis reply, which hiredis frees when the callback returns.
private func copy(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
    let type = reply.pointee.type
    func bytes() -> [UInt8] {
        guard let text = reply.pointee.str else { return [] }
        return Array(UnsafeRawBufferPointer(start: text, count: reply.pointee.len))
    }
    switch type {
    case crumbs_redis_reply_string(): return .string(bytes())
    case crumbs_redis_reply_integer(): return .integer(Int64(reply.pointee.integer))
    case crumbs_redis_reply_status(): return .status(String(decoding: bytes(), as: UTF8.self))
    case crumbs_redis_reply_error(): return .error(String(decoding: bytes(), as: UTF8.self))
    case crumbs_redis_reply_array():
        return .array((0..<reply.pointee.elements).map { index in
            reply.pointee.element[index].map(copy) ?? .null
        })
    default: return .null
    }
}

private let commandCallback: @convention(c) (UnsafeMutablePointer<redisAsyncContext>?, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?)
    -> Void = { _, reply, privdata in
        guard let privdata else { return }
        let pending = Unmanaged<PendingCommand>.fromOpaque(privdata).takeRetainedValue()
        pending.connection?.commandFinished()
        if let reply {
            pending.callback(.success(copy(reply.assumingMemoryBound(to: redisReply.self))))
        } else {
            pending.callback(.failure(.connectionLost))
        }
    }

private let connectCallback: @convention(c) (UnsafePointer<redisAsyncContext>?, Int32) -> Void = { context, status in
    guard let data = context?.pointee.data else { return }
    Unmanaged<RedisConnection>.fromOpaque(data).takeUnretainedValue().connected(status: status)
}

private let disconnectCallback: @convention(c) (UnsafePointer<redisAsyncContext>?, Int32) -> Void = { context, status in
    guard let data = context?.pointee.data else { return }
    Unmanaged<RedisConnection>.fromOpaque(data).takeUnretainedValue().disconnected(status: status)
}
