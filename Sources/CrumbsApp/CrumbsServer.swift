import CrumbsSession
import EventHTTP

/// Puts the app on the evhttp transport.
public enum CrumbsServer {
    /// A server whose every event loop answers with its own `CrumbsHandler`.
    ///
    /// evhttp refuses bodies past four times the app's limit outright (with its own page);
    /// up to that, the app reads them and answers a JSON 413.
    public static func make(
        _ app: AppConfiguration, host: String = "127.0.0.1", port: Int = 5555, threads: Int = 1,
        maxHeaderBytes: Int = 8 * 1024, timeoutSeconds: Int = 10
    ) throws -> HTTPServer {
        try app.validate()
        // Fails here, at start-up, if libcrypto cannot key a context; the loops then build
        // theirs the same way.
        _ = try CrumbsHandler(configuration: app)
        let transport = HTTPServerConfiguration(
            host: host, port: port, threads: threads, maxHeaderBytes: maxHeaderBytes,
            maxBodyBytes: app.maxBodyBytes * 4, timeoutSeconds: timeoutSeconds)
        return HTTPServer(configuration: transport) {
            do {
                return try CrumbsHandler(configuration: app)
            } catch {
                fatalError("cannot set up a session codec that was set up at start: \(error)")
            }
        }
    }
}
