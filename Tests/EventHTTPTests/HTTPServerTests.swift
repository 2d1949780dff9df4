import Foundation
import HTTPTestSupport
import Testing

@testable import EventHTTP

/// Echoes what evhttp parsed, as JSON-free plain lines, so tests can see the transport alone.
final class EchoHandler: HTTPHandler {
    func respond(to request: HTTPRequest, into response: inout HTTPResponse) {
        response = reply(to: request)
    }

    /// The Cookie lines as `forEachHeaderValue` of a literal name reads them.
    static func cookieLines(of request: HTTPRequest) -> [String] {
        var lines: [String] = []
        request.forEachHeaderValue("Cookie" as StaticString) { value in
            lines.append(value.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) })
        }
        return lines
    }

    func reply(to request: HTTPRequest) -> HTTPResponse {
        var lines = [
            "method=\(request.method?.rawValue ?? "?")",
            "target=\(request.target)",
            "path=\(request.rawPath)",
            "cookies=\(request.headerValues("cookie").joined(separator: "|"))",
            "literal-cookies=\(Self.cookieLines(of: request).joined(separator: "|"))",
            "body=\(String(decoding: request.body, as: UTF8.self))",
        ]
        if request.rawPath == "/no-content" {
            return HTTPResponse(status: 204)
        }
        if request.rawPath.hasPrefix("/size/"), let size = Int(request.rawPath.dropFirst(6)) {
            return HTTPResponse(status: 200, body: [UInt8](repeating: UInt8(ascii: "s"), count: size))
        }
        lines.append("first-x=\(request.header("X-Test") ?? "-")")
        return HTTPResponse(
            status: 200, headers: [HTTPHeader("Content-Type", "text/plain"), HTTPHeader("X-Multi", "1"), HTTPHeader("X-Multi", "2")],
            body: Array((lines.joined(separator: "\n") + "\n").utf8))
    }
}

/// Appends to the response it is given, and says what it was given, so tests can see that
/// the loop's reused response arrives empty every time.
final class AppendingHandler: HTTPHandler {
    func respond(to request: HTTPRequest, into response: inout HTTPResponse) {
        let given = "given status=\(response.status) headers=\(response.headers.count) body=\(response.body.count)\n"
        response.status = request.rawPath == "/created" ? 201 : 200
        response.append(HTTPHeader("Content-Type", "text/plain"))
        response.append(HTTPHeader("X-Path", request.rawPath))
        response.body.append(contentsOf: given.utf8)
        if request.rawPath == "/big" { response.body.append(contentsOf: repeatElement(UInt8(ascii: "b"), count: 100_000)) }
    }
}

/// Starts a server on a free port and stops it when the test ends.
func withServer(
    _ configuration: HTTPServerConfiguration = HTTPServerConfiguration(port: 0), _ body: (HTTPServer) throws -> Void
) throws {
    let server = HTTPServer(configuration: configuration) { EchoHandler() }
    try server.start()
    defer {
        server.stop()
        server.wait()
    }
    try body(server)
}

@Suite struct HTTPServerTests {
    @Test func bindsAFreePortAndAnswers() throws {
        try withServer { server throws in
            #expect(server.port > 0)
            let response = try RawHTTPClient.request(port: server.port, path: "/a%20b?q=1")
            #expect(response.status == 200)
            #expect(response.bodyText.contains("target=/a%20b?q=1\npath=/a%20b\n"))
            #expect(response.header("Content-Type") == "text/plain")
            #expect(response.headerValues("X-Multi") == ["1", "2"])
            #expect(response.header("Content-Length") == String(response.body.count))
            #expect(response.header("Date") != nil)
        }
    }

    @Test func theReusedResponseArrivesEmptyForEveryRequest() throws {
        let server = HTTPServer(configuration: HTTPServerConfiguration(port: 0)) { AppendingHandler() }
        try server.start()
        defer {
            server.stop()
            server.wait()
        }
        for path in ["/created", "/big", "/a", "/b"] {
            let response = try RawHTTPClient.request(port: server.port, path: path)
            #expect(response.status == (path == "/created" ? 201 : 200))
            #expect(response.headerValues("X-Path") == [path])
            #expect(response.bodyText.hasPrefix("given status=200 headers=0 body=0\n"))
            #expect(response.body.count == (path == "/big" ? 100_034 : 34))
        }
    }

    /// Content-Length is the body's size in decimal, at each change in its number of digits.
    @Test func contentLengthIsTheBodysSizeInDecimal() throws {
        try withServer { server throws in
            for size in [0, 1, 9, 10, 99, 100, 101, 999, 1000, 9999, 10000, 65535, 100_000, 1_234_567] {
                let response = try RawHTTPClient.request(port: server.port, path: "/size/\(size)")
                #expect(response.header("Content-Length") == "\(size)" && response.body.count == size, "\(size)")
            }
        }
    }

