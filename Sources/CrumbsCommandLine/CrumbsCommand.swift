import ArgumentParser

/// `crumbs`: serves by default; `keygen`, `decode` and `sign` are the tools around it.
public struct CrumbsCommand: ParsableCommand {
    public static let version = "0.3.0"

    public static let configuration = CommandConfiguration(
        commandName: "crumbs",
        abstract: "Cookie-based sessions over HTTP, compatible with Flask's signed session cookies.",
        discussion: """
            Crumbs serves the Flask lesson "Cookies and Sessions" on libevent: the session lives \
            in the client, in a cookie signed with HMAC in Flask's own format, so a Flask app \
            and Crumbs that share a secret key read each other's cookies.

            Run without a subcommand to serve.

            Exit status: 0 on success; 64 when the command line is wrong (an unknown option, \
            a missing argument or a value out of range), before anything is read or written; \
            1 when something fails while running (a key file, the port); decode also uses 1 \
            and 2, as its help says.
            """,
        version: version,
        subcommands: [ServeCommand.self, KeygenCommand.self, DecodeCommand.self, SignCommand.self],
        defaultSubcommand: ServeCommand.self)

    public init() {}
}
