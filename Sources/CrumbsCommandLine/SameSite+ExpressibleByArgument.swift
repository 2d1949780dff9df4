import ArgumentParser
import CrumbsSession

/// `--cookie-samesite lax`, `Lax` or `LAX`: browsers read the attribute without regard to case.
extension SetCookie.SameSite: ExpressibleByArgument {
    public init?(argument: String) {
        guard let match = Self.allCases.first(where: { $0.rawValue.lowercased() == argument.lowercased() }) else { return nil }
        self = match
    }
}
