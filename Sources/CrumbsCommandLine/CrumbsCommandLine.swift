import CrumbsApp
import CrumbsSession
import Logging

/// What `crumbs ...` was asked to do.
public enum Invocation {
    case serve(ServeOptions)
    case keygen(out: String)
    case decode(DecodeOptions)
    case sign(SignOptions)
    /// `--help` of a command or of crumbs itself: the text to print.
    case help(String)
    case version
}

public struct ServeOptions {
    public var host = "127.0.0.1"
    public var port = 5555
    public var threads: Int
    /// Key files named by `--secret-key-file` or the environment; nil: the default file,
    /// created when missing.
    public var keyFiles: [String]?
    public var sessionLifetimeSeconds = SessionSerializer.flaskLifetimeSeconds
    public var permanent = false
    public var encrypt = false
    public var cookieName = "session"
    public var cookiePath = "/"
    public var cookieDomain: String?
    public var cookieSecure = false
    public var cookieSameSite: SetCookie.SameSite = .lax
    public var cookiePartitioned = false
    public var cookieHTTPOnly = true
    public var maxBodyBytes = 64 * 1024
    public var maxHeaderBytes = 8 * 1024
    public var timeout = 10
    public var headTimeout: Int?
    public var maxConnections = 10_000
    public var shutdownGrace = 10
    public var accessLog: String?
    public var trustedProxies: [String] = []
    public var logLevel: Logger.Level = .info
}

public struct DecodeOptions {
    public var cookie: String
    public var keyFiles: [String]
    public var sessionLifetimeSeconds: Int64
}

public struct SignOptions {
    public var json: String
    /// As for serve, except that a missing default file is an error, not a new key.
    public var keyFiles: [String]?
    public var encrypt: Bool
}

public enum CrumbsCommandLine {
    public static let version = "0.2.0"

    /// Reads the arguments after the program's name. `environment` supplies
    /// `CRUMBS_SECRET_KEY_FILE`; `cores` is the default number of event loops.
    public static func parse(
        _ arguments: [String], environment: (String) -> String?, cores: Int
    ) throws(UsageError) -> Invocation {
        let first = arguments.first
        if first == "--version" { return .version }
        if first == nil || first!.hasPrefix("-") {
            if first == "-h" || first == "--help" { return .help(rootHelp) }
            return try serve(arguments[...], environment: environment, cores: cores)
        }
        let rest = arguments.dropFirst()
        switch first! {
        case "help":
            guard let name = rest.first else { return .help(rootHelp) }
            guard let command = commands.first(where: { $0.name == name }) else {
                throw rootError("Unknown subcommand '\(name)'")
            }
            return .help(HelpText.command(command, commandName: "crumbs \(name)"))
        case serveCommand.name: return try serve(rest, environment: environment, cores: cores)
        case keygenCommand.name:
            guard let parsed = try parsed(keygenCommand, rest) else { return help(keygenCommand) }
            return .keygen(out: parsed.value("out") ?? SecretKeyFile.defaultPath)
        case decodeCommand.name:
            guard let parsed = try parsed(decodeCommand, rest) else { return help(decodeCommand) }
            return .decode(
                DecodeOptions(
                    cookie: parsed.positionals[0], keyFiles: parsed.values("secret-key-file"),
                    sessionLifetimeSeconds: try lifetime(parsed)))
        case signCommand.name:
            guard let parsed = try parsed(signCommand, rest) else { return help(signCommand) }
            return .sign(
                SignOptions(
                    json: parsed.positionals[0], keyFiles: keyFiles(parsed, environment), encrypt: parsed.flag("encrypt")))
        default:
            throw rootError("Unknown subcommand '\(first!)'")
        }
    }

