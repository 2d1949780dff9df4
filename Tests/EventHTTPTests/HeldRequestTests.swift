import CLibevent
import Foundation
import HTTPTestSupport
import Testing

@testable import EventHTTP

/// Holds every request and answers it from a timer on its loop, as a handler waiting on
/// Redis would: `/after/<ms>` after that long (deadline 5 s), `/never` only by its deadline
/// (250 ms), `/slow` after 600 ms, past its deadline of 250 ms, `/failed` after 100 ms, once
/// evhttp has been told at 20 ms to send an error for it, as its failure path does for a
/// connection that fails (libevent 2.1 `evhttp_connection_incoming_fail`).
/// Counts the answers each path produced, so tests can see every request answered once.
final class HoldingHandler: HTTPHandler {
    let loop: EventLoopHandle
    let counts: AnswerCounts
    private var timers: [Int: LoopTimer] = [:]
    private var nextTimer = 0

    init(loop: EventLoopHandle, counts: AnswerCounts) {
        self.loop = loop
        self.counts = counts
    }

    func respond(to request: HTTPRequest, into response: inout HTTPResponse) {
        let path = request.rawPath
        let counts = self.counts
        let held = request.hold(deadlineSeconds: path == "/never" || path == "/slow" ? 0.25 : 5) { response in
            counts.add(deadline: 1)
            response.status = 503
            response.body = Array("deadline \(path)".utf8)
        }
        if path == "/failed" {
            let failure = LoopTimer(on: loop) { [weak self] in
                if let request = held.request { evhttp_send_error(request, 400, nil) }
                self?.timers[-1] = nil
            }
            failure.schedule(afterSeconds: 0.02)
            timers[-1] = failure
        }
        let delay = path == "/slow" ? "600" : path == "/failed" ? "100" : path.dropFirst("/after/".count)
        guard path.hasPrefix("/after/") || path == "/slow" || path == "/failed", let milliseconds = Double(delay) else {
            return
        }
        nextTimer += 1
        let number = nextTimer
        // The timer is kept by number, not captured by its own action: no cycle to leak.
        let timer = LoopTimer(on: loop) { [weak self] in
            if held.isAnswered { counts.add(late: 1) }
            held.reply { response in
                counts.add(replied: 1)
                response.body = Array("answer \(path)".utf8)
            }
            self?.timers[number] = nil
        }
        timer.schedule(afterSeconds: milliseconds / 1000)
        timers[number] = timer
    }
}

/// `@unchecked Sendable`: every access holds the lock.
final class AnswerCounts: @unchecked Sendable {
    private let lock = NSLock()
    private var values = (replied: 0, deadline: 0, late: 0)

    func add(replied: Int = 0, deadline: Int = 0, late: Int = 0) {
        lock.withLock {
            values.replied += replied
            values.deadline += deadline
            values.late += late
        }
    }

    var snapshot: (replied: Int, deadline: Int, late: Int) { lock.withLock { values } }
}

func holdingServer(_ configuration: HTTPServerConfiguration = HTTPServerConfiguration(port: 0)) throws
    -> (HTTPServer, AnswerCounts)
{
    let counts = AnswerCounts()
    let server = HTTPServer(configuration: configuration) { loop in HoldingHandler(loop: loop, counts: counts) }
    try server.start()
    return (server, counts)
}