    @Test func aLargeBodyBufferIsNotKeptAfterItsReply() {
        var response = HTTPResponse(status: 404, headers: [HTTPHeader("A", "b")], body: [1, 2, 3])
        [UInt8](repeating: 4, count: 1021).withUnsafeBufferPointer { response.bodyBytes.append(contentsOf: $0) }
        response.reset()
        #expect(response.status == 200 && response.headers.isEmpty && response.body.isEmpty)
        #expect(response.bodyBytes.capacity >= 1024)
        response.body = [UInt8](repeating: 0, count: HTTPResponse.retainedBodyCapacity + 1)
        response.reset()
        #expect(response.bodyBytes.capacity < HTTPResponse.retainedBodyCapacity)
    }

    @Test func headersKeepTheirOrderRepeatsAndEmptyValues() {
        var response = HTTPResponse(status: 200, headers: [HTTPHeader("Vary", "Cookie")])
        response.append(HTTPHeader("Set-Cookie", "a=1"))
        response.appendHeader(named: "Set-Cookie", value: Array("b=2; Path=/".utf8).span)
        response.addHeader("X-Empty", "")
        #expect(
            response.headers == [
                HTTPHeader("Vary", "Cookie"), HTTPHeader("Set-Cookie", "a=1"), HTTPHeader("Set-Cookie", "b=2; Path=/"),
                HTTPHeader("X-Empty", ""),
            ])
        response.reset()
        #expect(response.headers.isEmpty)
        response.append(HTTPHeader("A", "b"))
        #expect(response.headers == [HTTPHeader("A", "b")])
    }

    @Test func aNULEndsAHeaderValueWithoutShiftingTheNextHeaders() {
        var response = HTTPResponse(status: 200)
        response.append(HTTPHeader("X-A", "one\u{0}X-Evil\u{0}1"))
        response.appendHeader(named: "X-B", value: Array("two\u{0}X-Evil".utf8).span)
        response.append(HTTPHeader("X-C", "three"))
        #expect(response.headers == [HTTPHeader("X-A", "one"), HTTPHeader("X-B", "two"), HTTPHeader("X-C", "three")])
    }

    @Test func returnsEveryLineOfARepeatedHeader() throws {
        try withServer { server throws in
            let response = try RawHTTPClient.request(
                port: server.port, path: "/",
                headers: [
                    ("Cookie", "a=1"), ("X-Test", "one"), ("cookie", "b=2"), ("X-Test", "two"), ("COOKIE", "c=3"),
                    ("Cookies", "no"), ("Xookie", "no"), ("Cookie2", "no"),
                ])
            #expect(response.bodyText.contains("\ncookies=a=1|b=2|c=3\n"))
            #expect(response.bodyText.contains("\nliteral-cookies=a=1|b=2|c=3\n"))
            #expect(response.bodyText.contains("first-x=one\n"))
        }
    }

    @Test func headGetsHeadersWithoutABody() throws {
        try withServer { server throws in
            let client = try RawHTTPClient(port: server.port)
            try client.send("HEAD /x HTTP/1.1\r\nHost: a\r\n\r\nGET /y HTTP/1.1\r\nHost: a\r\n\r\n")
            let head = try client.readResponse(expectBody: false)
            #expect(head.status == 200)
            #expect(Int(head.header("Content-Length") ?? "") ?? 0 > 0)
            let get = try client.readResponse()
            #expect(get.bodyText.contains("method=GET\ntarget=/y"))
        }
    }

    @Test func keepsAliveAndAnswersPipelinedRequestsInOrder() throws {
        try withServer { server throws in
            let client = try RawHTTPClient(port: server.port)
            try client.send((1...5).map { "GET /\($0) HTTP/1.1\r\nHost: a\r\n\r\n" }.joined())
            for index in 1...5 {
                #expect(try client.readResponse().bodyText.contains("target=/\(index)\n"))
            }
        }
    }

    @Test func passesTheBodyAndRefusesOneOverTheLimit() throws {
        try withServer(HTTPServerConfiguration(port: 0, maxBodyBytes: 100)) { server throws in
            let small = try RawHTTPClient.request(port: server.port, method: "PUT", path: "/", body: Array("hello".utf8))
            #expect(small.bodyText.contains("method=PUT"))
            #expect(small.bodyText.contains("body=hello\n"))
            let large = try RawHTTPClient.request(
                port: server.port, method: "PUT", path: "/", body: [UInt8](repeating: 65, count: 101))
            #expect(large.status == 413)
        }
    }

    @Test func closesAConnectionWhoseHeadersAreTooLarge() throws {
        try withServer(HTTPServerConfiguration(port: 0, maxHeaderBytes: 1024)) { server throws in
            let client = try RawHTTPClient(port: server.port)
            try client.send("GET / HTTP/1.1\r\nHost: a\r\nX-Big: \(String(repeating: "x", count: 4096))\r\n\r\n")
            // evhttp answers 400 to a head past the limit and closes the connection.
            let response = try client.readResponse()
            #expect(response.status == 400)
            #expect(client.readsEndOfStream())
            // Other clients are still served.
            #expect(try RawHTTPClient.request(port: server.port, path: "/after").status == 200)
        }
    }

    @Test func dropsSilentConnectionsAtTheTimeout() throws {
        try withServer(HTTPServerConfiguration(port: 0, timeoutSeconds: 1)) { server throws in
            let client = try RawHTTPClient(port: server.port, timeoutSeconds: 4)
            try client.send("GET / HTTP/1.1\r\nHost: a\r\n")
            #expect(client.readsEndOfStream())
        }
    }

    @Test func framesNoBodyFor204() throws {
        try withServer { server throws in
            let client = try RawHTTPClient(port: server.port)
            try client.send("GET /no-content HTTP/1.1\r\nHost: a\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n")
            let first = try client.readResponse()
            #expect(first.status == 204)
            #expect(first.header("Content-Length") == nil)
            #expect(try client.readResponse().bodyText.contains("target=/next"))
        }
    }

    @Test func servesFromSeveralLoopsAndStopsThemAll() throws {
        try withServer(HTTPServerConfiguration(port: 0, threads: 4)) { server throws in
            for index in 0..<40 {
                #expect(try RawHTTPClient.request(port: server.port, path: "/\(index)").status == 200)
            }
        }
    }

    @Test func stopBeforeTheLoopsRunStillStopsAndFreesThePort() throws {
        let server = HTTPServer(configuration: HTTPServerConfiguration(port: 0, threads: 2)) { EchoHandler() }
        try server.bind()
        // Asked before any loop runs: the command waits in each loop's pipe.
        server.stop()
        try server.start()
        let stopped = stopping(server)
        #expect(stopped.wait(timeout: .now() + 10) == .success)
        // Every loop has exited and closed its socket: the port can be bound again.
        let again = HTTPServer(configuration: HTTPServerConfiguration(port: server.port)) { EchoHandler() }
        try again.start()
        #expect(try RawHTTPClient.request(port: again.port, path: "/").status == 200)
        again.stop()
        again.wait()
    }

    @Test func refusesAPortInUse() throws {
        try withServer { server throws in
            let second = HTTPServer(configuration: HTTPServerConfiguration(port: server.port)) { EchoHandler() }
            #expect(throws: HTTPServerError.self) { try second.start() }
        }
    }

    @Test func decodesPercentEscapes() {
        #expect(PercentDecoding.decode("/sessions/hel%6co") == "/sessions/hello")
        #expect(PercentDecoding.decode("/%C3%A9") == "/é")
        #expect(PercentDecoding.decode("/%zz") == nil)
        #expect(PercentDecoding.decode("/%4") == nil)
        #expect(PercentDecoding.decode("/%FF") == nil)
        #expect(PercentDecoding.decode("/%C0%AF") == nil)
    }

    /// A named header of any length, on either side of the 1 KiB laid out on the stack,
    /// follows the headers before it whole, is measured, and is cut at a NUL.
    @Test func namedHeadersOfEveryLengthArriveWholeAndInOrder() {
        // Empty to 5,000 bytes, across the header buffer's growth, whole and cut at a NUL.
        for length in [0, 1, 150, 1011, 1012, 1013, 5000] {
            let value = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
            for cut in [nil, length / 2] {
                var sent = value
                if let cut, cut < length { sent[cut] = 0 }
                var response = HTTPResponse(status: 200, headers: [HTTPHeader("Vary", "Cookie")])
                let measured = sent.withUnsafeBufferPointer { response.appendHeader(named: "Set-Cookie", bytes: $0) }
                response.append(HTTPHeader("X-After", "1"))
                let kept = cut.map { Array(value[..<min($0, length)]) } ?? value
                #expect(measured == kept.count, "\(length) \(String(describing: cut))")
                #expect(
                    response.headers == [
                        HTTPHeader("Vary", "Cookie"), HTTPHeader("Set-Cookie", String(decoding: kept, as: UTF8.self)),
                        HTTPHeader("X-After", "1"),
                    ], "\(length) \(String(describing: cut))")
            }
        }
    }

    /// A plain path is one `decode` returns unchanged: every byte value at every position of
    /// paths shorter and longer than the eight bytes tested at once.
    @Test func aPlainPathIsOneDecodingLeavesAsItIs() {
        for length in [1, 7, 8, 9, 15, 16, 19, 23] {
            for position in 0..<length {
                for byte in UInt8.min...UInt8.max {
                    var path = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    path[position] = byte
                    let isPlain = path.withUnsafeBufferPointer { PercentDecoding.isPlainASCII($0.span) }
                    #expect(isPlain == (byte < 0x80 && byte != UInt8(ascii: "%")), "\(byte) at \(position) of \(length)")
                    if isPlain { #expect(PercentDecoding.decode(bytes: path).map { Array($0.utf8) } == path) }
                }
            }
        }
    }
}
