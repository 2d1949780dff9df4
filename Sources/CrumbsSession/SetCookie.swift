/// One `Set-Cookie` header value (RFC 6265 §4.1), rendered as Werkzeug's `dump_cookie`
/// renders it, so Crumbs and Flask send the same bytes for the same cookie.
public struct SetCookie: Equatable, Sendable {
    /// RFC 6265bis §4.1.2.7; Werkzeug title-cases and checks the same three values.
    public enum SameSite: String, Sendable, CaseIterable {
        case strict = "Strict"
        case lax = "Lax"
        case none = "None"
    }

    public var name: String
    public var value: String
    public var domain: String?
    /// Seconds since the epoch for `Expires` (§4.1.2.1).
    public var expires: Int64?
    /// `Max-Age` in seconds (§4.1.2.2).
    public var maxAge: Int64?
    public var secure: Bool
    public var httpOnly: Bool
    public var path: String?
    public var sameSite: SameSite?
    /// CHIPS; like Werkzeug, a partitioned cookie is always `Secure`.
    public var partitioned: Bool

    public init(
        name: String, value: String, domain: String? = nil, expires: Int64? = nil, maxAge: Int64? = nil,
        secure: Bool = false, httpOnly: Bool = false, path: String? = "/", sameSite: SameSite? = nil,
        partitioned: Bool = false
    ) {
        self.name = name
        self.value = value
        self.domain = domain
        self.expires = expires
        self.maxAge = maxAge
        self.secure = secure
        self.httpOnly = httpOnly
        self.path = path
        self.sameSite = sameSite
        self.partitioned = partitioned
    }

    /// The same cookie, emptied and dated in the past so the browser drops it
    /// (Werkzeug's `delete_cookie`: `expires=0, max_age=0`, same path and domain).
    public func expired() -> SetCookie {
        var copy = self
        copy.value = ""
        copy.expires = 0
        copy.maxAge = 0
        return copy
    }

