import CrumbsSession
import Testing

@testable import CrumbsCommandLine

@Suite struct CommandLineTests {
    private func parse(_ arguments: [String], environment: [String: String] = [:]) throws(UsageError) -> Invocation {
        try CrumbsCommandLine.parse(arguments, environment: { environment[$0] }, cores: 3)
    }

    private func serveOptions(_ arguments: [String], environment: [String: String] = [:]) throws -> ServeOptions {
        guard case .serve(let options) = try parse(arguments, environment: environment) else {
            Issue.record("\(arguments) did not parse as serve")
            throw UsageError(message: "", commandName: "", usage: "")
        }
        return options
    }

    private func usageError(_ arguments: [String]) -> UsageError? {
        do {
            _ = try parse(arguments)
            return nil
        } catch {
            return error
        }
    }

    private func helpText(_ arguments: [String]) -> String? {
        guard case .help(let text) = try? parse(arguments) else { return nil }
        return text
    }

    @Test func servesByDefaultWithTheDocumentedDefaults() throws {
        for arguments in [[], ["serve"]] {
            let options = try serveOptions(arguments)
            #expect(options.host == "127.0.0.1" && options.port == 5555 && options.threads == 3)
            #expect(options.keyFiles == nil)
            #expect(options.sessionLifetimeSeconds == SessionSerializer.flaskLifetimeSeconds)
            #expect(options.cookieSameSite == .lax && options.cookieHTTPOnly && !options.encrypt && !options.permanent)
            #expect(options.timeout == 10 && options.headTimeout == nil && options.maxConnections == 10_000)
            #expect(options.logLevel == .info && options.accessLog == nil && options.trustedProxies.isEmpty)
        }
    }

    @Test func readsValuesSpacedOrAfterAnEqualsSign() throws {
        let options = try serveOptions([
            "--port", "0", "--host=::1", "--threads=1", "--cookie-samesite", "strict", "--session-lifetime", "12h",
            "--encrypt", "--no-cookie-httponly", "--head-timeout", "2", "--access-log", "-", "--log-level", "debug",
            "--cookie-domain", "example.com",
        ])
        #expect(options.port == 0 && options.host == "::1" && options.threads == 1)
        #expect(options.cookieSameSite == .strict && options.sessionLifetimeSeconds == 43_200)
        #expect(options.encrypt && !options.cookieHTTPOnly && options.headTimeout == 2)
        #expect(options.accessLog == "-" && options.logLevel == .debug && options.cookieDomain == "example.com")
    }

    @Test func repeatableOptionsKeepEveryValueOthersTheLast() throws {
        let options = try serveOptions([
            "--secret-key-file", "new", "--secret-key-file=old", "--trusted-proxy", "10.0.0.1",
            "--trusted-proxy", "10.0.0.2", "--port", "1", "--port", "2",
        ])
        #expect(options.keyFiles == ["new", "old"])
        #expect(options.trustedProxies == ["10.0.0.1", "10.0.0.2"])
        #expect(options.port == 2)
    }

    @Test func theEnvironmentNamesTheKeyFileWhenTheCommandLineDoesNot() throws {
        let environment = ["CRUMBS_SECRET_KEY_FILE": "/etc/crumbs/key"]
        #expect(try serveOptions([], environment: environment).keyFiles == ["/etc/crumbs/key"])
        #expect(try serveOptions(["--secret-key-file", "mine"], environment: environment).keyFiles == ["mine"])
        guard case .sign(let sign) = try parse(["sign", "{}"], environment: environment) else {
            Issue.record("sign did not parse")
            return
        }
        #expect(sign.keyFiles == ["/etc/crumbs/key"] && sign.json == "{}" && !sign.encrypt)
    }

    @Test func subcommandsTakeTheirArguments() throws {
        guard case .decode(let decode) = try parse(["decode", "session=abc", "--secret-key-file", "k", "--session-lifetime", "90s"])
        else {
            Issue.record("decode did not parse")
            return
        }
        #expect(decode.cookie == "session=abc" && decode.keyFiles == ["k"] && decode.sessionLifetimeSeconds == 90)
        guard case .keygen(let out) = try parse(["keygen", "--out", "keys/k1"]), out == "keys/k1" else {
            Issue.record("keygen did not parse")
            return
        }
        guard case .sign(let sign) = try parse(["sign", "--encrypt", "--", "-1"]), sign.json == "-1", sign.encrypt else {
            Issue.record("-- did not end the options")
            return
        }
        guard case .version = try parse(["--version"]) else {
            Issue.record("--version did not parse")
            return
        }
    }

