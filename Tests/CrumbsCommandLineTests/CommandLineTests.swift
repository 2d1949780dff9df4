import ArgumentParser
import CrumbsSession
import Testing

@testable import CrumbsCommandLine

@Suite struct CommandLineTests {
    /// The subcommand a command line reaches, as `crumbs` would run it.
    private func command(_ arguments: [String]) throws -> ParsableCommand {
        try CrumbsCommand.parseAsRoot(arguments)
    }

    private func serve(_ arguments: [String]) throws -> ServeCommand {
        try #require(try command(arguments) as? ServeCommand, "\(arguments) did not parse as serve")
    }

    /// The message and exit status `crumbs` would print and exit with.
    private func refusal(_ arguments: [String]) -> (message: String, status: Int32)? {
        do {
            _ = try command(arguments)
            return nil
        } catch {
            return (CrumbsCommand.message(for: error), CrumbsCommand.exitCode(for: error).rawValue)
        }
    }

    @Test func servesByDefaultWithTheDocumentedDefaults() throws {
        for arguments in [[], ["serve"]] {
            let options = try serve(arguments)
            #expect(options.host == "127.0.0.1" && options.port == 5555 && options.threads == nil)
            #expect(options.keys.paths.isEmpty && options.keys.named(environment: { _ in nil }) == nil)
            #expect(options.lifetimeOption.lifetime.seconds == SessionSerializer.flaskLifetimeSeconds)
            #expect(options.cookieSameSite == .lax && !options.noCookieHTTPOnly && !options.encrypt && !options.permanent)
            #expect(options.timeout == 10 && options.headTimeout == nil && options.maxConnections == 10_000)
            #expect(options.logLevel == .info && options.accessLog == nil && options.trustedProxies.isEmpty)
        }
    }

    @Test func readsValuesSpacedOrAfterAnEqualsSign() throws {
        let options = try serve([
            "--port", "0", "--host=::1", "--threads=1", "--cookie-samesite", "strict", "--session-lifetime", "12h",
            "--encrypt", "--no-cookie-httponly", "--head-timeout", "2", "--access-log", "-", "--log-level", "debug",
            "--cookie-domain", "example.com",
        ])
        #expect(options.port == 0 && options.host == "::1" && options.threads == 1)
        #expect(options.cookieSameSite == .strict && options.lifetimeOption.lifetime.seconds == 43_200)
        #expect(options.encrypt && options.noCookieHTTPOnly && options.headTimeout == 2)
        #expect(options.accessLog == "-" && options.logLevel == .debug && options.cookieDomain == "example.com")
    }

    @Test func repeatableOptionsKeepEveryValueOthersTheLast() throws {
        let options = try serve([
            "--secret-key-file", "new", "--secret-key-file=old", "--trusted-proxy", "10.0.0.1",
            "--trusted-proxy", "10.0.0.2", "--port", "1", "--port", "2",
        ])
        #expect(options.keys.paths == ["new", "old"])
        #expect(options.trustedProxies == ["10.0.0.1", "10.0.0.2"])
        #expect(options.port == 2)
    }

    @Test func theEnvironmentNamesTheKeyFileWhenTheCommandLineDoesNot() throws {
        let environment = ["CRUMBS_SECRET_KEY_FILE": "/etc/crumbs/key"]
        #expect(try serve([]).keys.named(environment: { environment[$0] }) == ["/etc/crumbs/key"])
        #expect(try serve(["--secret-key-file", "mine"]).keys.named(environment: { environment[$0] }) == ["mine"])
        let sign = try #require(try command(["sign", "{}"]) as? SignCommand)
        #expect(sign.keys.named(environment: { environment[$0] }) == ["/etc/crumbs/key"] && sign.json == "{}" && !sign.encrypt)
    }

