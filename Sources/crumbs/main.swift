import ArgumentParser
import CrumbsApp
import CrumbsSession
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
        discussion: """
            Crumbs serves the Flask lesson "Cookies and Sessions" on libevent: the session lives \
            in the client, in a cookie signed with HMAC in Flask's own format, so a Flask app and \
            Crumbs that share a secret key read each other's cookies.

            Run without a subcommand to serve.
            """,
        version: "0.2.0",
        subcommands: [Serve.self, Keygen.self, Decode.self, Sign.self],
        defaultSubcommand: Serve.self)
}

/// `--secret-key-file`, shared by every command that needs keys.
struct KeyOptions: ParsableArguments {
    @Option(
        name: .customLong("secret-key-file"),
        help: ArgumentHelp(
            "File holding raw secret key bytes, like Flask's app.secret_key = b\"...\". Repeat to rotate keys: the first signs, all verify.",
            discussion: "Without it: $CRUMBS_SECRET_KEY_FILE, else .crumbs/secret_key.",
            valueName: "path"))
    var paths: [String] = []

    /// The files named on the command line, else the environment's, else nil.
    var explicitPaths: [String]? {
        if !paths.isEmpty { return paths }
        if let path = getenv("CRUMBS_SECRET_KEY_FILE") { return [String(cString: path)] }
        return nil
    }

    func readKeys() throws -> [[UInt8]] {
        try (explicitPaths ?? [SecretKeyFile.defaultPath]).map { try SecretKeyFile.read($0) }
    }
}

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the Crumbs routes (the default command).",
        discussion: """
            Routes:
              GET    /                a page showing your cookies and session, for the dev tools
              GET    /sessions/<key>  show hello, goodnight or count (count increments on each visit)
              PUT    /sessions/<key>  store a JSON value (Content-Type: application/json)
              DELETE /sessions/<key>  remove a value
              GET    /sessions        the whole session
              DELETE /sessions        clear the session and expire its cookie
              GET    /crumbs          set the readable cookie mouse=Cookie
              DELETE /crumbs          expire the mouse cookie

            Prints the URL it listens on. On SIGINT or SIGTERM it stops accepting, lets replies under \
            way finish (--shutdown-grace) and exits 0.
            """)

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on; 0 picks a free one (the URL printed says which).")
    var port = 5555

    @Option(help: "Event loops, each on its own thread and SO_REUSEPORT socket; the default is the number of cores.")
    var threads: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    @OptionGroup var keys: KeyOptions

    @Option(
        help: ArgumentHelp(
            "Cookies signed longer ago are refused: seconds, or a number with s, m, h or d.", valueName: "duration"))
    var sessionLifetime: Duration = Duration(seconds: SessionSerializer.flaskLifetimeSeconds)

    @Flag(help: "Persistent cookies (Expires and Max-Age from the lifetime), refreshed on every session response.")
    var permanent = false

    @Flag(help: "Encrypt session cookies (AES-256-GCM) instead of only signing them; both kinds are read.")
    var encrypt = false

    @Option(help: "Name of the session cookie.")
    var cookieName = "session"

    @Option(help: "Path attribute of the session cookie.")
    var cookiePath = "/"

    @Option(help: "Domain attribute of the session cookie (none by default: this host only).")
    var cookieDomain: String?

    @Flag(help: "Send the session cookie over HTTPS only (Secure).")
    var cookieSecure = false

    @Option(help: "SameSite attribute of the session cookie: Lax, Strict or None (None needs --cookie-secure).")
    var cookieSamesite: SetCookie.SameSite = .lax

    @Flag(help: "Partitioned (CHIPS) session cookie; implies Secure.")
    var cookiePartitioned = false

    @Flag(name: .customLong("no-cookie-httponly"), help: "Let page scripts read the session cookie (not recommended).")
    var noCookieHTTPOnly = false

    @Option(help: "Largest request body accepted, in bytes.")
    var maxBodyBytes = 64 * 1024

    @Option(help: "Largest request head (request line and headers) accepted, in bytes.")
    var maxHeaderBytes = 8 * 1024

    @Option(help: "Seconds a connection may stay silent before it is closed (reading, writing or idle).")
    var timeout = 10

    @Option(help: "Seconds a new connection has to send its first complete request head (default: --timeout).")
    var headTimeout: Int?

    @Option(help: "Connections held at once; beyond it new ones get a 503 and are closed.")
    var maxConnections = 10_000

    @Option(help: "On SIGINT or SIGTERM, seconds replies under way may take to finish (a second signal stops at once).")
    var shutdownGrace = 10

    @Option(help: ArgumentHelp("Write an access log in Common Log Format to a file, or - for standard output.", valueName: "path|-"))
    var accessLog: String?

    @Option(
        name: .customLong("trusted-proxy"),
        help: ArgumentHelp(
            "A proxy address whose X-Forwarded-For and X-Forwarded-Proto are believed; repeat for several. Nobody by default.",
            valueName: "address"))
    var trustedProxies: [String] = []

    @Option(help: ArgumentHelp("Logging level.", valueName: "trace|debug|info|notice|warning|error|critical"))
    var logLevel: Logger.Level = .info

    func run() throws {
        let logger = bootstrapLogging(level: logLevel)
        var appConfiguration = AppConfiguration(
            secretKeys: try loadKeys(logger: logger), sessionLifetimeSeconds: sessionLifetime.seconds,
            sessionMode: encrypt ? .encrypted : .signed, permanentSessions: permanent, sessionCookieName: cookieName,
            sessionCookiePath: cookiePath, sessionCookieDomain: cookieDomain, sessionCookieSecure: cookieSecure,
            sessionCookieHTTPOnly: !noCookieHTTPOnly, sessionCookieSameSite: cookieSamesite,
            sessionCookiePartitioned: cookiePartitioned, maxBodyBytes: maxBodyBytes)
        appConfiguration.trustedProxies = Set(trustedProxies)
        appConfiguration.accessLog = try accessLog.map { try AccessLog(path: $0) }
        let server = try CrumbsServer.make(
            appConfiguration,
            transport: HTTPServerConfiguration(
                host: host, port: port, threads: threads, maxHeaderBytes: maxHeaderBytes, timeoutSeconds: timeout,
                headTimeoutSeconds: headTimeout, maxConnections: maxConnections, shutdownGraceSeconds: shutdownGrace))
        try server.bind()
        try server.stopOnSignals([SIGINT, SIGTERM]) { signal in
            logger.notice("received signal \(signal), stopping: no new connections, finishing replies under way")
        }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        print("Crumbs listening on http://\(shownHost):\(server.port)")
        fflush(nil)
        logger.info(
            "serving",
            metadata: [
                "host": "\(host)", "port": "\(server.port)", "threads": "\(threads)",
                "cookies": "\(appConfiguration.sessionMode.rawValue)", "keys": "\(appConfiguration.secretKeys.count)",
            ])
        try server.run()
        logger.info("stopped")
    }

    private func loadKeys(logger: Logger) throws -> [[UInt8]] {
        if keys.explicitPaths != nil { return try keys.readKeys() }
        let (key, created) = try SecretKeyFile.readOrCreate(SecretKeyFile.defaultPath)
        logger.notice(
            created ? "created a new secret key" : "using the secret key created earlier",
            metadata: ["path": "\(SecretKeyFile.defaultPath)"])
        return [key]
    }
}

struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a new random secret key (32 bytes, mode 0600).",
        discussion: "Refuses to overwrite an existing file. Give the file to serve, sign and decode with --secret-key-file.")

    @Option(help: ArgumentHelp("Where to write the key.", valueName: "path"))
    var out = SecretKeyFile.defaultPath

    func run() throws {
        _ = try SecretKeyFile.createWithFolder(out)
        print("wrote a new \(SecretKeyFile.generatedKeyLength)-byte secret key to \(out) (mode 0600)")
    }
}

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what a session cookie holds, and check it with keys if given.",
        discussion: """
            A signed cookie's payload is readable by anyone who has the cookie: only the signature \
            needs the key. Exits 0 when the cookie would be accepted with the keys given, 1 when it \
            would not (or no key was given), 2 when it is not a session cookie at all.
            """)

    @Argument(help: "The cookie value (a leading session= is ignored).")
    var cookie: String

    @Option(
        name: .customLong("secret-key-file"), help: ArgumentHelp("Key file to verify with; repeat for several.", valueName: "path"))
    var keyFiles: [String] = []

    @Option(help: "Session lifetime to check the age against.")
    var sessionLifetime: Duration = Duration(seconds: SessionSerializer.flaskLifetimeSeconds)

    func run() throws {
        let keys = try keyFiles.map { try SecretKeyFile.read($0) }
        let inspection: CookieInspection
        do {
            inspection = try CookieTools.inspect(
                cookie, secretKeys: keys, lifetimeSeconds: sessionLifetime.seconds, now: AppConfiguration.systemClock())
        } catch {
            printToStandardError("Error: \(error)")
            throw ExitCode(2)
        }
        print(inspection.lines.joined(separator: "\n"))
        if !inspection.accepted { throw ExitCode(1) }
    }
}

struct Sign: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mint a session cookie for curl, ab and wrk.",
        discussion: """
            Example: curl -b "session=$(crumbs sign '{"count": 41}')" http://127.0.0.1:5555/sessions/count
            """)

    @Argument(help: "The session as a JSON object.")
    var json: String

    @OptionGroup var keys: KeyOptions

    @Flag(help: "Mint an encrypted cookie (as serve --encrypt writes).")
    var encrypt = false

    func run() throws {
        let cookie = try CookieTools.sign(
            json: json, secretKeys: try keys.readKeys(), mode: encrypt ? .encrypted : .signed,
            now: AppConfiguration.systemClock())
        print(cookie)
    }
}

/// A length of time on the command line: `3600`, `90s`, `30m`, `12h` or `31d`.
struct Duration: ExpressibleByArgument {
    let seconds: Int64

    init(seconds: Int64) { self.seconds = seconds }

    init?(argument: String) {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        var text = Substring(argument)
        var unit: Int64 = 1
        if let last = text.last, let multiplier = units[last] {
            unit = multiplier
            text = text.dropLast()
        }
        guard let number = Int64(text), number > 0, number <= Int64.max / unit else { return nil }
        seconds = number * unit
    }

    var defaultValueDescription: String { seconds % 86_400 == 0 ? "\(seconds / 86_400)d" : "\(seconds)s" }
}

extension SetCookie.SameSite: ExpressibleByArgument {
    public init?(argument: String) {
        guard let value = Self.allCases.first(where: { $0.rawValue.lowercased() == argument.lowercased() }) else {
            return nil
        }
        self = value
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

func bootstrapLogging(level: Logger.Level) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    return Logger(label: "crumbs")
}

func printToStandardError(_ text: String) {
    let line = Array((text + "\n").utf8)
    _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

Crumbs.main()
