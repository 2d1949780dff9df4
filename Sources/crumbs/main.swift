import ArgumentParser
import CrumbsApp
import EventHTTP
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

struct Crumbs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crumbs",
        abstract: "Cookie-based sessions over HTTP, compatible with Flask's signed session cookies.",
        version: "0.1.0",
        subcommands: [Serve.self],
        defaultSubcommand: Serve.self)
}

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the Crumbs routes (the default command).",
        discussion: """
            Routes: GET /sessions/<key> (hello, goodnight, count; count increments on each visit) \
            and GET /crumbs (sets the readable cookie mouse=Cookie).

            The session lives in the client, in a cookie signed with HMAC-SHA1 in Flask's format: \
            a Flask app with the same secret key reads Crumbs' cookies and Crumbs reads Flask's.
            """)

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on; 0 picks a free one (the URL printed says which).")
    var port = 5555

    @Option(
        help: ArgumentHelp(
            "File holding the raw secret key bytes (like Flask's app.secret_key = b\"...\").",
            discussion: "Also read from CRUMBS_SECRET_KEY_FILE. Without either, a key is created in .crumbs/secret_key.",
            valueName: "path"))
    var secretKeyFile: String?

    @Option(help: ArgumentHelp("Logging level.", valueName: "trace|debug|info|notice|warning|error|critical"))
    var logLevel: Logger.Level = .info

    func run() throws {
        let logLevel = self.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = logLevel
            return handler
        }
        let logger = Logger(label: "crumbs")

        let key = try loadKey(logger: logger)
        let appConfiguration = AppConfiguration(secretKeys: [key])
        try appConfiguration.validate()
        _ = try CrumbsHandler(configuration: appConfiguration)

        let server = HTTPServer(configuration: HTTPServerConfiguration(host: host, port: port)) {
            do {
                return try CrumbsHandler(configuration: appConfiguration)
            } catch {
                // The same construction just succeeded on the main thread.
                fatalError("cannot set up a session serializer: \(error)")
            }
        }
        try server.start()
        try server.stopOnSignals([SIGINT, SIGTERM]) { signal in
            logger.notice("received signal \(signal), stopping")
        }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        print("Crumbs listening on http://\(shownHost):\(server.port)")
        fflush(nil)
        logger.info("serving", metadata: ["host": "\(host)", "port": "\(server.port)"])
        server.wait()
        logger.info("stopped")
    }

    private func loadKey(logger: Logger) throws -> [UInt8] {
        if let path = secretKeyFile ?? getenv("CRUMBS_SECRET_KEY_FILE").map({ String(cString: $0) }) {
            return try SecretKeyFile.read(path)
        }
        let (key, created) = try SecretKeyFile.readOrCreate(SecretKeyFile.defaultPath)
        logger.notice(
            created ? "created a new secret key" : "using the secret key created earlier",
            metadata: ["path": "\(SecretKeyFile.defaultPath)"])
        return key
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

Crumbs.main()
