/// Called once a step of a session's changes is done, to let the next one start; calling it
/// again does nothing.
final class Release {
    private var action: (() -> Void)?

    init(_ action: @escaping () -> Void) { self.action = action }

    func callAsFunction() {
        let action = self.action
        self.action = nil
        action?()
    }
}
