/// One change at a time per session on a loop: a request that would change a session another
/// request of the same loop is changing waits for it, instead of racing it to Redis and
/// losing the compare-and-set. Races remain only between loops and instances, where the
/// compare-and-set settles them. Loop thread only.
final class SessionQueue {
    /// Called once the job is done; calling it again does nothing.
    final class Release {
        private var action: (() -> Void)?

        init(_ action: @escaping () -> Void) { self.action = action }

        func callAsFunction() {
            let action = self.action
            self.action = nil
            action?()
        }
    }

    private var waiting: [String: [(Release) -> Void]] = [:]

    /// Runs `job` now if no job of `sid` is running, else after the ones before it.
    func run(_ sid: String, _ job: @escaping (Release) -> Void) {
        if waiting[sid] != nil {
            waiting[sid]!.append(job)
            return
        }
        waiting[sid] = []
        start(sid, job)
    }

    private func start(_ sid: String, _ job: @escaping (Release) -> Void) {
        job(Release { [weak self] in self?.finished(sid) })
    }

    private func finished(_ sid: String) {
        guard var queue = waiting[sid] else { return }
        if queue.isEmpty {
            waiting[sid] = nil
            return
        }
        let next = queue.removeFirst()
        waiting[sid] = queue
        start(sid, next)
    }
}
