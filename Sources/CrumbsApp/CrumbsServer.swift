import CrumbsSession
import EventHTTP

/// Puts the app on the evhttp transport.
public enum CrumbsServer {
    /// Whether evhttp's own refusals (a request it cannot read, a body over its limit, an
    /// unknown method) are answered in JSON like every other error, as they are once the
    /// first server is made; false if this process's libevent keeps its HTML pages.
    public static let evhttpRefusalsAreJSON = EvhttpRefusals.install(ErrorResponse.evhttpRefusals)

    /// A server whose every event loop answers with its own `CrumbsHandler`.
    ///
    /// evhttp refuses bodies past four times the app's limit outright (a JSON 413 too, but
    /// without reading them); up to that, the app reads them and answers its own 413.
    /// - Parameter transport: where to listen and the connection limits; its body limit is
    ///   replaced by four times the app's.
    public static func make(
        _ app: AppConfiguration, transport: HTTPServerConfiguration, stopOnSignals: [Int32] = [],
        onSignal: (@Sendable (Int32) -> Void)? = nil
    ) throws -> HTTPServer {
        try app.validate()
        _ = evhttpRefusalsAreJSON
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
