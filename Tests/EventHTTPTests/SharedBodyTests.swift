import Foundation
import HTTPTestSupport
import Testing

@testable import EventHTTP

/// Answers every request with a `SharedBody` made for it, and keeps only weak references to
/// them, so a test can see each one let go once its reply is written or dropped.
final class SharedBodyHandler: HTTPHandler, @unchecked Sendable {
    static let text = Array(String(repeating: "shared body bytes\n", count: 500).utf8)
    private let lock = NSLock()
    private var made: [Weak] = []

    struct Weak { weak var body: SharedBody? }

    func respond(to request: HTTPRequest, into response: inout HTTPResponse) {
        let body = SharedBody(Self.text)
        lock.withLock { made.append(Weak(body: body)) }
        response.append(HTTPHeader("Content-Type", "text/plain"))
        response.sharedBody = body
    }

    var madeCount: Int { lock.withLock { made.count } }
    var stillHeld: Int { lock.withLock { made.filter { $0.body != nil }.count } }
}

@Suite struct SharedBodyTests {
    /// The bytes arrive whole and counted; HEAD frames them without sending them; and every
    /// body is released once evhttp has written or dropped its reply (a leaked reference
    /// would keep it alive, a double release would crash under the sanitizers).
    @Test func sendsTheBytesAndLetsEachBodyGo() throws {
        let handler = SharedBodyHandler()
        let server = HTTPServer(configuration: HTTPServerConfiguration(port: 0)) { handler }
        try server.start()
        defer {
            server.stop()
            server.wait()
        }
        let client = try RawHTTPClient(port: server.port)
        try client.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\nHEAD /b HTTP/1.1\r\nHost: a\r\n\r\nGET /c HTTP/1.1\r\nHost: a\r\n\r\n")
        let first = try client.readResponse()
        #expect(first.body == SharedBodyHandler.text)
        #expect(first.header("Content-Length") == String(SharedBodyHandler.text.count))
        let head = try client.readResponse(expectBody: false)
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == String(SharedBodyHandler.text.count))
        let third = try client.readResponse()
        #expect(third.body == SharedBodyHandler.text)
        // A client that leaves before reading: its reply is dropped with the connection.
        do {
            let leaving = try RawHTTPClient(port: server.port)
            try leaving.send("GET /d HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(eventually(within: 5) { handler.madeCount == 4 })
        }  // closed here, unread
        #expect(eventually(within: 5) { handler.stillHeld == 0 }, "\(handler.stillHeld) bodies still held")
    }
}
