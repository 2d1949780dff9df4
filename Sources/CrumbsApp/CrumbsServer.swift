import CrumbsSession
import EventHTTP

/// Puts the app on the evhttp transport.
public enum CrumbsServer {
    /// A server whose every event loop answers with its own `CrumbsHandler`.
    ///
    /// evhttp refuses bodies past four times the app's limit outright (with its own page);
    /// up to that, the app reads them and answers a JSON 413.
    /// - Parameter transport: where to listen and the connection limits; its body limit is
    ///   replaced by four times the app's.
    public static func make(
        _ app: AppConfiguration, transport: HTTPServerConfiguration, stopOnSignals: [Int32] = [],
        onSignal: (@Sendable (Int32) -> Void)? = nil
    ) throws -> HTTPServer {
        try app.validate()
        // Fails here, at start-up, if libcrypto cannot key a context; the loops then build
        // theirs the same way.
        _ = try CrumbsHandler(configuration: app)
        var transport = transport
        transport.maxBodyBytes = app.maxBodyBytes * 4
        return HTTPServer(configuration: transport, stopOnSignals: stopOnSignals, onSignal: onSignal) { loop in
            do {
                return try CrumbsHandler(configuration: app, loop: loop)
            } catch {
                fatalError("cannot set up a session codec that was set up at start: \(error)")
            }
        }
    }
}
