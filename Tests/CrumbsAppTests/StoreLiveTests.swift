import CrumbsApp
import CrumbsSession
import EventHTTP
import Foundation
import HTTPTestSupport
import RedisClient
import Testing

struct TestRedisError: Error, CustomStringConvertible {
    let description: String
}

/// A redis-server of the test's own on a unix socket (make test installs Debian's), stopped
/// by PID when the test ends.
final class TestRedis {
    let folder: URL
    let socket: String
    private var pid: pid_t = 0

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("crumbs-redis-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        socket = folder.appendingPathComponent("redis.sock").path
        let arguments = [
            "redis-server", "--port", "0", "--unixsocket", socket, "--save", "", "--appendonly", "no", "--dir", folder.path,
            "--enable-debug-command", "local", "--loglevel", "warning",
        ]
        // posix_spawn, not Foundation's Process, whose waitUntilExit can hang off the main thread.
        var argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let status = posix_spawnp(&pid, "redis-server", nil, nil, &argv, environ)
        guard status == 0 else { throw TestRedisError(description: "cannot start redis-server (make test installs it)") }
        guard eventually(within: 10, { (try? self.command("PING")) == "+PONG\r\n" }) else {
            throw TestRedisError(description: "redis-server did not start")
        }
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        try? FileManager.default.removeItem(at: folder)
    }

    /// Sends one inline command and returns the first reply line.
    @discardableResult
    func command(_ text: String, waitForReply: Bool = true) throws -> String {
        let descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            _ = socket.utf8CString.withUnsafeBytes { path.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(path.count - 1))) }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw TestRedisError(description: "cannot reach redis-server") }
        let line = Array((text + "\r\n").utf8)
        _ = line.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
        guard waitForReply else { return "" }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        return String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self)
    }
}

/// The store through the app, in process, so that `make check` runs every held request and
/// every hiredis callback under AddressSanitizer and ThreadSanitizer.
@Suite(.serialized) struct StoreLiveTests {
    func app(_ redis: TestRedis, timeout: Double = 0.3) throws -> LiveApp {
        try LiveApp(threads: 2) { configuration in
            configuration.store = SessionStoreSettings(
                endpoint: RedisEndpoint(address: .unix(path: redis.socket)), timeoutSeconds: timeout)
        }
    }

    func sessionID(_ response: RawResponse) -> String? {
        response.headerValues("Set-Cookie").first { $0.hasPrefix("session=") }.map {
            String($0.dropFirst("session=".count).prefix { $0 != ";" })
        }
    }

    @Test func sessionsLiveInRedisAsFlaskSessionStoresThem() throws {
        let redis = try TestRedis()
        let app = try app(redis)
        #expect(eventually(within: 5) { (try? app.get("/sessions/count").status) == 200 })
        for expected in Int64(2)...4 {
            #expect(try app.json(try app.get("/sessions/count")).session?["session_value"] == .integer(expected))
        }
        let sid = try #require(app.sessionCookie)
        #expect(sid.utf8.count == 43)
        // The stored bytes are Flask-Session's for the lesson's session at count 4.
        let stored = try redis.command("STRLEN session:\(sid)")
        #expect(stored == ":47\r\n")
        let deleted = try app.get("/sessions", method: "DELETE")
        let exists = try redis.command("EXISTS session:\(sid)")
        #expect(deleted.status == 200 && exists == ":0\r\n")
    }

    @Test func clientsThatLeaveWhileRedisStallsAreAnsweredOnceAndCostNothing() throws {
        let redis = try TestRedis()
        let app = try app(redis, timeout: 0.2)
        #expect(eventually(within: 5) { (try? app.get("/sessions/count").status) == 200 })
        let sid = try #require(app.sessionCookie)
        // Redis sleeps for a second: every request below is held, past its deadline, and its
        // client leaves (half of them with a reset) before or after the 503.
        try redis.command("DEBUG SLEEP 1", waitForReply: false)
        #expect(eventually(within: 2) { (try? RawHTTPClient.request(port: app.server.port, path: "/sessions/count",
            headers: [("Cookie", "session=\(sid)")]).status) == 503 })
        for index in 0..<20 {
            let client = try RawHTTPClient(port: app.server.port)
            if index % 2 == 0 { client.resetOnClose() }
            try client.send("GET /sessions/count HTTP/1.1\r\nHost: a\r\nCookie: session=\(sid)\r\n\r\n")
        }
        // Once Redis wakes, the loops answer again; nothing was counted twice or lost, and the
        // late replies to the abandoned requests were dropped.
        #expect(eventually(within: 10) { (try? app.get("/sessions/hello").status) == 200 })
        let count = try app.json(try app.get("/sessions")).session?["count"]
        guard case .integer(let value)? = count else { Issue.record("no count: \(String(describing: count))"); return }
        // Requests Redis ran after their 503 may have counted; none counted twice.
        #expect(value >= 1 && value <= 23)
    }
}