    private static func serve(
        _ arguments: ArraySlice<String>, environment: (String) -> String?, cores: Int
    ) throws(UsageError) -> Invocation {
        guard let parsed = try parsed(serveCommand, arguments) else { return help(serveCommand) }
        var options = ServeOptions(threads: cores)
        options.host = parsed.value("host") ?? options.host
        options.port = try parsed.value("port", default: options.port) { Int($0) }
        options.threads = try parsed.value("threads", default: options.threads) { Int($0) }
        options.keyFiles = keyFiles(parsed, environment)
        options.sessionLifetimeSeconds = try lifetime(parsed)
        options.permanent = parsed.flag("permanent")
        options.encrypt = parsed.flag("encrypt")
        options.cookieName = parsed.value("cookie-name") ?? options.cookieName
        options.cookiePath = parsed.value("cookie-path") ?? options.cookiePath
        options.cookieDomain = parsed.value("cookie-domain")
        options.cookieSecure = parsed.flag("cookie-secure")
        options.cookieSameSite = try parsed.value("cookie-samesite", default: options.cookieSameSite) { text in
            SetCookie.SameSite.allCases.first { $0.rawValue.lowercased() == text.lowercased() }
        }
        options.cookiePartitioned = parsed.flag("cookie-partitioned")
        options.cookieHTTPOnly = !parsed.flag("no-cookie-httponly")
        options.maxBodyBytes = try parsed.value("max-body-bytes", default: options.maxBodyBytes) { Int($0) }
        options.maxHeaderBytes = try parsed.value("max-header-bytes", default: options.maxHeaderBytes) { Int($0) }
        options.timeout = try parsed.value("timeout", default: options.timeout) { Int($0) }
        options.headTimeout = try parsed.value("head-timeout", default: nil) { Int($0) }
        options.maxConnections = try parsed.value("max-connections", default: options.maxConnections) { Int($0) }
        options.shutdownGrace = try parsed.value("shutdown-grace", default: options.shutdownGrace) { Int($0) }
        options.accessLog = parsed.value("access-log")
        options.trustedProxies = parsed.values("trusted-proxy")
        options.logLevel = try parsed.value("log-level", default: options.logLevel) { Logger.Level(rawValue: $0) }
        return .serve(options)
    }

    /// The command's arguments, or nil when it was asked for help.
    private static func parsed(_ command: CommandSpec, _ arguments: ArraySlice<String>) throws(UsageError)
        -> ParsedArguments?
    {
        switch try command.parse(arguments, commandName: "crumbs \(command.name)") {
        case .parsed(let parsed): return parsed
        case .help: return nil
        }
    }

    private static func help(_ command: CommandSpec) -> Invocation {
        .help(HelpText.command(command, commandName: "crumbs \(command.name)"))
    }

    private static func keyFiles(_ parsed: ParsedArguments, _ environment: (String) -> String?) -> [String]? {
        let named = parsed.values("secret-key-file")
        if !named.isEmpty { return named }
        return environment("CRUMBS_SECRET_KEY_FILE").map { [$0] }
    }

    private static func lifetime(_ parsed: ParsedArguments) throws(UsageError) -> Int64 {
        try parsed.value("session-lifetime", default: SessionSerializer.flaskLifetimeSeconds, lifetimeSeconds)
    }

    private static func rootError(_ message: String) -> UsageError {
        UsageError(message: message, commandName: "crumbs", usage: "crumbs <subcommand>")
    }

    /// `3600`, `90s`, `30m`, `12h` or `31d` in seconds; nil for anything else, zero or negative.
    static func lifetimeSeconds(_ text: String) -> Int64? {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        var digits = Substring(text)
        var unit: Int64 = 1
        if let last = digits.last, let multiplier = units[last] {
            unit = multiplier
            digits = digits.dropLast()
        }
        guard let number = Int64(digits), number > 0, number <= Int64.max / unit else { return nil }
        return number * unit
    }

    static func describeLifetime(_ seconds: Int64) -> String {
        seconds % 86_400 == 0 ? "\(seconds / 86_400)d" : "\(seconds)s"
    }
}
