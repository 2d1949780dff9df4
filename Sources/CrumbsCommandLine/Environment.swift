import Glibc

/// The process environment, read where a command needs it (tests pass their own lookup).
enum Environment {
    static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
