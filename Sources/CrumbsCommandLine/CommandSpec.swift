/// A small command-line parser written for Crumbs' four commands. swift-argument-parser
/// was dropped because it links FoundationEssentials into the binary: 2.7 MB more resident
/// memory for a server whose whole footprint target is 12 MB.
///
/// The grammar is the usual GNU long-option one: `--name value`, `--name=value`, flags
/// without values, positional arguments, `--` ending the options, `-h`/`--help` anywhere.

/// One `--name` of a command: an option with a value, or a flag when `valueName` is nil.
public struct OptionSpec: Sendable {
    public let name: String
    public let valueName: String?
    public let help: String
    /// What the help shows as the default, if anything.
    public let defaultDescription: String?
    /// Repeatable options keep every value; others keep the last one given.
    public let repeatable: Bool

    public static func option(
        _ name: String, valueName: String? = nil, help: String, default defaultDescription: String? = nil,
        repeatable: Bool = false
    ) -> OptionSpec {
        OptionSpec(
            name: name, valueName: valueName ?? name, help: help, defaultDescription: defaultDescription,
            repeatable: repeatable)
    }

    public static func flag(_ name: String, help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: nil, help: help, defaultDescription: nil, repeatable: false)
    }

    var isFlag: Bool { valueName == nil }

    /// `--port <port>`, or `--encrypt` for a flag.
    var synopsis: String {
        guard let valueName else { return "--\(name)" }
        return "--\(name) <\(valueName)>"
    }
}

/// A required positional argument.
public struct ArgumentSpec: Sendable {
    public let name: String
    public let help: String

    public init(_ name: String, help: String) {
        self.name = name
        self.help = help
    }
}

/// A command's name, its texts for `--help`, and what it accepts.
public struct CommandSpec: Sendable {
    public let name: String
    public let abstract: String
    /// Shown under the abstract as written: line breaks are the author's.
    public let discussion: String
    public let arguments: [ArgumentSpec]
    public let options: [OptionSpec]

    public init(name: String, abstract: String, discussion: String = "", arguments: [ArgumentSpec] = [], options: [OptionSpec]) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.arguments = arguments
        self.options = options
    }
}

/// A command line that cannot be run: printed with the usage line, exit status 64 (EX_USAGE).
public struct UsageError: Error, Equatable, CustomStringConvertible {
    public let message: String
    /// The full name of the command whose usage applies, like `crumbs serve`.
    public let commandName: String
    public let usage: String

    public var description: String {
        "Error: \(message)\nUsage: \(usage)\n  See '\(commandName) --help' for more information."
    }

    public static let exitStatus: Int32 = 64
}

/// What a command line gave one command, before the values are converted to their types.
public struct ParsedArguments {
    let command: CommandSpec
    let commandName: String
    var values: [String: [String]] = [:]
    var flags: Set<String> = []
    public var positionals: [String] = []

    public func flag(_ name: String) -> Bool {
        precondition(command.options.contains { $0.name == name && $0.isFlag }, "undeclared flag --\(name)")
        return flags.contains(name)
    }

    /// Every value given for a repeatable option, in order.
    public func values(_ name: String) -> [String] {
        values[spec(name).name] ?? []
    }

    /// The last value given for an option, if any.
    public func value(_ name: String) -> String? {
        values[spec(name).name]?.last
    }

    /// The option's value converted by `convert`, the default when absent, a usage error
    /// naming the option when `convert` refuses it.
    public func value<T>(_ name: String, default defaultValue: T, _ convert: (String) -> T?) throws(UsageError) -> T {
        guard let text = value(name) else { return defaultValue }
        guard let converted = convert(text) else {
            throw error("The value '\(text)' is invalid for '\(spec(name).synopsis)'")
        }
        return converted
    }

    public func error(_ message: String) -> UsageError {
        UsageError(message: message, commandName: commandName, usage: HelpText.usage(command, commandName: commandName))
    }

    private func spec(_ name: String) -> OptionSpec {
        guard let spec = command.options.first(where: { $0.name == name && !$0.isFlag }) else {
            preconditionFailure("undeclared option --\(name)")
        }
        return spec
    }
}

/// The result of reading one command's arguments: either they were read, or help was asked.
public enum CommandParse {
    case parsed(ParsedArguments)
    case help
}

extension CommandSpec {
    /// Reads `arguments` (those after the command's name) against this command's options.
    public func parse(_ arguments: some Collection<String>, commandName: String) throws(UsageError) -> CommandParse {
        var parsed = ParsedArguments(command: self, commandName: commandName)
        var remaining = arguments.makeIterator()
        var optionsEnded = false
        while let argument = remaining.next() {
            if optionsEnded || argument == "-" || !argument.hasPrefix("-") {
                parsed.positionals.append(argument)
                continue
            }
            if argument == "--" {
                optionsEnded = true
                continue
            }
            if argument == "-h" || argument == "--help" { return .help }
            guard argument.hasPrefix("--") else { throw parsed.error("Unknown option '\(argument)'") }
            let body = argument.dropFirst(2)
            let name = String(body.prefix { $0 != "=" })
            let inlineValue = body.firstIndex(of: "=").map { String(body[body.index(after: $0)...]) }
            guard let option = options.first(where: { $0.name == name }) else {
                throw parsed.error("Unknown option '--\(name)'")
            }
            if option.isFlag {
                if inlineValue != nil { throw parsed.error("The flag '--\(name)' takes no value") }
                parsed.flags.insert(name)
                continue
            }
            // A following `--option` is a forgotten value, not the value.
            guard let value = inlineValue ?? remaining.next(), inlineValue != nil || !value.hasPrefix("--") else {
                throw parsed.error("Missing value for '\(option.synopsis)'")
            }
            if option.repeatable {
                parsed.values[name, default: []].append(value)
            } else {
                parsed.values[name] = [value]
            }
        }
        if parsed.positionals.count < self.arguments.count {
            throw parsed.error("Missing expected argument '<\(self.arguments[parsed.positionals.count].name)>'")
        }
        if parsed.positionals.count > self.arguments.count {
            throw parsed.error("Unexpected argument '\(parsed.positionals[self.arguments.count])'")
        }
        return .parsed(parsed)
    }
}
