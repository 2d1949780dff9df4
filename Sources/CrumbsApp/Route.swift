import EventHTTP
import Glibc

/// The paths the app answers, as Flask's URL map would match them after percent-decoding.
enum Route: Equatable {
    /// A key, and which of the lesson's it is, if one.
    case sessionValue(String, LessonKey?)
    case wholeSession
    case crumbs
    case page

    init?(path: String) {
        // Matched on the path's contiguous bytes: this runs on every request, and string
        // comparison or generic byte operations cost far more.
        var path = path
        guard let route = path.withUTF8(Self.route(ofPath:)) else { return nil }
        self = route
    }

    /// The route of a path given as bytes that need no percent-decoding
    /// (`PercentDecoding.isPlainASCII`): the bytes are the decoded path, and no string of
    /// the whole path need be made.
    init?(plainPath: Span<UInt8>) {
        guard let route = plainPath.withUnsafeBufferPointer(Self.route(ofPath:)) else { return nil }
        self = route
    }

    private static func route(ofPath bytes: UnsafeBufferPointer<UInt8>) -> Route? {
        // `<string:key>`: one non-empty segment, no `/`.
        if bytes.count > sessionsPrefix.utf8CodeUnitCount, starts(bytes, with: sessionsPrefix) {
            let key = UnsafeBufferPointer(rebasing: bytes[sessionsPrefix.utf8CodeUnitCount...])
            guard !key.contains(UInt8(ascii: "/")) else { return nil }
            if let lessonKey = lessonKey(key) { return .sessionValue(lessonKey.name, lessonKey) }
            return .sessionValue(String(decoding: key, as: UTF8.self), nil)
        }
        if isExactly(bytes, "/") { return .page }
        if isExactly(bytes, "/crumbs") { return .crumbs }
        if isExactly(bytes, "/sessions") { return .wholeSession }
        return nil
    }

    private static let sessionsPrefix: StaticString = "/sessions/"

    /// The lesson's keys, told apart once here: nearly every request asks for one, and its
    /// name is then a literal, where a string decoded from the path is validated and built
    /// (~160 instructions).
    private static func lessonKey(_ key: UnsafeBufferPointer<UInt8>) -> LessonKey? {
        if isExactly(key, "count") { return .count }
        if isExactly(key, "hello") { return .hello }
        if isExactly(key, "goodnight") { return .goodnight }
        return nil
    }

    private static func starts(_ bytes: UnsafeBufferPointer<UInt8>, with prefix: StaticString) -> Bool {
        bytes.count >= prefix.utf8CodeUnitCount && memcmp(bytes.baseAddress!, prefix.utf8Start, prefix.utf8CodeUnitCount) == 0
    }

    private static func isExactly(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
        bytes.count == text.utf8CodeUnitCount && starts(bytes, with: text)
    }

    /// Whether the route takes `method`: asked of every request, so a switch rather than a
    /// list (a shared array is retained and released each time it is read).
    func allows(_ method: HTTPMethod) -> Bool {
        switch (self, method) {
        case (_, .get), (_, .head), (_, .options): return true
        case (.sessionValue, .put), (.sessionValue, .delete), (.wholeSession, .delete), (.crumbs, .delete): return true
        default: return false
        }
    }

    /// The methods `allows`, in `HTTPMethod`'s order, for `Allow` headers (OPTIONS and 405
    /// replies only).
    var allowedMethods: [HTTPMethod] { HTTPMethod.allCases.filter(allows) }
}

/// The three keys the lesson's session holds.
enum LessonKey: Equatable {
    case count, hello, goodnight

    var name: String {
        switch self {
        case .count: "count"
        case .hello: "hello"
        case .goodnight: "goodnight"
        }
    }

    /// The name as a JSON string.
    var quotedName: StaticString {
        switch self {
        case .count: #""count""#
        case .hello: #""hello""#
        case .goodnight: #""goodnight""#
        }
    }
}

extension [HTTPMethod] {
    /// The value of an `Allow` header listing these methods.
    var allowHeader: String { map(\.rawValue).joined(separator: ", ") }
}
