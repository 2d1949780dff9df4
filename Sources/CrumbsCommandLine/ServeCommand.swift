import ArgumentParser
import CrumbsApp
import CrumbsSession
import EventHTTP
import Glibc
import Logging
import RedisClient

/// `crumbs serve`, the default command.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the Crumbs routes (the default command).",
        discussion: """
            Routes:
              GET    /                a page showing your cookies and session, for dev tools
              GET    /sessions/<key>  hello, goodnight or count (a visit to count adds 1)
              PUT    /sessions/<key>  store a JSON value (Content-Type: application/json)
              DELETE /sessions/<key>  remove a value
              GET    /sessions        the whole session
              DELETE /sessions        clear the session and expire its cookie
              GET    /crumbs          set the readable cookie mouse=Cookie
              DELETE /crumbs          expire the mouse cookie

            Prints the URL it listens on. On SIGINT or SIGTERM it stops accepting, lets replies \
            under way finish (--shutdown-grace) and exits 0. Every option is checked before \
            anything is read or written: a wrong one exits 64 and leaves no key file behind.
            """)

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on; 0 picks a free one (the URL printed says which).")
    var port = 5555

    @Option(
        help: ArgumentHelp(
            "Event loops, each on its own thread and SO_REUSEPORT socket (default: the number of cores).",
            valueName: "count"))
    var threads: Int?

    @OptionGroup var keys: SecretKeyFileOptions

    @OptionGroup var lifetimeOption: SessionLifetimeOption

    @Flag(help: "Persistent cookies (Expires and Max-Age from the lifetime), refreshed on every session response.")
    var permanent = false

    @Flag(help: "Encrypt session cookies (AES-256-GCM) instead of only signing them; both kinds are read.")
    var encrypt = false

    @Option(name: .customLong("cookie-name"), help: ArgumentHelp("Name of the session cookie.", valueName: "name"))
    var cookieName = "session"

    @Option(name: .customLong("cookie-path"), help: ArgumentHelp("Path attribute of the session cookie.", valueName: "path"))
    var cookiePath = "/"

    @Option(
        name: .customLong("cookie-domain"),
        help: ArgumentHelp("Domain attribute of the session cookie (none by default: this host only).", valueName: "domain"))
    var cookieDomain: String?

    @Flag(name: .customLong("cookie-secure"), help: "Send the session cookie over HTTPS only (Secure).")
    var cookieSecure = false

    @Option(
        name: .customLong("cookie-samesite"),
        help: ArgumentHelp("SameSite attribute of the session cookie (None needs --cookie-secure).", valueName: "Lax|Strict|None"))
    var cookieSameSite: SetCookie.SameSite = .lax

    @Flag(name: .customLong("cookie-partitioned"), help: "Partitioned (CHIPS) session cookie; implies Secure.")
    var cookiePartitioned = false

    @Flag(name: .customLong("no-cookie-httponly"), help: "Let page scripts read the session cookie (not recommended).")
    var noCookieHTTPOnly = false

    @Option(name: .customLong("max-body-bytes"), help: ArgumentHelp("Largest request body accepted.", valueName: "bytes"))
    var maxBodyBytes = 64 * 1024

    @Option(
        name: .customLong("max-header-bytes"),
        help: ArgumentHelp("Largest request head (request line and headers) accepted.", valueName: "bytes"))
    var maxHeaderBytes = 8 * 1024

    @Option(
        help: ArgumentHelp(
            "Seconds a connection may stay silent before it is closed (reading, writing or idle).", valueName: "seconds"))
    var timeout = 10

    @Option(
        name: .customLong("head-timeout"),
        help: ArgumentHelp(
            "Seconds a new connection has to send its first complete request head (default: --timeout).",
            valueName: "seconds"))
    var headTimeout: Int?

    @Option(
        name: .customLong("max-connections"),
        help: ArgumentHelp("Connections held at once; beyond it new ones get a 503 and are closed.", valueName: "count"))
    var maxConnections = 10_000

    @Option(
        name: .customLong("shutdown-grace"),
        help: ArgumentHelp(
            "On SIGINT or SIGTERM, seconds replies under way may take to finish (a second signal stops at once).",
            valueName: "seconds"))
    var shutdownGrace = 10

    @Option(
        name: .customLong("access-log"),
        help: ArgumentHelp("Write an access log in Common Log Format to a file, or - for standard output.", valueName: "path|-"))
    var accessLog: String?

    @Option(
        name: .customLong("trusted-proxy"),
        help: ArgumentHelp(
            "A proxy address whose X-Forwarded-For and X-Forwarded-Proto are believed; repeat for several. Nobody by default.",
            valueName: "address"))
    var trustedProxies: [String] = []

    @Option(name: .customLong("log-level"), help: "Logging level.")
    var logLevel: Logger.Level = .info

    @Option(
        help: ArgumentHelp(
            """
            Keep sessions in Redis as Flask-Session 0.8 does (the cookie holds only an id): \
            redis://HOST:PORT[/DB] or unix:///PATH/redis.sock[?db=N]. Without it the session \
            is the signed cookie.
            """, valueName: "url"))
    var store: String?

    @Option(
        name: .customLong("store-password-file"),
        help: ArgumentHelp("File holding Redis' password (AUTH), mode 0600; one trailing newline is ignored.", valueName: "path"))
    var storePasswordFile: String?

    @Option(
        name: .customLong("store-key-prefix"),
        help: ArgumentHelp("Prefix of the Redis keys, Flask-Session's SESSION_KEY_PREFIX.", valueName: "prefix"))
    var storeKeyPrefix = "session:"

    @Option(
        name: .customLong("store-timeout"),
        help: ArgumentHelp(
            "How long a request waits on Redis before a 503: \(StoreTimeout.accepted). (default: 500ms)", valueName: "duration"),
        transform: { try StoreTimeout(parsing: $0) })
    var storeTimeout = StoreTimeout(seconds: 0.5)

    @Option(
        name: .customLong("store-max-in-flight"),
        help: ArgumentHelp(
            "Commands each event loop may have waiting on Redis; past it requests get a 503 at once.", valueName: "count"))
    var storeMaxInFlight = 1024

    @Option(
        name: .customLong("max-session-bytes"),
        help: ArgumentHelp("Largest session kept in Redis; a change past it gets a 413.", valueName: "bytes"))
    var maxSessionBytes = 64 * 1024

    /// Every setting, checked before any file is read or created.
    func validate() throws {
        guard (0...65535).contains(port) else {
            throw ValidationError("--port must be 0 to 65535 (0 picks a free port), not \(port)")
        }
        if let threads, !(1...1024).contains(threads) { throw ValidationError("--threads must be 1 to 1024, not \(threads)") }
        for (name, value, least) in [
            ("--max-body-bytes", maxBodyBytes, 1), ("--max-header-bytes", maxHeaderBytes, 256), ("--timeout", timeout, 1),
            ("--head-timeout", headTimeout ?? timeout, 1), ("--max-connections", maxConnections, 1),
            ("--shutdown-grace", shutdownGrace, 0),
        ] where value < least {
            throw ValidationError("\(name) must be at least \(least), not \(value)")
        }
        do {
            try appConfiguration(secretKeys: []).validateSettings()
        } catch {
            throw ValidationError(error.description)
        }
        if store == nil {
            for (given, name) in [(storePasswordFile != nil, "--store-password-file")] where given {
                throw ValidationError("\(name) needs --store")
            }
        } else {
            _ = try storeEndpoint()
            guard maxSessionBytes >= 64 else { throw ValidationError("--max-session-bytes must be at least 64, not \(maxSessionBytes)") }
            guard !storeKeyPrefix.isEmpty else { throw ValidationError("--store-key-prefix cannot be empty") }
            guard storeMaxInFlight >= 1 else { throw ValidationError("--store-max-in-flight must be at least 1") }
        }
    }

    /// `--store`'s endpoint, its host name resolved now, once.
    private func storeEndpoint() throws(ValidationError) -> RedisEndpoint? {
        guard let store else { return nil }
        do {
            return try RedisEndpoint.parse(store)
        } catch {
            throw ValidationError("--store: \(error.description)")
        }
    }

    func run() throws {
        let logger = Self.bootstrapLogging(level: logLevel)
        var app = appConfiguration(secretKeys: try loadKeys(logger: logger))
        app.trustedProxies = Set(trustedProxies)
        app.accessLog = try accessLog.map { try AccessLog(path: $0) }
        if var endpoint = try storeEndpoint() {
            endpoint.password = try storePasswordFile.map { try SecretKeyFile.readPassword($0) }
            app.store = SessionStoreSettings(
                endpoint: endpoint, keyPrefix: storeKeyPrefix, timeoutSeconds: storeTimeout.seconds,
                maxSessionBytes: maxSessionBytes, maxInFlight: storeMaxInFlight)
        }
        let threads = threads ?? max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let server = try CrumbsServer.make(
            app,
            transport: HTTPServerConfiguration(
                host: host, port: port, threads: threads, maxHeaderBytes: maxHeaderBytes, timeoutSeconds: timeout,
                headTimeoutSeconds: headTimeout, maxConnections: maxConnections, shutdownGraceSeconds: shutdownGrace),
            stopOnSignals: [SIGINT, SIGTERM],
            onSignal: { signal in
                logger.notice("received signal \(signal), stopping: no new connections, finishing replies under way")
            })
        do {
            try server.bind()
        } catch {
            guard error.code == EADDRINUSE else { throw error }
            throw ConfigurationError(
                "\(error); another server is listening there: choose another port with --port, or --port 0 for any free one")
        }
        if !CrumbsServer.evhttpRefusalsAreJSON {
            logger.warning(
                """
                this libevent does not let Crumbs replace evhttp_send_error: requests evhttp refuses itself \
                (unreadable heads, bodies over the limit, unknown methods) get its HTML pages
                """)
        }
        let shownHost = host.contains(":" as Character) ? "[\(host)]" : host
        print("Crumbs listening on http://\(shownHost):\(server.port)")
        fflush(nil)
        logger.info(
            "serving",
            metadata: [
                "host": "\(host)", "port": "\(server.port)", "threads": "\(threads)",
                "cookies": "\(app.sessionMode.rawValue)", "keys": "\(app.secretKeys.count)",
                "store": "\(app.store.map { "\($0.endpoint) (key prefix \($0.keyPrefix))" } ?? "none: sessions in signed cookies")",
            ])
        try server.run()
        app.accessLog?.finish()
        logger.info("stopped")
    }

    func appConfiguration(secretKeys: [[UInt8]]) -> AppConfiguration {
        AppConfiguration(
            secretKeys: secretKeys, sessionLifetimeSeconds: lifetimeOption.lifetime.seconds, sessionMode: encrypt ? .encrypted : .signed,
            permanentSessions: permanent, sessionCookieName: cookieName, sessionCookiePath: cookiePath,
            sessionCookieDomain: cookieDomain, sessionCookieSecure: cookieSecure, sessionCookieHTTPOnly: !noCookieHTTPOnly,
            sessionCookieSameSite: cookieSameSite, sessionCookiePartitioned: cookiePartitioned, maxBodyBytes: maxBodyBytes)
    }

    /// The named key files; without any, the default file, created on first use. Says which
    /// file the key came from: a server started from another folder would otherwise make a
    /// new key there and silently log everyone out.
    private func loadKeys(logger: Logger) throws -> [[UInt8]] {
        if let paths = keys.named(environment: Environment.value) {
            let loaded = try paths.map { try SecretKeyFile.read($0) }
            logger.notice("using the secret key files given", metadata: ["paths": "\(paths.map(SecretKeyFile.absolute))"])
            return loaded
        }
        let path = SecretKeyFile.defaultPath
        let (key, created) = try SecretKeyFile.readOrCreate(path)
        logger.notice(
            created ? "created a new secret key" : "using the secret key created earlier",
            metadata: ["path": "\(SecretKeyFile.absolute(path))"])
        return [key]
    }

    private static func bootstrapLogging(level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "crumbs")
    }
}