    /// The header value: `name=value` then the attributes in `dump_cookie`'s fixed order
    /// `Domain, Expires, Max-Age, Secure, HttpOnly, Path, SameSite, Partitioned`.
    public var headerValue: String {
        var bytes = Array("\(name)=\(Self.quotedIfNeeded(value))".utf8)
        bytes.append(contentsOf: attributesBeforeExpires.utf8)
        if let expires {
            bytes.append(contentsOf: "; Expires=".utf8)
            HTTPDate.write(epochSeconds: expires, appendingTo: &bytes)
        }
        bytes.append(contentsOf: attributesAfterExpires.utf8)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `; Domain=…`, or nothing.
    private var attributesBeforeExpires: String {
        guard let domain, !domain.isEmpty else { return "" }
        return "; Domain=\(Self.normalizedDomain(domain))"
    }

    private var attributesAfterExpires: String {
        var parts: [String] = []
        if let maxAge { parts.append("Max-Age=\(maxAge)") }
        if secure || partitioned { parts.append("Secure") }
        if httpOnly { parts.append("HttpOnly") }
        if let path { parts.append("Path=\(Self.percentEncodedPath(path))") }
        if let sameSite { parts.append("SameSite=\(sameSite.rawValue)") }
        if partitioned { parts.append("Partitioned") }
        return parts.map { "; " + $0 }.joined()
    }

    /// The header value for this cookie's attributes with another value (and, for a dated
    /// renderer, another `Expires`): everything else rendered once, for the request path,
    /// where only the value and the date change. (A class holding its bytes outside any
    /// array: it is read on every signed reply, and a struct of arrays cost a retain and a
    /// release per array, per use. Immutable once made, so shared between loops safely.)
    public final class Renderer: @unchecked Sendable {
        /// `prefix`, then `beforeDate` (up to the date, `; Expires=` included, for a dated
        /// renderer; else empty), then `suffix`, back to back.
        @usableFromInline let parts: UnsafeMutableBufferPointer<UInt8>
        @usableFromInline let prefixCount: Int
        @usableFromInline let beforeDateCount: Int
        /// Whether each header carries an `Expires` of its own.
        public let isDated: Bool

        /// - Parameter dated: the header gets an `Expires` given with each value (the
        ///   template's own `expires` is then ignored); otherwise the template's is kept.
        public init(_ template: SetCookie, dated: Bool = false) {
            let prefix = Array((template.name + "=").utf8)
            let beforeDate: [UInt8]
            let suffix: [UInt8]
            isDated = dated
            if dated {
                beforeDate = Array((template.attributesBeforeExpires + "; Expires=").utf8)
                suffix = Array(template.attributesAfterExpires.utf8)
            } else {
                var empty = template
                empty.value = ""
                beforeDate = []
                suffix = Array(empty.headerValue.utf8.dropFirst(prefix.count))
            }
            let all = prefix + beforeDate + suffix
            parts = .allocate(capacity: all.count)
            _ = parts.initialize(from: all)
            prefixCount = prefix.count
            beforeDateCount = beforeDate.count
        }

        deinit { parts.deallocate() }

        @usableFromInline var prefix: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: parts[..<prefixCount]) }
        @usableFromInline var beforeDate: UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: parts[prefixCount..<(prefixCount + beforeDateCount)])
        }
        @usableFromInline var suffix: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: parts[(prefixCount + beforeDateCount)...]) }

        /// Appends the header value's bytes to `bytes`, with the value `writeValue` appends,
        /// which must not need quoting (session values are base64url and dots); `expires`
        /// (seconds since the epoch) is written for a dated renderer only.
        public func writeHeaderValue<Failure: Error>(
            into bytes: inout [UInt8], expires: Int64 = 0, _ writeValue: (inout [UInt8]) throws(Failure) -> Void
        ) throws(Failure) {
            try writeHeaderValue(appendingTo: &bytes, expires: expires, writeValue)
        }

        /// `writeHeaderValue` into any sink (the stack, for a reply's session cookie).
        /// (Inlinable, so that each caller's sink gets its own copy.)
        @inlinable package func writeHeaderValue<Sink: ByteSink, Failure: Error>(
            appendingTo bytes: inout Sink, expires: Int64 = 0, _ writeValue: (inout Sink) throws(Failure) -> Void
        ) throws(Failure) {
            bytes.append(contentsOf: prefix)
            try writeValue(&bytes)
            if isDated {
                bytes.append(contentsOf: beforeDate)
                HTTPDate.write(epochSeconds: expires, appendingTo: &bytes)
            }
            bytes.append(contentsOf: suffix)
        }
    }

    /// A value outside RFC 6265's cookie-octet set, loosened as Werkzeug 2.3.1 loosened it,
    /// is wrapped in double quotes with `"` and `\` backslash-escaped and other unsafe bytes
    /// written as three octal digits (what Python's `http.cookies` does).
    static func quotedIfNeeded(_ value: String) -> String {
        if value.utf8.allSatisfy(isUnquotedValueByte) { return value }
        var output = "\""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output += "\\\""
            case UInt8(ascii: "\\"): output += "\\\\"
            case 0x00...0x19, UInt8(ascii: ","), UInt8(ascii: ";"), 0x7F...0xFF:
                let octal = String(byte, radix: 8)
                output += "\\" + String(repeating: "0", count: 3 - octal.count) + octal
            default:
                output.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return output + "\""
    }

    public static func isASCIIAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// RFC 9110 §5.6.2 `tchar`, what a cookie name may be made of (RFC 6265 §4.1.1).
    public static func isTokenByte(_ byte: UInt8) -> Bool {
        isASCIIAlphanumeric(byte) || "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }

    /// `[\w!#$%&'()*+\-./:<=>?@\[\]^`{|}~]` with `\w` in ASCII mode.
    private static func isUnquotedValueByte(_ byte: UInt8) -> Bool {
        isASCIIAlphanumeric(byte) || "_!#$%&'()*+-./:<=>?@[]^`{|}~".utf8.contains(byte)
    }

    /// `urllib.parse.quote(path, safe="%!$&'()*+,/:=@")`: everything else outside the
    /// unreserved set is percent-encoded as UTF-8 with upper-case hex.
    private static let pathSafeBytes = Set("%!$&'()*+,/:=@_.-~".utf8)

    static func percentEncodedPath(_ path: String) -> String {
        let safe = pathSafeBytes
        var output = ""
        for byte in path.utf8 {
            if isASCIIAlphanumeric(byte) || safe.contains(byte) {
                output.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                output += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return output
    }

    /// Werkzeug drops a port and a leading dot (RFC 6265 §5.2.3 ignores the dot anyway).
    static func normalizedDomain(_ domain: String) -> String {
        var host = domain.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        while host.hasPrefix(".") { host.removeFirst() }
        return host
    }
}
