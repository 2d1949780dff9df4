import ArgumentParser
import CrumbsApp

/// `crumbs keygen`: a new random key in a file of its own.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Write a new random secret key (32 bytes, mode 0600).",
        discussion: """
            Refuses to overwrite an existing file. Give the file to serve, sign and decode with \
            --secret-key-file.
            """)

    @Option(help: ArgumentHelp("Where to write the key.", valueName: "path"))
    var out = SecretKeyFile.defaultPath

    func run() throws {
        _ = try SecretKeyFile.createWithFolder(out)
        print("wrote a new \(SecretKeyFile.generatedKeyLength)-byte secret key to \(out) (mode 0600)")
    }
}
