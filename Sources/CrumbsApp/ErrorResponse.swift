import CrumbsSession
import EventHTTP

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
        var response = make(
            405, "\(method) is not allowed here",
            extra: [("allowed_methods", .array(allowed.map { .string($0.rawValue) }))])
        response.addHeader("Allow", allowed.allowHeader)
        return response
    }

    /// What evhttp's own refusals say (`EvhttpRefusals`): it gives only a status, so each
    /// message names every cause evhttp reports under that status.
    static let evhttpRefusals: [HTTPResponse] = [
        make(400, "the request line or a header could not be read, or the headers are over the server's limit"),
        make(413, "the request body is over the server's limit, or its chunked framing could not be read"),
        make(417, "the only expectation this server meets is Expect: 100-continue"),
        make(501, "the request method is not one this server implements"),
    ]

    /// 409 for `/sessions/count` when the stored `count` is no integer that can be incremented.
    static func countNotIncrementable(_ count: JSONValue?) -> HTTPResponse {
        make(
            409,
            "the session's count is not an integer that can be incremented; "
                + "replace it with PUT /sessions/count or start over with DELETE /sessions",
            extra: [("count", count ?? .null)])
    }

    /// 404 for a session key the session does not hold, listing the ones it does.
    static func unknownKey(_ key: String, in session: JSONObject) -> HTTPResponse {
        make(
            404, "the session has no key \(key)",
            extra: [("key", .string(key)), ("known_keys", .array(session.keys.map { .string($0) }))])
    }
}
