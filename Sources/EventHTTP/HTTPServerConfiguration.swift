/// Where and how the server listens, and what it accepts from a client.
public struct HTTPServerConfiguration: Sendable {
    public var host: String
    /// 0 lets the kernel choose; `HTTPServer.port` tells which it chose.
    public var port: Int
    /// Event loops, each on its own thread with its own listening socket.
    public var threads: Int
    /// Largest request head (request line and headers) accepted. evhttp answers a larger
    /// one itself and closes the connection.
    public var maxHeaderBytes: Int
    /// Largest request body accepted; evhttp answers 413 to a larger one.
    public var maxBodyBytes: Int
    /// Seconds a connection may stay silent (reading, writing or idle between requests).
    public var timeoutSeconds: Int
    /// Seconds a new connection has to send a complete request head; evhttp's own timeout
    /// restarts with every byte, so this is what drops a client trickling its head.
    public var headTimeoutSeconds: Int
    /// Connections held at once (split evenly over the loops); beyond it a new connection
    /// gets a 503 and is closed.
    public var maxConnections: Int
    /// On a graceful stop, how long replies already under way may take to finish.
    public var shutdownGraceSeconds: Int
    public var listenBacklog: Int32

    public init(
        host: String = "127.0.0.1", port: Int = 5555, threads: Int = 1, maxHeaderBytes: Int = 8 * 1024,
        maxBodyBytes: Int = 64 * 1024, timeoutSeconds: Int = 10, headTimeoutSeconds: Int? = nil,
        maxConnections: Int = 10_000, shutdownGraceSeconds: Int = 10, listenBacklog: Int32 = 1024
    ) {
        self.host = host
        self.port = port
        self.threads = threads
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
        self.timeoutSeconds = timeoutSeconds
        self.headTimeoutSeconds = headTimeoutSeconds ?? timeoutSeconds
        self.maxConnections = maxConnections
        self.shutdownGraceSeconds = shutdownGraceSeconds
        self.listenBacklog = listenBacklog
    }
}
