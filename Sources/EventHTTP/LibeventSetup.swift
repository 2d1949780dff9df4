import Glibc

/// Process-wide settings libevent needs before any event base exists.
enum LibeventSetup {
    private static let done: Bool = {
        // A client that closes mid-response must cost an EPIPE, not the process.
        signal(SIGPIPE, SIG_IGN)
        return true
    }()

    static func once() { _ = done }

    /// Raises the soft limit on open files towards `count` (never past the hard limit), so
    /// that the connection limit, not the default of 1,024 descriptors, is what binds.
    static func allowOpenFiles(_ count: Int) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < rlim_t(count) else { return }
        limit.rlim_cur = min(rlim_t(count), limit.rlim_max)
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