@Suite(.serialized) struct HeldRequestTests {
    @Test func aHeldRequestIsAnsweredLaterFromItsLoop() throws {
        let (server, counts) = try holdingServer()
        defer {
            server.stop()
            server.wait()
        }
        let client = try RawHTTPClient(port: server.port)
        // Pipelined: the second waits for the first, held one, and the answers keep their order.
        try client.send("GET /after/150 HTTP/1.1\r\nHost: a\r\n\r\nGET /after/1 HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try client.readResponse().bodyText == "answer /after/150")
        #expect(try client.readResponse().bodyText == "answer /after/1")
        #expect(counts.snapshot.replied == 2 && counts.snapshot.deadline == 0)
    }

    /// While a request is held its connection goes on reading (`keepReading`): what the
    /// client pipelines meanwhile is kept, past the read-ahead limit too (reading pauses, and
    /// resumes with the reply), and answered in order after it.
    @Test func requestsPipelinedBehindAHeldOneAreAnsweredInOrder() throws {
        let (server, counts) = try holdingServer()
        defer {
            server.stop()
            server.wait()
        }
        let client = try RawHTTPClient(port: server.port)
        try client.send("GET /after/200 HTTP/1.1\r\nHost: a\r\n\r\n")
        // Held now (a later connection's answer comes first), then twice the read-ahead.
        #expect(try RawHTTPClient.request(port: server.port, path: "/after/1").bodyText == "answer /after/1")
        let padding = String(repeating: "p", count: 4000)
        let count = 2 * EventLoop.heldReadAhead / 4000 + 1
        try client.send((1...count).map { "GET /after/\($0 % 3) HTTP/1.1\r\nHost: a\r\nX-Pad: \(padding)\r\n\r\n" }.joined())
        #expect(try client.readResponse().bodyText == "answer /after/200")
        for number in 1...count {
            #expect(try client.readResponse().bodyText == "answer /after/\(number % 3)")
        }
        #expect(counts.snapshot.replied == count + 2 && counts.snapshot.deadline == 0)
    }

    @Test func pastItsDeadlineTheLoopAnswersAndALateReplyIsDropped() throws {
        let (server, counts) = try holdingServer()
        defer {
            server.stop()
            server.wait()
        }
        let never = try RawHTTPClient.request(port: server.port, path: "/never")
        #expect(never.status == 503 && never.bodyText == "deadline /never")
        let slow = try RawHTTPClient.request(port: server.port, path: "/slow")
        #expect(slow.status == 503 && slow.bodyText == "deadline /slow")
        // The slow answer comes after its deadline's and finds the request answered.
        #expect(eventually(within: 5) { counts.snapshot.late == 1 })
        #expect(counts.snapshot.deadline == 2 && counts.snapshot.replied == 0)
    }

    /// evhttp's failure path asks for a reply to a held request through `evhttp_send_error`:
    /// the loop answers it then, once, with its deadline answer, and the handler's later
    /// reply finds it answered (nothing more is written on the connection).
    @Test func aHeldRequestEvhttpFailsIsAnsweredOnce() throws {
        let (server, counts) = try holdingServer()
        defer {
            server.stop()
            server.wait()
        }
        let client = try RawHTTPClient(port: server.port)
        try client.send("GET /failed HTTP/1.1\r\nHost: a\r\n\r\n")
        let failed = try client.readResponse()
        #expect(failed.status == 503 && failed.bodyText == "deadline /failed")
        #expect(eventually(within: 5) { counts.snapshot.late == 1 })
        #expect(counts.snapshot.deadline == 1 && counts.snapshot.replied == 0)
        try client.send("GET /after/1 HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try client.readResponse().bodyText == "answer /after/1")
    }

    @Test func aClientThatLeavesWhileItsRequestIsHeldCostsNothing() throws {
        let (server, counts) = try holdingServer()
        defer {
            server.stop()
            server.wait()
        }
        for close in [false, true] {
            for _ in 0..<20 {
                let client = try RawHTTPClient(port: server.port)
                if close { client.resetOnClose() }
                try client.send("GET /after/100 HTTP/1.1\r\nHost: a\r\n\r\n")
            }
        }
        // Every one of the 40 abandoned requests is answered once, into the void, and the
        // loop goes on serving. (Under AddressSanitizer, make check, a double answer or a
        // request used after evhttp freed it fails here.)
        #expect(eventually(within: 10) { counts.snapshot.replied + counts.snapshot.deadline == 40 })
        #expect(try RawHTTPClient.request(port: server.port, path: "/after/1").bodyText == "answer /after/1")
        #expect(counts.snapshot.late == 0)
    }

    @Test func aGracefulStopWaitsForHeldRequests() throws {
        let (server, counts) = try holdingServer()
        let client = try RawHTTPClient(port: server.port)
        try client.send("GET /after/300 HTTP/1.1\r\nHost: a\r\n\r\n")
        // Connections are read in the order they came: once a later one is answered, the
        // first request has been read and is held.
        #expect(try RawHTTPClient.request(port: server.port, path: "/after/1").bodyText == "answer /after/1")
        server.stopGracefully()
        let reply = try client.readResponse()
        #expect(reply.bodyText == "answer /after/300")
        server.wait()
        #expect(counts.snapshot.replied >= 1)
    }

    @Test func stoppingTheServerAnswersWhatIsStillHeld() throws {
        let (server, counts) = try holdingServer()
        let client = try RawHTTPClient(port: server.port)
        try client.send("GET /after/60000 HTTP/1.1\r\nHost: a\r\n\r\n")
        // The request is held once the loop has read it; a second connection's answer proves it.
        #expect(try RawHTTPClient.request(port: server.port, path: "/after/1").bodyText == "answer /after/1")
        server.stop()
        server.wait()
        #expect(counts.snapshot.deadline == 1 && counts.snapshot.replied == 1)
    }
}
