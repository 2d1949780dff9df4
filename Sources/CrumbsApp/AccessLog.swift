import CrumbsSession
import EventHTTP

import Glibc

/// An access log in Common Log Format, one line per request:
/// `127.0.0.1 - - [26/Nov/2026:16:11:39 +0000] "GET /sessions/count HTTP/1.1" 200 290`.
///
/// The loops never wait for the log: they hand each line to a `LineWriter`, whose own
/// thread does the writing. Lines stay whole however long they are and however many loops
/// log, because that one thread writes them one after another.
public final class AccessLog: Sendable {
    private let writer: LineWriter

    /// `path` is a file (appended to, created mode 0640) or `-` for standard output.
    public init(path: String) throws(ConfigurationError) {
        let descriptor: Int32
        if path == "-" {
            descriptor = STDOUT_FILENO
        } else {
            descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
            guard descriptor >= 0 else {
                throw ConfigurationError("cannot open access log \(path): \(String(cString: strerror(errno)))")
            }
        }
        do {
            writer = try LineWriter(descriptor: descriptor, closesDescriptor: path != "-", name: "access log")
        } catch {
            if path != "-" { close(descriptor) }
            throw ConfigurationError("cannot start the access log's writer: \(error)")
        }
    }

    deinit {
        // The writer's thread keeps it alive until told to finish.
        writer.finish()
    }

    /// Writes every line handed over so far, then stops the writer: call once the loops
    /// have stopped.
    public func finish() {
        writer.finish()
    }

    func record(client: String, method: String, target: String, version: (major: Int, minor: Int), status: Int, bytes: Int, at time: Int64) {
        let size = bytes > 0 ? String(bytes) : "-"
        let line = "\(client) - - [\(Self.commonLogDate(time))] \"\(method) \(Self.escaped(target)) HTTP/\(version.major).\(version.minor)\" \(status) \(size)\n"
        writer.append(line)
    }

    /// Quotes and control characters in the target would break the line's format.
    private static func escaped(_ target: String) -> String {
        guard target.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 >= 0x7F }) else { return target }
        var output = ""
        for byte in target.utf8 {
            if byte < 0x20 || byte == 0x22 || byte == 0x5C || byte >= 0x7F {
                let hex = String(byte, radix: 16)
                output += "\\x" + (hex.count == 1 ? "0" : "") + hex
            } else {
                output.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return output
    }

    /// `26/Nov/2026:16:11:39 +0000`, from the IMF-fixdate of the same instant.
    static func commonLogDate(_ time: Int64) -> String {
        // "Thu, 26 Nov 2026 16:11:39 GMT"
        let parts = HTTPDate.format(epochSeconds: time).split(separator: " ")
        return "\(parts[1])/\(parts[2])/\(parts[3]):\(parts[4]) +0000"
    }
}
