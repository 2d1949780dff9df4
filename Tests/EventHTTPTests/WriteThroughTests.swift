import HTTPTestSupport
import Testing

@testable import EventHTTP

/// A reply is written as soon as it is made (`EventLoop.writeThrough`), and evhttp still
/// finishes each request its own way: the connection serves the next request, closes when
/// the request asked for it, and a reply the socket cannot take at once arrives whole.
@Suite struct WriteThroughTests {
    @Test func aConnectionCloseRequestIsAnsweredThenClosed() throws {
        try withServer { server throws in
            let client = try RawHTTPClient(port: server.port)
            try client.send("GET /a HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            #expect(try client.readResponse().bodyText.contains("target=/a\n"))
            #expect(client.readsEndOfStream())
        }
    }

    @Test func anHTTP10RequestIsAnsweredThenClosedUnlessItAsksToBeKeptAlive() throws {
        try withServer { server throws in
            let client = try RawHTTPClient(port: server.port)
            try client.send("GET /kept HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try client.readResponse().bodyText.contains("target=/kept\n"))
            try client.send("GET /last HTTP/1.0\r\n\r\n")
            #expect(try client.readResponse().bodyText.contains("target=/last\n"))
            #expect(client.readsEndOfStream())
        }
    }

    @Test func aReplyTheSocketCannotTakeAtOnceArrivesWholeAndTheConnectionGoesOn() throws {
        try withServer { server throws in
            // A 16 MB body against a 4 KB receive buffer: the first write leaves most of it
            // to the bufferevent, which writes the rest as the client reads.
            let size = 16 << 20
            let client = try RawHTTPClient(port: server.port, timeoutSeconds: 20, receiveBufferBytes: 4096)
            try client.send("GET /size/\(size) HTTP/1.1\r\nHost: a\r\n\r\n")
            let large = try client.readResponse()
            #expect(large.status == 200)
            #expect(large.body.count == size)
            #expect(large.body.allSatisfy { $0 == UInt8(ascii: "s") })
            try client.send("GET /next HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try client.readResponse().bodyText.contains("target=/next\n"))
        }
    }

    @Test func aClientThatLeavesBeforeItsReplyDoesNotStopTheLoop() throws {
        try withServer { server throws in
            // The client resets its connection as soon as it has sent the request: the reset
            // may come before the request is read, before the reply is written or after (a
            // failed write is left to the bufferevent, which reports it to evhttp); whichever
            // it is, the loop goes on serving.
            let leaving = try RawHTTPClient(port: server.port)
            leaving.resetOnClose()
            try leaving.send("GET /size/100000 HTTP/1.1\r\nHost: a\r\n\r\n")
            _ = consume leaving
            #expect(try RawHTTPClient.request(port: server.port, path: "/after").bodyText.contains("target=/after\n"))
        }
    }
}
