/// `--help` pages laid out for an 80-column terminal: prose filled to the width, option
/// names in a 26-column gutter with their help wrapped beside it.
enum HelpText {
    static let width = 80
    static let gutter = 26

    /// `crumbs sign <json> [--secret-key-file <path> ...] [--encrypt]`, or `<options>` when
    /// listing every option would not fit on a line.
    static func usage(_ command: CommandSpec, commandName: String) -> String {
        let arguments = command.arguments.map { " <\($0.name)>" }.joined()
        let options = command.options.map { " [\($0.synopsis)\($0.repeatable ? " ..." : "")]" }.joined()
        let full = commandName + arguments + options
        return full.count <= width ? full : commandName + arguments + (command.options.isEmpty ? "" : " <options>")
    }

    static func command(_ command: CommandSpec, commandName: String) -> String {
        var lines = wrap("OVERVIEW: \(command.abstract)", width: width) + [""]
        if !command.discussion.isEmpty { lines += paragraphs(command.discussion) + [""] }
        lines += ["USAGE: \(usage(command, commandName: commandName))", ""]
        if !command.arguments.isEmpty {
            lines.append("ARGUMENTS:")
            for argument in command.arguments { lines += entry("<\(argument.name)>", argument.help) }
            lines.append("")
        }
        lines.append("OPTIONS:")
        for option in command.options {
            var help = option.help
            if let defaultDescription = option.defaultDescription { help += " (default: \(defaultDescription))" }
            lines += entry(option.synopsis, help)
        }
        lines += entry("-h, --help", "Show help information.")
        return lines.joined(separator: "\n")
    }

    static func root(
        name: String, abstract: String, discussion: String, subcommands: [CommandSpec], defaultSubcommand: String
    ) -> String {
        var lines = wrap("OVERVIEW: \(abstract)", width: width) + [""] + paragraphs(discussion)
        lines += ["", "USAGE: \(name) <subcommand>", "", "OPTIONS:"]
        lines += entry("--version", "Show the version.")
        lines += entry("-h, --help", "Show help information.")
        lines += ["", "SUBCOMMANDS:"]
        for subcommand in subcommands {
            let label = subcommand.name == defaultSubcommand ? "\(subcommand.name) (default)" : subcommand.name
            lines += entry(label, subcommand.abstract)
        }
        lines += ["", "  See '\(name) <subcommand> --help' for detailed help."]
        return lines.joined(separator: "\n")
    }

    /// A name and its help: on one line when the name fits the gutter, else the help
    /// starts on the next line.
    static func entry(_ name: String, _ help: String) -> [String] {
        let label = "  " + name
        let wrapped = wrap(help, width: width - gutter)
        let indent = String(repeating: " ", count: gutter)
        var lines: [String] = []
        if label.count <= gutter - 2 {
            lines.append(label + String(repeating: " ", count: gutter - label.count) + (wrapped.first ?? ""))
            lines += wrapped.dropFirst().map { indent + $0 }
        } else {
            lines.append(label)
            lines += wrapped.map { indent + $0 }
        }
        return lines
    }

    /// Paragraphs (separated by blank lines) filled to the width, except indented ones,
    /// which are tables and examples laid out by hand.
    static func paragraphs(_ text: String) -> [String] {
        var lines: [String] = []
        var paragraph: [Substring] = []
        func flush() {
            if paragraph.contains(where: { $0.first == " " }) {
                lines += paragraph.map(String.init)
            } else if !paragraph.isEmpty {
                lines += wrap(paragraph.joined(separator: " "), width: width)
            }
            paragraph = []
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty {
                flush()
                lines.append("")
            } else {
                paragraph.append(line)
            }
        }
        flush()
        return lines
    }

    /// Words filled into lines of at most `width` characters (a longer word gets its own line).
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            if line.isEmpty {
                line = String(word)
            } else if line.count + 1 + word.count <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = String(word)
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
