import Glibc

/// The wall clock (CLOCK_REALTIME) in milliseconds since the Unix epoch: the clock another
/// machine can be told a time on. (A loop's timers run on the monotonic clock, which is
/// this machine's alone.)
public enum WallClock {
    public static func milliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