    @Test func subcommandsTakeTheirArguments() throws {
        let decode = try #require(
            try command(["decode", "session=abc", "--secret-key-file", "k", "--session-lifetime", "90s"]) as? DecodeCommand)
        #expect(decode.cookie == "session=abc" && decode.keyFiles == ["k"] && decode.lifetimeOption.lifetime.seconds == 90)
        let keygen = try #require(try command(["keygen", "--out", "keys/k1"]) as? KeygenCommand)
        #expect(keygen.out == "keys/k1")
        let sign = try #require(try command(["sign", "--encrypt", "--", "-1"]) as? SignCommand, "-- did not end the options")
        #expect(sign.json == "-1" && sign.encrypt)
    }

    /// One rule: every command line that cannot run exits 64, naming the problem, whether the
    /// option is unknown, its value unreadable or out of range.
    @Test func refusesWhatItCannotRunWithStatus64NamingTheProblem() {
        let cases: [([String], String)] = [
            (["--port", "abc"], "The value 'abc' is invalid for '--port <port>'"),
            (["--port", "99999"], "--port must be 0 to 65535 (0 picks a free port), not 99999"),
            (["--port=-1"], "--port must be 0 to 65535"),
            (["--threads", "0"], "--threads must be 1 to 1024, not 0"),
            (["--timeout", "0"], "--timeout must be at least 1, not 0"),
            (["--max-body-bytes", "0"], "--max-body-bytes must be at least 1, not 0"),
            (["--bogus"], "Unknown option '--bogus'"),
            (["--port"], "Missing value for '--port <port>'"),
            (["--encrypt=yes"], "--encrypt"),
            (["--cookie-samesite", "sometimes"], "The value 'sometimes' is invalid for '--cookie-samesite <Lax|Strict|None>'"),
            (["--cookie-samesite", "None"], "SameSite=None needs --cookie-secure"),
            (["--cookie-name", "a b"], "the cookie name must be an RFC 6265 token"),
            (["--cookie-path", "x"], "the cookie path must start with /"),
            (["--session-lifetime", "0"], "The value '0' is invalid for '--session-lifetime <duration>'"),
            (["--session-lifetime", "2w"], "followed by s, m, h or d (90s, 30m, 12h, 31d)"),
            (["--session-lifetime", "999999999999999999d"], "The value '999999999999999999d' is invalid"),
            (["--log-level", "loud"], "The value 'loud' is invalid for '--log-level <log-level>'"),
            (["serve", "extra"], "Unexpected argument 'extra'"),
            (["sign"], "Missing expected argument '<json>'"),
            (["decode", "a", "b"], "Unexpected argument 'b'"),
        ]
        for (arguments, message) in cases {
            let refused = refusal(arguments)
            #expect(refused?.message.contains(message) == true, "\(arguments): \(refused?.message ?? "accepted")")
            #expect(refused?.status == 64, "\(arguments)")
        }
    }

    @Test func durationsReadAsDocumented() throws {
        let cases: [(String, Int64)] = [("3600", 3600), ("90s", 90), ("30m", 1800), ("12h", 43_200), ("31d", 2_678_400)]
        for (text, seconds) in cases {
            #expect(try SessionLifetime(parsing: text).seconds == seconds)
        }
        for text in ["", "d", "-5", "0s", "1.5h", "2w", "5 m"] {
            #expect(throws: ValidationError.self, "\(text)") { try SessionLifetime(parsing: text) }
        }
        #expect(SessionLifetime.flask.description == "31d" && SessionLifetime(seconds: 90).description == "90s")
    }

    @Test func helpIsShownWhereverItIsAskedForAndFitsEightyColumns() throws {
        let root = CrumbsCommand.helpMessage(columns: 80)
        #expect(root.contains("USAGE: crumbs <subcommand>"))
        #expect(root.contains("64 when the command line is wrong"))
        for command in ["serve (default)", "keygen", "decode", "sign"] { #expect(root.contains("  \(command)")) }
        let subcommands: [(ParsableCommand.Type, [String])] = [
            (ServeCommand.self, ["--port", "--secret-key-file", "--session-lifetime", "--access-log", "--trusted-proxy"]),
            (KeygenCommand.self, ["--out"]),
            (DecodeCommand.self, ["--secret-key-file", "--session-lifetime"]),
            (SignCommand.self, ["--secret-key-file", "--encrypt"]),
        ]
        for (command, options) in subcommands {
            let text = CrumbsCommand.helpMessage(for: command, columns: 80)
            #expect(text.hasPrefix("OVERVIEW: \(command.configuration.abstract)"))
            #expect(text.contains("USAGE: crumbs \(command.configuration.commandName!)"))
            for option in options { #expect(text.contains(option), "\(option)") }
            for line in (text + root).split(separator: "\n") { #expect(line.count <= 80, "\(line)") }
        }
        let serve = CrumbsCommand.helpMessage(for: ServeCommand.self, columns: 80)
        #expect(serve.contains("$CRUMBS_SECRET_KEY_FILE") && serve.contains("(default: 5555)") && serve.contains("(default: 31d)"))
    }
}