    @Test func refusesWhatItCannotRunNamingTheProblem() {
        let cases: [([String], String)] = [
            (["--port", "abc"], "The value 'abc' is invalid for '--port <port>'"),
            (["--bogus"], "Unknown option '--bogus'"),
            (["-x"], "Unknown option '-x'"),
            (["--port"], "Missing value for '--port <port>'"),
            (["--port", "--host", "::1"], "Missing value for '--port <port>'"),
            (["--encrypt=yes"], "The flag '--encrypt' takes no value"),
            (["--cookie-samesite", "sometimes"], "The value 'sometimes' is invalid for '--cookie-samesite <Lax|Strict|None>'"),
            (["--session-lifetime", "0"], "The value '0' is invalid for '--session-lifetime <duration>'"),
            (["--session-lifetime", "5x"], "The value '5x' is invalid for '--session-lifetime <duration>'"),
            (["--session-lifetime", "999999999999999999d"], "The value '999999999999999999d' is invalid for '--session-lifetime <duration>'"),
            (["--log-level", "loud"], "The value 'loud' is invalid for '--log-level <trace|debug|info|notice|warning|error|critical>'"),
            (["serve", "extra"], "Unexpected argument 'extra'"),
            (["sign"], "Missing expected argument '<json>'"),
            (["decode", "a", "b"], "Unexpected argument 'b'"),
            (["bogus"], "Unknown subcommand 'bogus'"),
            (["help", "bogus"], "Unknown subcommand 'bogus'"),
        ]
        for (arguments, message) in cases {
            #expect(usageError(arguments)?.message == message, "\(arguments)")
        }
    }

    @Test func aUsageErrorSaysWhereToLook() {
        let error = usageError(["sign"])
        #expect(
            error?.description == """
                Error: Missing expected argument '<json>'
                Usage: crumbs sign <json> [--secret-key-file <path> ...] [--encrypt]
                  See 'crumbs sign --help' for more information.
                """)
        #expect(usageError(["--bogus"])?.usage == "crumbs serve <options>")
    }

    @Test func helpIsShownWhereverItIsAskedFor() throws {
        for arguments in [["--help"], ["-h"], ["help"]] {
            let text = try #require(helpText(arguments))
            #expect(text.contains("USAGE: crumbs <subcommand>"))
            for command in ["serve (default)", "keygen", "decode", "sign"] { #expect(text.contains("  \(command)")) }
        }
        for command in CrumbsCommandLine.commands {
            for arguments in [[command.name, "--help"], ["help", command.name], [command.name, "-h", "--bogus"]] {
                let text = try #require(helpText(arguments), "\(arguments)")
                #expect(text.hasPrefix("OVERVIEW: \(command.abstract)"))
                #expect(text.contains("USAGE: crumbs \(command.name)"))
                for option in command.options { #expect(text.contains("--\(option.name)"), "\(option.name)") }
            }
        }
        let serve = try #require(helpText(["serve", "--help"]))
        #expect(serve.contains("$CRUMBS_SECRET_KEY_FILE") && serve.contains("(default: 5555)"))
    }

    @Test func helpFitsEightyColumns() throws {
        for arguments in [["--help"]] + CrumbsCommandLine.commands.map({ [$0.name, "--help"] }) {
            let text = try #require(helpText(arguments))
            for line in text.split(separator: "\n") { #expect(line.count <= 80, "\(line)") }
        }
        #expect(
            HelpText.entry("--port <port>", "Port to listen on; 0 picks a free one (the URL printed says which).") == [
                "  --port <port>           Port to listen on; 0 picks a free one (the URL printed",
                "                          says which).",
            ])
        #expect(HelpText.entry("--secret-key-file <path>", "Key file.") == ["  --secret-key-file <path>", "                          Key file."])
    }
}
