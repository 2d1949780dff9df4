internal import CLibevent

import Glibc

/// An HTTP/1.1 server on libevent's evhttp: one event loop per thread, each accepting on
/// its own `SO_REUSEPORT` socket and answering with its own `HTTPHandler`.
///
/// `@unchecked Sendable`: `loops` is written once in `bind()` before any loop runs and only
/// read afterwards; `stop()` and `stopGracefully()` only write to the loops' wake-up pipes.
public final class HTTPServer: @unchecked Sendable {
    public let configuration: HTTPServerConfiguration
    private let makeHandler: @Sendable (EventLoopHandle) -> any HTTPHandler
    private let stopSignals: [Int32]
    private let onSignal: (@Sendable (Int32) -> Void)?
    private var loops: [EventLoop] = []
    /// The port bound, known once `bind()` or `start()` returns.
    public private(set) var port = 0
    /// Tests only: make set-up fail at this step of this loop.
    var loopSetupFailure: (loop: Int, step: EventLoop.SetupStep)?

    /// - Parameters:
    ///   - stopOnSignals: signals (e.g. SIGINT, SIGTERM) that stop the server gracefully, and
    ///     at once when one comes a second time. They are watched from the moment the loops
    ///     are built, by the first loop, so nothing can touch a running loop from outside.
    ///   - onSignal: runs on the first loop's thread when one of them arrives, before the
    ///     loops stop.
    ///   - makeHandler: called on each loop's thread, before it serves, with that loop.
    public init(
        configuration: HTTPServerConfiguration, stopOnSignals: [Int32] = [],
        onSignal: (@Sendable (Int32) -> Void)? = nil,
        makeHandlerOnLoop makeHandler: @escaping @Sendable (EventLoopHandle) -> any HTTPHandler
    ) {
        self.configuration = configuration
        self.makeHandler = makeHandler
        self.stopSignals = stopOnSignals
        self.onSignal = onSignal
    }

    /// A server whose handlers need nothing of their loop.
    public convenience init(
        configuration: HTTPServerConfiguration, stopOnSignals: [Int32] = [],
        onSignal: (@Sendable (Int32) -> Void)? = nil, makeHandler: @escaping @Sendable () -> any HTTPHandler
    ) {
        self.init(configuration: configuration, stopOnSignals: stopOnSignals, onSignal: onSignal) { _ in makeHandler() }
    }

    /// Binds the sockets and sets up the loops without running them: `port` is known after
    /// it. `start()` and `run()` call it if nobody has. When it fails, nothing it acquired
    /// is kept: every socket is closed and every loop built so far is freed.
    public func bind() throws(HTTPServerError) {
        precondition(loops.isEmpty, "bind() may be called once")
        guard configuration.threads >= 1 else { throw HTTPServerError("threads must be at least 1") }
        guard configuration.maxConnections >= 1 else { throw HTTPServerError("maxConnections must be at least 1") }
        LibeventSetup.once()
        LibeventSetup.allowOpenFiles(configuration.maxConnections + 256)
        let (sockets, port) = try ListeningSocket.bind(
            host: configuration.host, port: configuration.port, count: configuration.threads,
            backlog: configuration.listenBacklog)
        self.port = port
        var built: [EventLoop] = []
        for (index, socket) in sockets.enumerated() {
            do throws(HTTPServerError) {
                // Each loop owns its socket from here, failing or not.
                built.append(
                    try EventLoop(
                        socket: socket, configuration: configuration, signals: index == 0 ? stopSignals : [],
                        onSignal: { [unowned self] in signalReceived($0) }, makeHandler: makeHandler,
                        failingAt: loopSetupFailure?.loop == index ? loopSetupFailure?.step : nil))
            } catch {
                // The loops built so far go with `built`; the sockets not handed over yet close here.
                sockets[(index + 1)...].forEach { close($0) }
                throw error
            }
        }
        loops = built
    }

    /// Starts every loop on a thread of its own and returns.
    public func start() throws(HTTPServerError) {
        if loops.isEmpty { try bind() }
        for loop in loops { try loop.startThread() }
    }

    /// Runs the first loop on the calling thread and the others on threads of their own, and
    /// returns once every loop has exited. With one loop the process stays single-threaded,
    /// which spares glibc's allocator its locks.
    public func run() throws(HTTPServerError) {
        if loops.isEmpty { try bind() }
        for loop in loops.dropFirst() { try loop.startThread() }
        loops.first?.run()
        wait()
    }

    /// Asks every loop to finish the callbacks it is running and exit at once. Safe from any
    /// thread and before the loops have started.
    public func stop() {
        for loop in loops { loop.send(.exit) }
    }

    /// Stops accepting connections, lets replies already under way finish (up to
    /// `shutdownGraceSeconds`), then exits every loop. Safe from any thread.
    public func stopGracefully() {
        for loop in loops { loop.send(.drain) }
    }

    /// Touched only on the first loop's thread, where signal events run.
    private var signalsReceived = 0

    private func signalReceived(_ signal: Int32) {
        signalsReceived += 1
        onSignal?(signal)
        if signalsReceived == 1 { stopGracefully() } else { stop() }
    }

    /// Blocks until every loop has exited and its thread has ended.
    public func wait() {
        for loop in loops { loop.join() }
    }
}
