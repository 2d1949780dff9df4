import CrumbsApp
import CrumbsCommandLine
import CrumbsSession
import EventHTTP
import Logging

import Glibc

func serve(_ options: ServeOptions) throws {
    let logger = bootstrapLogging(level: options.logLevel)
    var appConfiguration = AppConfiguration(
        secretKeys: try loadKeys(options.keyFiles, logger: logger),
        sessionLifetimeSeconds: options.sessionLifetimeSeconds, sessionMode: options.encrypt ? .encrypted : .signed,
        permanentSessions: options.permanent, sessionCookieName: options.cookieName,
        sessionCookiePath: options.cookiePath, sessionCookieDomain: options.cookieDomain,
        sessionCookieSecure: options.cookieSecure, sessionCookieHTTPOnly: options.cookieHTTPOnly,
        sessionCookieSameSite: options.cookieSameSite, sessionCookiePartitioned: options.cookiePartitioned,
        maxBodyBytes: options.maxBodyBytes)
    appConfiguration.trustedProxies = Set(options.trustedProxies)
    appConfiguration.accessLog = try options.accessLog.map { try AccessLog(path: $0) }
    let server = try CrumbsServer.make(
        appConfiguration,
        transport: HTTPServerConfiguration(
            host: options.host, port: options.port, threads: options.threads, maxHeaderBytes: options.maxHeaderBytes,
            timeoutSeconds: options.timeout, headTimeoutSeconds: options.headTimeout,
            maxConnections: options.maxConnections, shutdownGraceSeconds: options.shutdownGrace),
        stopOnSignals: [SIGINT, SIGTERM],
        onSignal: { signal in
            logger.notice("received signal \(signal), stopping: no new connections, finishing replies under way")
        })
    try server.bind()
    let shownHost = options.host.contains(":" as Character) ? "[\(options.host)]" : options.host
    print("Crumbs listening on http://\(shownHost):\(server.port)")
    fflush(nil)
    logger.info(
        "serving",
        metadata: [
            "host": "\(options.host)", "port": "\(server.port)", "threads": "\(options.threads)",
            "cookies": "\(appConfiguration.sessionMode.rawValue)", "keys": "\(appConfiguration.secretKeys.count)",
        ])
    try server.run()
    appConfiguration.accessLog?.finish()
    logger.info("stopped")
}

/// The named key files; without any, the default file, created on first use.
func loadKeys(_ keyFiles: [String]?, logger: Logger) throws -> [[UInt8]] {
    if let keyFiles { return try keyFiles.map { try SecretKeyFile.read($0) } }
    let (key, created) = try SecretKeyFile.readOrCreate(SecretKeyFile.defaultPath)
    logger.notice(
        created ? "created a new secret key" : "using the secret key created earlier",
        metadata: ["path": "\(SecretKeyFile.defaultPath)"])
    return [key]
}

func keygen(out: String) throws {
    _ = try SecretKeyFile.createWithFolder(out)
    print("wrote a new \(SecretKeyFile.generatedKeyLength)-byte secret key to \(out) (mode 0600)")
}

/// Exit status 0 when the cookie would be accepted, 1 when not, 2 when it is no session cookie.
func decode(_ options: DecodeOptions) throws -> Int32 {
    let keys = try options.keyFiles.map { try SecretKeyFile.read($0) }
    let inspection: CookieInspection
    do {
        inspection = try CookieTools.inspect(
            options.cookie, secretKeys: keys, lifetimeSeconds: options.sessionLifetimeSeconds,
            now: AppConfiguration.systemClock())
    } catch {
        printToStandardError("Error: \(error)")
        return 2
    }
    print(inspection.lines.joined(separator: "\n"))
    return inspection.accepted ? 0 : 1
}

func sign(_ options: SignOptions) throws {
    let keys = try (options.keyFiles ?? [SecretKeyFile.defaultPath]).map { try SecretKeyFile.read($0) }
    print(
        try CookieTools.sign(
            json: options.json, secretKeys: keys, mode: options.encrypt ? .encrypted : .signed,
            now: AppConfiguration.systemClock()))
}

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

func run() -> Int32 {
    let invocation: Invocation
    do {
        invocation = try CrumbsCommandLine.parse(
            Array(CommandLine.arguments.dropFirst()),
            environment: { name in getenv(name).map { String(cString: $0) } },
            cores: max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
    } catch {
        printToStandardError(error.description)
        return UsageError.exitStatus
    }
    do {
        switch invocation {
        case .serve(let options): try serve(options)
        case .keygen(let out): try keygen(out: out)
        case .decode(let options): return try decode(options)
        case .sign(let options): try sign(options)
        case .help(let text): print(text)
        case .version: print(CrumbsCommandLine.version)
        }
        return 0
    } catch {
        printToStandardError("Error: \(error)")
        return 1
    }
}

exit(run())
