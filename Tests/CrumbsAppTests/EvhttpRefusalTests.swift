import CrumbsApp
import Foundation
import HTTPTestSupport
import Testing

/// A request evhttp refuses before any handler runs, and the reply it must get: the whole
/// reply but its `Date` line, as literal bytes.
struct EvhttpRefusalCase: CustomStringConvertible, Sendable {
    let name: String
    let request: String
    let reply: String

    var description: String { name }
}

private func reply(
    _ statusLine: String, _ message: String, status: Int, error: String, head: Bool = false, closes: Bool = true
) -> String {
    let body = "{\n  \"error\": \"\(error)\",\n  \"message\": \"\(message)\",\n  \"status\": \(status)\n}\n"
    return "\(statusLine)\r\nContent-Type: application/json\r\n\(closes ? "Connection: close\r\n" : "")"
        + "Content-Length: \(body.utf8.count)\r\n\r\n" + (head ? "" : body)
}

private let unreadable = "the request line or a header could not be read, or the headers are over the server's limit"
private let tooLarge = "the request body is over the server's limit, or its chunked framing could not be read"

let evhttpRefusalCases: [EvhttpRefusalCase] = [
    EvhttpRefusalCase(
        name: "garbage request line", request: "GARBAGE\r\n\r\n",
        reply: reply("HTTP/1.1 400 Bad Request", unreadable, status: 400, error: "Bad Request")),
    // Answered in HTTP/1.1, as libevent's own page answers any request of minor version 0.
    EvhttpRefusalCase(
        name: "broken header in HTTP/1.0", request: "GET /crumbs HTTP/1.0\r\nBroken\r\n\r\n",
        reply: reply("HTTP/1.1 400 Bad Request", unreadable, status: 400, error: "Bad Request")),
    EvhttpRefusalCase(
        name: "header over the limit",
        request: "GET /crumbs HTTP/1.1\r\nHost: a\r\nX-Big: \(String(repeating: "x", count: 20_000))\r\n\r\n",
        reply: reply("HTTP/1.1 400 Bad Request", unreadable, status: 400, error: "Bad Request")),
    EvhttpRefusalCase(
        name: "body over evhttp's limit",
        request: "PUT /sessions/x HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 99999999\r\n\r\n",
        reply: reply("HTTP/1.1 413 Content Too Large", tooLarge, status: 413, error: "Content Too Large")),
    EvhttpRefusalCase(
        name: "broken chunk size",
        request: "PUT /sessions/x HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        reply: reply("HTTP/1.1 413 Content Too Large", tooLarge, status: 413, error: "Content Too Large")),
    EvhttpRefusalCase(
        name: "unmet expectation",
        request: "PUT /sessions/x HTTP/1.1\r\nHost: a\r\nExpect: tea\r\nContent-Length: 2\r\n\r\n{}",
        reply: reply(
            "HTTP/1.1 417 Expectation Failed", "the only expectation this server meets is Expect: 100-continue",
            status: 417, error: "Expectation Failed")),
    EvhttpRefusalCase(
        name: "unknown method", request: "BREW /crumbs HTTP/1.1\r\nHost: a\r\n\r\n",
        reply: reply(
            "HTTP/1.1 501 Not Implemented", "the request method is not one this server implements", status: 501,
            error: "Not Implemented")),
    // CONNECT: framed, and the connection kept, as evhttp keeps it after any reply to CONNECT.
    EvhttpRefusalCase(
        name: "CONNECT", request: "CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n",
        reply: reply(
            "HTTP/1.1 501 Not Implemented", "the request method is not one this server implements", status: 501,
            error: "Not Implemented", closes: false)),
    // HEAD: the length a GET would get, and no body.
    EvhttpRefusalCase(
        name: "broken header after HEAD", request: "HEAD /crumbs HTTP/1.1\r\nHost: a\r\nBroken\r\n\r\n",
        reply: reply("HTTP/1.1 400 Bad Request", unreadable, status: 400, error: "Bad Request", head: true)),
]

@Suite struct EvhttpRefusalTests {
    @Test func theExecutableAnswersForEvhttp() {
        #expect(CrumbsServer.evhttpRefusalsAreJSON)
    }

    /// Each refusal is JSON like every other error, and the connection is closed after it.
    @Test(arguments: evhttpRefusalCases)
    func evhttpsOwnRefusalsAreJSON(_ refusal: EvhttpRefusalCase) throws {
        let app = try LiveApp(threads: 1)
        let client = try RawHTTPClient(port: app.server.port)
        try client.send(refusal.request)
        let text: String
        if refusal.reply.contains("Connection: close") {
            text = String(decoding: try client.readUntilClosed(), as: UTF8.self)
        } else {
            // Kept open: the reply is read by its length, and a next request is answered.
            let response = try client.readResponse()
            text = "\(response.statusLine)\r\n"
                + response.headers.map { "\($0.name): \($0.value)\r\n" }.joined() + "\r\n" + response.bodyText
            try client.send("GET /crumbs HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try client.readResponse().status == 200)
        }
        // The one line that changes: Date, which evhttp adds after Connection.
        let withoutDate = text.replacing(/Date: [^\r]*\r\n/, with: "")
        #expect(withoutDate == refusal.reply)
        #expect(text.contains(/\r\nDate: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\r\n/))
        // The server is still there for everyone else.
        #expect(try RawHTTPClient.request(port: app.server.port, path: "/crumbs").status == 200)
    }
}
