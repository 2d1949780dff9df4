import CrumbsSession
import EventHTTP

/// Bodies as Flask's `jsonify` writes them with `app.json.compact = False`: pretty JSON with
/// sorted keys and a trailing newline, `Content-Type: application/json` with no charset.
enum JSONResponse {
    static func make(_ status: Int, _ body: JSONValue) -> HTTPResponse {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        JSONWriter.write(body, style: .pretty, into: &bytes)
        bytes.append(UInt8(ascii: "\n"))
        return HTTPResponse(status: status, headers: [("Content-Type", "application/json")], body: bytes)
    }
}

/// Every error is JSON too: `{"error": <reason phrase>, "message": ..., "status": ...}` plus
/// whatever helps the client fix its request.
enum ErrorResponse {
    static func make(_ status: Int, _ message: String, extra: [(String, JSONValue)] = []) -> HTTPResponse {
        let fields: [(String, JSONValue)] =
            [
                ("error", .string(HTTPResponse.reasonPhrase(for: status))),
                ("message", .string(message)),
                ("status", .integer(Int64(status))),
            ] + extra
        return JSONResponse.make(status, .object(JSONObject(fields)))
    }

    static func methodNotAllowed(_ method: String, allowed: [HTTPMethod]) -> HTTPResponse {
        let allow = allowed.map(\.rawValue)
        var response = make(
            405, "\(method) is not allowed here", extra: [("allowed_methods", .array(allow.map { .string($0) }))])
        response.addHeader("Allow", allow.joined(separator: ", "))
        return response
    }
}
