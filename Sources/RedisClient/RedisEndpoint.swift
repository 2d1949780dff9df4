import Glibc

/// Where Redis listens and how to log in, from a redis-py style URL:
/// `redis://HOST:PORT[/DB]` or `unix:///PATH/redis.sock[?db=N]`. A host name is resolved
/// here, once, at start: hiredis would resolve it with a blocking `getaddrinfo` on the loop.
public struct RedisEndpoint: Sendable, Equatable, CustomStringConvertible {
    public enum Address: Sendable, Equatable {
        /// A numeric IPv4 or IPv6 address.
        case tcp(host: String, port: Int)
        case unix(path: String)
    }

    public var address: Address
    public var database: Int
    /// AUTH's password, from a file; never printed (`description` leaves it out).
    public var password: [UInt8]?

    public init(address: Address, database: Int = 0, password: [UInt8]? = nil) {
        self.address = address
        self.database = database
        self.password = password
    }

    public struct URLError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Reads a URL and resolves its host to an address.
    public static func parse(_ url: String) throws(URLError) -> RedisEndpoint {
        let expected = "expected redis://HOST:PORT[/DB] or unix:///PATH/redis.sock[?db=N]"
        if url.hasPrefix("unix://") {
            var rest = Substring(url.dropFirst("unix://".count))
            var database = 0
            if let query = rest.firstIndex(of: "?") {
                let parameter = rest[rest.index(after: query)...]
                guard parameter.hasPrefix("db="), let number = Int(parameter.dropFirst(3)), number >= 0 else {
                    throw URLError(description: "cannot read the database in \(url): \(expected)")
                }
                database = number
                rest = rest[..<query]
            }
            guard rest.hasPrefix("/"), rest.count > 1 else { throw URLError(description: "\(url): \(expected)") }
            return RedisEndpoint(address: .unix(path: String(rest)), database: database)
        }
        guard url.hasPrefix("redis://") else { throw URLError(description: "\(url): \(expected)") }
        var rest = Substring(url.dropFirst("redis://".count))
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            if !path.isEmpty {
                guard let number = Int(path), number >= 0 else {
                    throw URLError(description: "cannot read the database number in \(url): \(expected)")
                }
                database = number
            }
            rest = rest[..<slash]
        }
        guard !rest.contains("@") else {
            throw URLError(description: "\(url) holds credentials; give the password with --store-password-file instead")
        }
        var host = Substring("localhost")
        var port = 6379
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw URLError(description: "\(url): \(expected)") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let number = Int(after.dropFirst()) else {
                    throw URLError(description: "\(url): \(expected)")
                }
                port = number
            }
        } else if !rest.isEmpty {
            let parts = rest.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            if !parts[0].isEmpty { host = parts[0] }
            if parts.count == 2 {
                guard let number = Int(parts[1]) else { throw URLError(description: "\(url): \(expected)") }
                port = number
            }
        }
        guard (1...65535).contains(port) else { throw URLError(description: "the port in \(url) must be 1 to 65535") }
        return RedisEndpoint(address: .tcp(host: try resolve(String(host)), port: port), database: database)
    }

    /// The first address `getaddrinfo` gives for `host`, as text.
    static func resolve(_ host: String) throws(URLError) -> String {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>? = nil
        let status = getaddrinfo(host, nil, &hints, &results)
        guard status == 0, let first = results else {
            throw URLError(description: "cannot resolve the Redis host \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(results) }
        var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(first.pointee.ai_addr, first.pointee.ai_addrlen, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST) == 0
        else { throw URLError(description: "cannot resolve the Redis host \(host)") }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public var description: String {
        switch address {
        case .tcp(let host, let port):
            let shown = host.contains(":") ? "[\(host)]" : host
            return "redis://\(shown):\(port)/\(database)"
        case .unix(let path): return "unix://\(path)?db=\(database)"
        }
    }
}
