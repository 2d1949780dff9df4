import EventHTTP

/// The paths the app answers, as Flask's URL map would match them after percent-decoding.
enum Route: Equatable {
    case sessionValue(String)
    case wholeSession
    case crumbs
    case page

    init?(path: String) {
        switch path {
        case "/":
            self = .page
        case "/crumbs":
            self = .crumbs
        case "/sessions":
            self = .wholeSession
        default:
            // `<string:key>`: one non-empty segment, no `/` (compared in contiguous bytes: this
            // runs on every request, and generic or character-level operations cost far more).
            var path = path
            let key = path.withUTF8 { bytes -> String? in
                guard bytes.starts(with: Self.sessionsPrefix) else { return nil }
                let key = UnsafeBufferPointer(rebasing: bytes[Self.sessionsPrefix.count...])
                guard !key.isEmpty, !key.contains(UInt8(ascii: "/")) else { return nil }
                return String(decoding: key, as: UTF8.self)
            }
            guard let key else { return nil }
            self = .sessionValue(key)
        }
    }

    private static let sessionsPrefix = Array("/sessions/".utf8)

    /// Each list made once: this is checked on every request.
    var allowedMethods: [HTTPMethod] {
        switch self {
        case .sessionValue: return Self.sessionValueMethods
        case .wholeSession, .crumbs: return Self.deletableMethods
        case .page: return Self.pageMethods
        }
    }

    private static let sessionValueMethods: [HTTPMethod] = [.get, .head, .put, .delete, .options]
    private static let deletableMethods: [HTTPMethod] = [.get, .head, .delete, .options]
    private static let pageMethods: [HTTPMethod] = [.get, .head, .options]
}

extension [HTTPMethod] {
    /// The value of an `Allow` header listing these methods.
    var allowHeader: String { map(\.rawValue).joined(separator: ", ") }
}
