import ArgumentParser
import CrumbsApp
import CrumbsSession

/// `crumbs sign`: a session cookie for curl, ab and wrk.
struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Mint a session cookie for curl, ab and wrk.",
        discussion: """
            Example:
              curl -b "session=$(crumbs sign '{"count": 41}')" localhost:5555/sessions/count
            """)

    @Argument(help: "The session as a JSON object.")
    var json: String

    @OptionGroup var keys: SecretKeyFileOptions

    @Flag(help: "Mint an encrypted cookie (as serve --encrypt writes).")
    var encrypt = false

    func run() throws {
        // As for serve, except that a missing default file is an error, not a new key.
        let paths = keys.named(environment: Environment.value) ?? [SecretKeyFile.defaultPath]
        let secretKeys = try paths.map { try SecretKeyFile.read($0) }
        print(
            try CookieTools.sign(
                json: json, secretKeys: secretKeys, mode: encrypt ? .encrypted : .signed,
                now: AppConfiguration.systemClock()))
    }
}
