import ArgumentParser
import CrumbsApp

/// `--secret-key-file`, as serve and sign take it: repeatable, with the environment and then
/// the default file as fallbacks.
struct SecretKeyFileOptions: ParsableArguments {
    static let environmentVariable = "CRUMBS_SECRET_KEY_FILE"

    @Option(
        name: .customLong("secret-key-file"),
        help: ArgumentHelp(
            """
            File holding raw secret key bytes, like Flask's app.secret_key = b"...". Repeat to \
            rotate keys: the first signs, all verify. Without it: $\(environmentVariable), else \
            \(SecretKeyFile.defaultPath).
            """, valueName: "path"))
    var paths: [String] = []

    /// The files named on the command line, else by the environment; nil for the default file.
    func named(environment: (String) -> String?) -> [String]? {
        if !paths.isEmpty { return paths }
        return environment(Self.environmentVariable).map { [$0] }
    }
}
