import ArgumentParser

/// `--session-lifetime`, as serve and decode take it.
struct SessionLifetimeOption: ParsableArguments {
    @Option(
        name: .customLong("session-lifetime"),
        help: ArgumentHelp(
            "Cookies signed longer ago are refused: \(SessionLifetime.accepted). (default: \(SessionLifetime.flask))",
            valueName: "duration"),
        transform: { try SessionLifetime(parsing: $0) })
    var lifetime = SessionLifetime.flask
}
