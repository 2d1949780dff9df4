import CrumbsSession
import EventHTTP

/// Bodies as Flask's `jsonify` writes them with `app.json.compact = False`: pretty JSON with
/// sorted keys and a trailing newline, `Content-Type: application/json` with no charset.
enum JSONResponse {
    static let contentType = HTTPHeader("Content-Type", "application/json")

    static func make(_ status: Int, _ body: JSONValue) -> HTTPResponse {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        JSONWriter.write(body, style: .pretty, into: &bytes)
        bytes.append(UInt8(ascii: "\n"))
        return HTTPResponse(status: status, headers: [contentType], body: bytes)
    }
}
