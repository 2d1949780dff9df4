import Foundation

/// Polls `condition` every 20 ms for up to `seconds`: for waiting on something another
/// process or thread makes true, never to decide a result by the clock.
public func eventually(within seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}
