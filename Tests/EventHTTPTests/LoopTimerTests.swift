import HTTPTestSupport
import Testing

@testable import EventHTTP

/// Holds each request and answers it from a timer run at the end of the loop's pass,
/// asked for twice: the body tells what ran, in order, so the test sees the action run once,
/// after the callback that asked for it returned.
private final class EndOfPassHandler: HTTPHandler {
    let loop: EventLoopHandle
    private var log: [String] = []
    /// Over all requests: twice per request would show in the next request's body.
    private var runs = 0
    private var timer: LoopTimer?
    private var held: HeldRequest?

    init(loop: EventLoopHandle) { self.loop = loop }

    func respond(to request: HTTPRequest, into response: inout HTTPResponse) {
        log = []
        held = request.hold(deadlineSeconds: 5) { $0.status = 503 }
        if timer == nil {
            timer = LoopTimer(on: loop) { [weak self] in
                guard let self else { return }
                runs += 1
                log.append("action \(runs)")
                let body = log.joined(separator: ",")
                held?.reply { $0.body = Array(body.utf8) }
            }
        }
        timer?.runAtEndOfPass()
        timer?.runAtEndOfPass()
        log.append("respond returned")
    }
}

@Suite struct LoopTimerTests {
    @Test func anActionAskedForTwiceInAPassRunsOnceAtItsEnd() throws {
        let server = HTTPServer(configuration: HTTPServerConfiguration(port: 0)) { EndOfPassHandler(loop: $0) }
        try server.start()
        defer {
            server.stop()
            server.wait()
        }
        for number in 1...3 {
            let response = try RawHTTPClient.request(port: server.port, path: "/")
            #expect(response.status == 200 && response.bodyText == "respond returned,action \(number)")
        }
    }
}
