internal import CLibevent

import Glibc

/// The `Date` header's value, formatted once a second rather than for every reply.
///
/// Why: evhttp formats the date for each reply it sends without one (gmtime and printf,
/// about 3,400 instructions); a reply that brings its own costs one header copy. The second
/// is the loop's cached time (read once per pass, no system call). evhttp dated only
/// HTTP/1.1 replies; this dates every reply, as RFC 9110 §6.6.1 asks of a server with a
/// clock, and as Flask's servers do.
struct DateHeader {
    private var second = Int.min
    /// `Thu, 01 Jan 1970 00:00:00 GMT` and a NUL, with room to spare (evutil asks for 30).
    private var text: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)

    /// Lends the date of `base`'s current pass, as a C string.
    mutating func withValue(on base: OpaquePointer, _ body: (UnsafePointer<CChar>) -> Void) {
        var now = timeval()
        event_base_gettimeofday_cached(base, &now)
        if now.tv_sec != second {
            var time = now.tv_sec
            var parts = tm()
            gmtime_r(&time, &parts)
            withUnsafeMutableBytes(of: &text) { buffer in
                _ = evutil_date_rfc1123(buffer.baseAddress!.assumingMemoryBound(to: CChar.self), buffer.count, &parts)
            }
            second = now.tv_sec
        }
        withUnsafeBytes(of: &text) { body($0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
    }
}
