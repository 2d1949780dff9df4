import Foundation

import Glibc

/// A response as it came off the wire.
public struct RawResponse: CustomStringConvertible {
    /// The first line as sent, without its CRLF.
    public let statusLine: String
    public let status: Int
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    public func header(_ name: String) -> String? { headerValues(name).first }

    public func headerValues(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    public var description: String { "\(status) \(headers) \(bodyText)" }
}

public struct RawHTTPError: Error, CustomStringConvertible {
    public let description: String
}

/// A deliberately plain HTTP/1.1 client over a blocking socket: it sends exactly the bytes
/// it is given (so tests can send malformed requests), keeps no cookies, and every read has
/// a timeout so a hung server fails the test instead of stalling it.
public final class RawHTTPClient {
    private let socket: Int32

    /// - Parameter receiveBufferBytes: shrinks the kernel's receive buffer, so that a
    ///   server's large reply stays unsent while the test does not read it.
    public init(port: Int, timeoutSeconds: Int = 5, receiveBufferBytes: Int32? = nil) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw RawHTTPError(description: "socket failed") }
        if var size = receiveBufferBytes {
            setsockopt(socket, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(socket)
            throw RawHTTPError(description: "connect to port \(port) failed: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(socket) }

    /// Makes closing this client send a TCP reset instead of a clean FIN, as a client that
    /// crashes or gives up does.
    public func resetOnClose() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(socket, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }

    /// Blocks until the server's first byte has arrived, without consuming it: a test that
    /// then stops reading knows the reply is under way, not merely requested.
    public func waitForFirstByte() throws {
        var byte: UInt8 = 0
        guard recv(socket, &byte, 1, Int32(MSG_PEEK)) == 1 else {
            throw RawHTTPError(description: "no reply began: \(String(cString: strerror(errno)))")
        }
    }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw RawHTTPError(description: "send failed: \(String(cString: strerror(errno)))") }
            offset += sent
        }
    }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    private var pending: [UInt8] = []

    /// Reads one response; `expectBody` false for answers to HEAD.
    public func readResponse(expectBody: Bool = true) throws -> RawResponse {
        let separator: [UInt8] = [13, 10, 13, 10]
        while true {
            if let end = pending.firstRange(of: separator) {
                let head = String(decoding: pending[..<end.lowerBound], as: UTF8.self)
                var lines = head.components(separatedBy: "\r\n")
                let firstLine = lines.removeFirst()
                let statusLine = firstLine.split(separator: " ")
                // (A body sent where none belongs, after HEAD, would sit in front of the next
                // status line: the line must start the response.)
                guard firstLine.hasPrefix("HTTP/1."), statusLine.count >= 2, let status = Int(statusLine[1]) else {
                    throw RawHTTPError(description: "bad status line in \(head)")
                }
                let headers = lines.compactMap { line -> (String, String)? in
                    guard let colon = line.firstIndex(of: ":") else { return nil }
                    return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
                }
                let length = headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) } ?? 0
                let bodyLength = expectBody ? length : 0
                while pending.count < end.upperBound + bodyLength {
                    guard try receive() else { throw RawHTTPError(description: "connection closed inside a body") }
                }
                let body = Array(pending[end.upperBound..<(end.upperBound + bodyLength)])
                pending.removeFirst(end.upperBound + bodyLength)
                return RawResponse(statusLine: firstLine, status: status, headers: headers, body: body)
            }
            guard try receive() else { throw RawHTTPError(description: "connection closed before a response") }
        }
    }

    /// Every byte the server sends until it closes the connection (within the socket's
    /// timeout), for replies checked byte for byte.
    public func readUntilClosed() throws -> [UInt8] {
        while try receive() {}
        defer { pending.removeAll() }
        return pending
    }

    /// True if the server closes the connection (reads EOF or a reset) within the socket's
    /// timeout, or within `waitingAtMost` seconds if given. Data read meanwhile is dropped.
    public func readsEndOfStream(waitingAtMost seconds: Double? = nil) -> Bool {
        if let seconds {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, Int32(seconds * 1000)) > 0 else { return false }
        }
        while true {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(socket, &buffer, buffer.count, seconds == nil ? 0 : Int32(MSG_DONTWAIT))
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }

    private func receive() throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let count = recv(socket, &buffer, buffer.count, 0)
        if count < 0 { throw RawHTTPError(description: "recv failed: \(String(cString: strerror(errno)))") }
        if count == 0 { return false }
        pending.append(contentsOf: buffer[..<count])
        return true
    }

    /// One request on a fresh connection.
    public static func request(
        port: Int, method: String = "GET", path: String, headers: [(String, String)] = [], body: [UInt8] = []
    ) throws -> RawResponse {
        let client = try RawHTTPClient(port: port)
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if !body.isEmpty { text += "Content-Length: \(body.count)\r\n" }
        text += "\r\n"
        try client.send(Array(text.utf8) + body)
        return try client.readResponse(expectBody: method != "HEAD")
    }
}
