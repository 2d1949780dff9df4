import Glibc

/// Lines for the user on standard error, unbuffered.
enum StandardError {
    static func write(_ text: String) {
        let line = Array((text + "\n").utf8)
        _ = line.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
