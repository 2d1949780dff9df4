import ArgumentParser
import CrumbsSession

/// `--session-lifetime`: seconds, or a number with a unit (`90s`, `30m`, `12h`, `31d`).
struct SessionLifetime: Equatable, CustomStringConvertible {
    static let units: [(suffix: Character, seconds: Int64)] = [("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
    static let accepted = "a whole number of seconds, or a number followed by s, m, h or d (90s, 30m, 12h, 31d)"
    static let flask = SessionLifetime(seconds: SessionSerializer.flaskLifetimeSeconds)

    let seconds: Int64

    init(seconds: Int64) { self.seconds = seconds }

    /// Refuses zero, negative numbers, other units and lifetimes past `Int64` seconds,
    /// saying what it accepts.
    init(parsing text: String) throws(ValidationError) {
        var digits = Substring(text)
        var unit: Int64 = 1
        if let last = digits.last, let match = Self.units.first(where: { $0.suffix == last }) {
            unit = match.seconds
            digits = digits.dropLast()
        }
        guard let number = Int64(digits), number > 0, number <= Int64.max / unit else {
            throw ValidationError("expected \(Self.accepted)")
        }
        seconds = number * unit
    }

    var description: String { seconds % 86_400 == 0 ? "\(seconds / 86_400)d" : "\(seconds)s" }
}
