internal import CLibevent

import Glibc

/// Listening TCP sockets for one address: one per event loop, all bound to the same port
/// with `SO_REUSEPORT`, so that the kernel spreads new connections evenly over the loops
/// (one shared socket lets whichever loop wakes first take whole bursts).
enum ListeningSocket {
    /// Binds `count` sockets to `host:port` and returns them with the port actually bound
    /// (the kernel's choice when `port` is 0).
    static func bind(host: String, port: Int, count: Int, backlog: Int32) throws(HTTPServerError) -> (sockets: [Int32], port: Int) {
        let address = try resolve(host: host, port: port)
        // A plain bind first: SO_REUSEPORT would let a second Crumbs share a port that is
        // already taken instead of failing, so claim the port without it, then release it.
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let probe: Int32
        do {
            probe = try open(address, reusePort: false)
        } catch {
            throw HTTPServerError("cannot listen on \(shownHost):\(port): bind", errno: error.code ?? EINVAL)
        }
        let boundPort = try localPort(of: probe)
        close(probe)

        var sockets: [Int32] = []
        var boundAddress = address
        boundAddress.setPort(boundPort)
        for _ in 0..<count {
            do throws(HTTPServerError) {
                let socket = try open(boundAddress, reusePort: true)
                sockets.append(socket)
                guard listen(socket, backlog) == 0 else { throw HTTPServerError("listen", errno: errno) }
                guard crumbs_set_nonblocking(socket) == 0 else { throw HTTPServerError("fcntl(O_NONBLOCK)", errno: errno) }
            } catch {
                sockets.forEach { close($0) }
                throw error
            }
        }
        return (sockets, boundPort)
    }

    private struct SocketAddress {
        var storage = sockaddr_storage()
        var length: socklen_t = 0
        var family: Int32 { Int32(storage.ss_family) }

        mutating func setPort(_ port: Int) {
            let family = self.family
            withUnsafeMutableBytes(of: &storage) { raw in
                let networkPort = UInt16(port).bigEndian
                if family == AF_INET6 {
                    raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self).pointee.sin6_port = networkPort
                } else {
                    raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self).pointee.sin_port = networkPort
                }
            }
        }
    }

    private static func resolve(host: String, port: Int) throws(HTTPServerError) -> SocketAddress {
        guard (0...65535).contains(port) else { throw HTTPServerError("port \(port) is outside 0...65535") }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var results: UnsafeMutablePointer<addrinfo>? = nil
        let status = getaddrinfo(host, String(port), &hints, &results)
        guard status == 0, let first = results else {
            throw HTTPServerError("cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(results) }
        var address = SocketAddress()
        address.length = first.pointee.ai_addrlen
        withUnsafeMutableBytes(of: &address.storage) { raw in
            raw.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        }
        return address
    }

    private static func open(_ address: SocketAddress, reusePort: Bool) throws(HTTPServerError) -> Int32 {
        let socket = Glibc.socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { throw HTTPServerError("socket", errno: errno) }
        var one: Int32 = 1
        let size = socklen_t(MemoryLayout<Int32>.size)
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &one, size)
        if reusePort && setsockopt(socket, SOL_SOCKET, SO_REUSEPORT, &one, size) != 0 {
            let code = errno
            close(socket)
            throw HTTPServerError("setsockopt(SO_REUSEPORT)", errno: code)
        }
        var storage = address.storage
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(socket, $0, address.length) }
        }
        guard bound == 0 else {
            let code = errno
            close(socket)
            throw HTTPServerError("bind", errno: code)
        }
        return socket
    }

    private static func localPort(of socket: Int32) throws(HTTPServerError) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        guard status == 0 else { throw HTTPServerError("getsockname", errno: errno) }
        let family = Int32(storage.ss_family)
        return withUnsafeBytes(of: &storage) { raw in
            if family == AF_INET6 {
                return Int(UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port))
            }
            return Int(UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port))
        }
    }
}
