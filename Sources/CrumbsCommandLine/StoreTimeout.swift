import ArgumentParser

/// `--store-timeout`: milliseconds or seconds (`500ms`, `2s`, `0.25s`), at least 1 ms.
struct StoreTimeout: Equatable, CustomStringConvertible {
    static let accepted = "a number followed by ms or s (500ms, 2s)"
    let seconds: Double

    init(seconds: Double) { self.seconds = seconds }

    init(parsing text: String) throws(ValidationError) {
        let (digits, scale): (Substring, Double) =
            text.hasSuffix("ms") ? (text.dropLast(2), 0.001) : text.hasSuffix("s") ? (text.dropLast(), 1) : ("", 0)
        guard let number = Double(digits), number.isFinite, number * scale >= 0.001, number * scale <= 3600 else {
            throw ValidationError("expected \(Self.accepted), from 1ms to 3600s")
        }
        seconds = number * scale
    }

    var description: String {
        seconds < 1 ? "\(Int((seconds * 1000).rounded()))ms" : "\(seconds.formatted())s"
    }
}

private extension Double {
    func formatted() -> String { self == rounded() ? String(Int(self)) : String(self) }
}
