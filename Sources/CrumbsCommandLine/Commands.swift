import CrumbsApp
import CrumbsSession
import Logging

/// The texts and options of crumbs' commands, as `--help` shows them.
extension CrumbsCommandLine {
    static let commands = [serveCommand, keygenCommand, decodeCommand, signCommand]

    static let rootHelp = HelpText.root(
        name: "crumbs",
        abstract: "Cookie-based sessions over HTTP, compatible with Flask's signed session cookies.",
        discussion: """
            Crumbs serves the Flask lesson "Cookies and Sessions" on libevent: the session lives in
            the client, in a cookie signed with HMAC in Flask's own format, so a Flask app and
            Crumbs that share a secret key read each other's cookies.

            Run without a subcommand to serve.
            """,
        subcommands: commands, defaultSubcommand: serveCommand.name)

    static let keyFileOption = OptionSpec.option(
        "secret-key-file", valueName: "path",
        help: """
            File holding raw secret key bytes, like Flask's app.secret_key = b"...". Repeat to rotate \
            keys: the first signs, all verify. Without it: $CRUMBS_SECRET_KEY_FILE, else \
            \(SecretKeyFile.defaultPath).
            """,
        repeatable: true)

    static let lifetimeOption = OptionSpec.option(
        "session-lifetime", valueName: "duration",
        help: "Cookies signed longer ago are refused: seconds, or a number with s, m, h or d.",
        default: describeLifetime(SessionSerializer.flaskLifetimeSeconds))

    static let serveCommand = CommandSpec(
        name: "serve",
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

            Prints the URL it listens on. On SIGINT or SIGTERM it stops accepting, lets replies
            under way finish (--shutdown-grace) and exits 0.
            """,
        options: [
            .option("host", help: "Address to listen on.", default: "127.0.0.1"),
            .option("port", help: "Port to listen on; 0 picks a free one (the URL printed says which).", default: "5555"),
            .option(
                "threads", valueName: "count",
                help: "Event loops, each on its own thread and SO_REUSEPORT socket.",
                default: "the number of cores"),
            keyFileOption,
            lifetimeOption,
            .flag("permanent", help: "Persistent cookies (Expires and Max-Age from the lifetime), refreshed on every session response."),
            .flag("encrypt", help: "Encrypt session cookies (AES-256-GCM) instead of only signing them; both kinds are read."),
            .option("cookie-name", valueName: "name", help: "Name of the session cookie.", default: "session"),
            .option("cookie-path", valueName: "path", help: "Path attribute of the session cookie.", default: "/"),
            .option("cookie-domain", valueName: "domain", help: "Domain attribute of the session cookie (none by default: this host only)."),
            .flag("cookie-secure", help: "Send the session cookie over HTTPS only (Secure)."),
            .option(
                "cookie-samesite", valueName: "Lax|Strict|None",
                help: "SameSite attribute of the session cookie (None needs --cookie-secure).", default: "Lax"),
            .flag("cookie-partitioned", help: "Partitioned (CHIPS) session cookie; implies Secure."),
            .flag("no-cookie-httponly", help: "Let page scripts read the session cookie (not recommended)."),
            .option("max-body-bytes", valueName: "bytes", help: "Largest request body accepted.", default: "65536"),
            .option(
                "max-header-bytes", valueName: "bytes",
                help: "Largest request head (request line and headers) accepted.", default: "8192"),
            .option(
                "timeout", valueName: "seconds",
                help: "Seconds a connection may stay silent before it is closed (reading, writing or idle).",
                default: "10"),
            .option(
                "head-timeout", valueName: "seconds",
                help: "Seconds a new connection has to send its first complete request head.", default: "--timeout"),
            .option(
                "max-connections", valueName: "count",
                help: "Connections held at once; beyond it new ones get a 503 and are closed.", default: "10000"),
            .option(
                "shutdown-grace", valueName: "seconds",
                help: "On SIGINT or SIGTERM, seconds replies under way may take to finish (a second signal stops at once).",
                default: "10"),
            .option(
                "access-log", valueName: "path|-",
                help: "Write an access log in Common Log Format to a file, or - for standard output."),
            .option(
                "trusted-proxy", valueName: "address",
                help: "A proxy address whose X-Forwarded-For and X-Forwarded-Proto are believed; repeat for several. Nobody by default.",
                repeatable: true),
            .option(
                "log-level", valueName: Logger.Level.allCases.map(\.rawValue).joined(separator: "|"),
                help: "Logging level.", default: "info"),
        ])

    static let keygenCommand = CommandSpec(
        name: "keygen",
        abstract: "Write a new random secret key (32 bytes, mode 0600).",
        discussion: """
            Refuses to overwrite an existing file. Give the file to serve, sign and decode with
            --secret-key-file.
            """,
        options: [.option("out", valueName: "path", help: "Where to write the key.", default: SecretKeyFile.defaultPath)])

    static let decodeCommand = CommandSpec(
        name: "decode",
        abstract: "Show what a session cookie holds, and check it with keys if given.",
        discussion: """
            A signed cookie's payload is readable by anyone who has the cookie: only the signature
            needs the key. Exits 0 when the cookie would be accepted with the keys given, 1 when it
            would not (or no key was given), 2 when it is not a session cookie at all.
            """,
        arguments: [ArgumentSpec("cookie", help: "The cookie value (a leading session= is ignored).")],
        options: [
            .option("secret-key-file", valueName: "path", help: "Key file to verify with; repeat for several.", repeatable: true),
            lifetimeOption,
        ])

    static let signCommand = CommandSpec(
        name: "sign",
        abstract: "Mint a session cookie for curl, ab and wrk.",
        discussion: """
            Example:
              curl -b "session=$(crumbs sign '{"count": 41}')" localhost:5555/sessions/count
            """,
        arguments: [ArgumentSpec("json", help: "The session as a JSON object.")],
        options: [keyFileOption, .flag("encrypt", help: "Mint an encrypted cookie (as serve --encrypt writes).")])
}
