import Foundation
import HTTPTestSupport
import Testing

@testable import EventHTTP

/// Answers `/big` with 8 MB, so a reply can be caught half-written; everything else as
/// `EchoHandler` does.
final class BigReplyHandler: HTTPHandler {
    static let size = 8 * 1024 * 1024
    let echo = EchoHandler()

    func respond(to request: HTTPRequest, into response: inout HTTPResponse) {
        guard request.rawPath == "/big" else { return echo.respond(to: request, into: &response) }
        response.append(HTTPHeader("Content-Type", "application/octet-stream"))
        // Filled in one go: appended byte by byte it takes seconds in a sanitized debug build.
        response.body = [UInt8](repeating: UInt8(ascii: "c"), count: Self.size)
    }
}


/// Signalled once every loop of `server` has exited.
func stopping(_ server: HTTPServer) -> DispatchSemaphore {
    let stopped = DispatchSemaphore(value: 0)
    Thread {
        server.wait()
        stopped.signal()
    }.start()
    return stopped
}

@Suite(.serialized) struct ConnectionLimitsTests {
    @Test func connectionsBeyondTheLimitGetA503AndOthersAreStillServed() throws {
        try withServer(HTTPServerConfiguration(port: 0, maxConnections: 4)) { server throws in
            let held = try (0..<4).map { _ in try RawHTTPClient(port: server.port) }
            // Each held connection has been accepted before the next one is opened.
            for client in held {
                try client.send("GET /held HTTP/1.1\r\nHost: a\r\n\r\n")
                #expect(try client.readResponse().status == 200)
            }
            let refused = try RawHTTPClient(port: server.port)
            let answer = try refused.readResponse()
            #expect(answer.status == 503)
            #expect(answer.header("Content-Type") == "application/json")
            #expect(answer.bodyText.contains("too many connections"))
            #expect(refused.readsEndOfStream())
            // Held connections keep working; once one closes, a newcomer is served.
            try held[0].send("GET /again HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try held[0].readResponse().status == 200)
            _ = consume held
            #expect(eventually(within: 3) { (try? RawHTTPClient.request(port: server.port, path: "/new").status) == 200 })
        }
    }

    @Test func aClientTricklingItsHeadIsDroppedAtTheHeadTimeout() throws {
        try withServer(HTTPServerConfiguration(port: 0, timeoutSeconds: 10, headTimeoutSeconds: 1)) { server throws in
            let slow = try RawHTTPClient(port: server.port, timeoutSeconds: 1)
            let started = Date()
            var dropped = false
            for byte in "GET / HTTP/1.1\r\nHost: slow\r\nX-Padding: aaaaaaaaaaaaaaaaaaaa".utf8 {
                if (try? slow.send([byte])) == nil { break }
                if Date().timeIntervalSince(started) > 5 { break }
                if slow.readsEndOfStream() {
                    dropped = true
                    break
                }
            }
            #expect(dropped)
            #expect(Date().timeIntervalSince(started) < 4.5)
            #expect(try RawHTTPClient.request(port: server.port, path: "/after").status == 200)
        }
    }

    @Test func fiveHundredSlowClientsDoNotSlowANormalOne() throws {
        try withServer(HTTPServerConfiguration(port: 0, headTimeoutSeconds: 2)) { server throws in
            let slow = try (0..<500).map { _ in try RawHTTPClient(port: server.port) }
            for client in slow { try? client.send("G") }
            var latencies: [Double] = []
            let started = Date()
            var tick = 0
            while Date().timeIntervalSince(started) < 1.5 {
                let requestStart = Date()
                #expect(try RawHTTPClient.request(port: server.port, path: "/normal").status == 200)
                latencies.append(Date().timeIntervalSince(requestStart))
                let second = Int(Date().timeIntervalSince(started))
                if second > tick {
                    tick = second
                    for client in slow { try? client.send("E") }
                }
            }
            latencies.sort()
            let p99 = latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.99))]
            print("slow clients: \(latencies.count) normal requests, p99 \(String(format: "%.2f", p99 * 1000)) ms")
            #expect(latencies.count > 20)
            #expect(p99 < 0.25)
            // At the head timeout every slow client is dropped.
            #expect(eventually(within: 4) { slow.allSatisfy { $0.readsEndOfStream(waitingAtMost: 0.01) } })
        }
    }

    @Test func aGracefulStopFinishesRepliesUnderWayAndRefusesNewConnections() throws {
        let server = HTTPServer(configuration: HTTPServerConfiguration(port: 0, shutdownGraceSeconds: 30)) {
            BigReplyHandler()
        }
        try server.start()
        let client = try RawHTTPClient(port: server.port, timeoutSeconds: 30, receiveBufferBytes: 4096)
        try client.send("GET /big HTTP/1.1\r\nHost: a\r\n\r\n")
        // 8 MB cannot fit in the kernel's buffers while this client reads nothing: once its
        // first byte is here, the reply is under way and stays so until the client reads.
        try client.waitForFirstByte()
        let stopped = stopping(server)
        server.stopGracefully()
        // New connections are refused while the loop, unable to exit, is still writing.
        #expect(eventually(within: 5) { (try? RawHTTPClient(port: server.port)) == nil })
        #expect(stopped.wait(timeout: .now()) == .timedOut, "the loop must wait for the reply under way")
        // The whole reply arrives: the loop kept writing after it was asked to stop.
        let reply = try client.readResponse()
        #expect(reply.status == 200)
        #expect(reply.body.count == BigReplyHandler.size)
        #expect(stopped.wait(timeout: .now() + 5) == .success)
    }

    @Test func aReplyCutByAResetDoesNotHoldUpAGracefulStop() throws {
        // Before replies were settled with their connection, this stop waited the whole grace.
        let server = HTTPServer(configuration: HTTPServerConfiguration(port: 0, shutdownGraceSeconds: 60)) {
            BigReplyHandler()
        }
        try server.start()
        do {
            let client = try RawHTTPClient(port: server.port, timeoutSeconds: 30, receiveBufferBytes: 2048)
            try client.send("GET /big HTTP/1.1\r\nHost: a\r\n\r\n")
            try client.waitForFirstByte()
            client.resetOnClose()
        }
        // The client is gone, with its reply half-written.
        let stopped = stopping(server)
        server.stopGracefully()
        #expect(stopped.wait(timeout: .now() + 10) == .success, "the stop waited for a reply nobody will read")
    }

    @Test(arguments: EventLoop.SetupStep.allCases)
    func aFailedSetUpGivesBackEverySocketAndLoop(step: EventLoop.SetupStep) throws {
        // Only the first loop watches signals.
        for failingLoop in step == .signals ? [0] : [0, 2] {
            let failing = HTTPServer(
                configuration: HTTPServerConfiguration(port: 0, threads: 3), stopOnSignals: [SIGUSR2]
            ) { EchoHandler() }
            failing.loopSetupFailure = (failingLoop, step)
            #expect(throws: HTTPServerError.self) { try failing.bind() }
            // Were any socket still open, in a loop built before the failure or not handed to
            // one yet, this port would still be taken. (LeakSanitizer, in `make check`, sees
            // the loops' memory.)
            let again = HTTPServer(configuration: HTTPServerConfiguration(port: failing.port, threads: 3)) {
                EchoHandler()
            }
            try again.start()
            #expect(try RawHTTPClient.request(port: again.port, path: "/").status == 200)
            again.stop()
            again.wait()
        }
    }

    @Test func aGracefulStopWithNothingUnderWayIsImmediate() throws {
        let server = HTTPServer(configuration: HTTPServerConfiguration(port: 0, threads: 2)) { EchoHandler() }
        try server.start()
        let idle = try RawHTTPClient(port: server.port)
        try idle.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        _ = try idle.readResponse()
        let started = Date()
        server.stopGracefully()
        server.wait()
        #expect(Date().timeIntervalSince(started) < 1)
    }
}
