import ArgumentParser
import CrumbsApp
import CrumbsSession

/// `crumbs decode`: what a cookie holds, and whether these keys would accept it.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Show what a session cookie holds, and check it with keys if given.",
        // Wrapped by hand: the generated line is 92 columns.
        usage: """
            crumbs decode <cookie> [--secret-key-file <path> ...]
                          [--session-lifetime <duration>]
            """,
        discussion: """
            A signed cookie's payload is readable by anyone who has the cookie: only the \
            signature needs the key. Exits 0 when the cookie would be accepted with the keys \
            given, 1 when it would not (or no key was given), 2 when it is not a session cookie \
            at all.
            """)

    @Argument(help: "The cookie value (a leading session= is ignored).")
    var cookie: String

    @Option(
        name: .customLong("secret-key-file"),
        help: ArgumentHelp("Key file to verify with; repeat for several.", valueName: "path"))
    var keyFiles: [String] = []

    @OptionGroup var lifetimeOption: SessionLifetimeOption

    func run() throws {
        let keys = try keyFiles.map { try SecretKeyFile.read($0) }
        let inspection: CookieInspection
        do {
            inspection = try CookieTools.inspect(
                cookie, secretKeys: keys, lifetimeSeconds: lifetimeOption.lifetime.seconds, now: AppConfiguration.systemClock())
        } catch {
            StandardError.write("Error: \(error)")
            throw ExitCode(2)
        }
        print(inspection.lines.joined(separator: "\n"))
        if !inspection.accepted { throw ExitCode(1) }
    }
}
